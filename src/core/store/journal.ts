// The journal file's format: a 16-byte header naming the snapshot generation it continues, then one
// framed record per committed transaction. A record is [u32 length][u32 crc32][JSON payload]; a record
// that does not check out at the end of the file is a write cut short by a crash (never acknowledged),
// one that does not check out with more bytes behind it is damage.
import { crc32 } from './crc32';
import type { SqlValue } from './store';

const MAGIC = 'PTJRNL01';
export const JOURNAL_HEADER_SIZE = 16;
const FRAME_SIZE = 8;
/** Larger than any sane transaction; a bigger length field is damage. */
const MAX_RECORD_BYTES = 1 << 30;

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

/** One statement of a committed transaction, with the parameters it ran with. */
export interface JournalStatement {
  sql: string;
  params: SqlValue[] | undefined;
}

export interface JournalRecord {
  statements: JournalStatement[];
  /** Byte offset of the record's frame in the file. */
  offset: number;
  /** Byte offset just past the record. */
  end: number;
}

export interface JournalScan {
  records: JournalRecord[];
  /** Offset just past the last good record: where the next record belongs. */
  end: number;
  /** What follows `end`: nothing, an interrupted write, or damage. */
  tail: 'clean' | 'torn' | 'corrupt';
  /** Why the tail is not clean. */
  tailReason?: string;
}

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

export function encodeHeader(generation: number): Uint8Array {
  const b = new Uint8Array(JOURNAL_HEADER_SIZE);
  for (let i = 0; i < MAGIC.length; i++) b[i] = MAGIC.charCodeAt(i);
  view(b).setUint32(8, generation >>> 0);
  view(b).setUint32(12, crc32(b, 0, 12));
  return b;
}

/** The generation in a journal header, or why the header is unusable. */
export function decodeHeader(b: Uint8Array): { generation: number } | { error: string } {
  if (b.length < JOURNAL_HEADER_SIZE) return { error: `header is ${b.length} bytes, expected ${JOURNAL_HEADER_SIZE}` };
  for (let i = 0; i < MAGIC.length; i++)
    if (b[i] !== MAGIC.charCodeAt(i)) return { error: 'not a Prompt Tuner journal (bad magic)' };
  const v = view(b);
  if (v.getUint32(12) !== crc32(b, 0, 12)) return { error: 'header checksum mismatch' };
  return { generation: v.getUint32(8) };
}

type EncodedValue = string | number | null | { b: string } | { n: string };

function encodeValue(v: SqlValue): EncodedValue {
  if (v instanceof Uint8Array) return { b: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') };
  if (typeof v === 'number' && !Number.isFinite(v)) return { n: String(v) };
  return v ?? null;
}

function decodeValue(v: EncodedValue): SqlValue {
  if (v !== null && typeof v === 'object') {
    if ('b' in v) return new Uint8Array(Buffer.from(v.b, 'base64'));
    return Number(v.n);
  }
  return v;
}

export function encodeRecord(statements: JournalStatement[]): Uint8Array {
  const json = JSON.stringify(
    statements.map((s) => (s.params && s.params.length > 0 ? [s.sql, s.params.map(encodeValue)] : [s.sql])),
  );
  const payload = utf8Encoder.encode(json);
  const out = new Uint8Array(FRAME_SIZE + payload.length);
  view(out).setUint32(0, payload.length);
  view(out).setUint32(4, crc32(payload));
  out.set(payload, FRAME_SIZE);
  return out;
}

function decodePayload(payload: Uint8Array): JournalStatement[] {
  const raw: unknown = JSON.parse(utf8Decoder.decode(payload));
  if (!Array.isArray(raw)) throw new Error('payload is not a list of statements');
  return raw.map((entry: unknown) => {
    if (!Array.isArray(entry) || typeof entry[0] !== 'string') throw new Error('statement is not [sql, params?]');
    const params = entry[1] as EncodedValue[] | undefined;
    return { sql: entry[0], params: params?.map(decodeValue) };
  });
}

/** Reads the records in `bytes`, which start at file offset `base` (a record boundary). */
export function scanRecords(bytes: Uint8Array, base: number): JournalScan {
  const records: JournalRecord[] = [];
  const v = view(bytes);
  let pos = 0;
  while (pos < bytes.length) {
    const at = base + pos;
    const remaining = bytes.length - pos;
    if (remaining < FRAME_SIZE)
      return { records, end: at, tail: 'torn', tailReason: `${remaining} bytes of an incomplete record frame` };
    const len = v.getUint32(pos);
    const sum = v.getUint32(pos + 4);
    if (len > MAX_RECORD_BYTES)
      return { records, end: at, tail: 'corrupt', tailReason: `record at offset ${at} claims ${len} bytes` };
    if (FRAME_SIZE + len > remaining) {
      return {
        records,
        end: at,
        tail: 'torn',
        tailReason: `record at offset ${at} is incomplete (${remaining} of ${FRAME_SIZE + len} bytes)`,
      };
    }
    const payload = bytes.subarray(pos + FRAME_SIZE, pos + FRAME_SIZE + len);
    const last = FRAME_SIZE + len === remaining;
    if (crc32(payload) !== sum) {
      // At the very end this is a write cut short (the file grew before the bytes landed); inside, damage.
      return {
        records,
        end: at,
        tail: last ? 'torn' : 'corrupt',
        tailReason: `record at offset ${at} fails its checksum`,
      };
    }
    let statements: JournalStatement[];
    try {
      statements = decodePayload(payload);
    } catch (e) {
      return {
        records,
        end: at,
        tail: 'corrupt',
        tailReason: `record at offset ${at} is unreadable: ${(e as Error).message}`,
      };
    }
    records.push({ statements, offset: at, end: at + FRAME_SIZE + len });
    pos += FRAME_SIZE + len;
  }
  return { records, end: base + pos, tail: 'clean' };
}
