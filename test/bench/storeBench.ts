// `npm run bench:store`: what one durable commit costs as the database grows, beside what saving the
// whole database once costs at the same size (the design the journal replaces). Prints numbers and
// ratios; never passes or fails on time.
import { closeSync, fdatasyncSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../../src/core/store/fsUtil';
import type { Migration } from '../../src/core/store/migrations';
import { loadSqlJs } from '../../src/core/store/sqlJs';
import { Store } from '../../src/core/store/store';

const SIZES = [1_000, 10_000, 100_000];
const COMMITS = 500;
const EXPORT_REPEATS = 3;
const ROW_BYTES = 400;

const BENCH_MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'bench',
    up: (tx) => tx.run('CREATE TABLE bench_rows (id INTEGER PRIMARY KEY, body TEXT NOT NULL)'),
  },
];

/** ~400 bytes that do not repeat, so neither SQLite nor the file system gets an easy ride. */
function body(i: number): string {
  let s = `row ${i} `;
  let x = i * 2654435761;
  while (s.length < ROW_BYTES) {
    x = (x * 1103515245 + 12345) >>> 0;
    s += x.toString(36);
  }
  return s.slice(0, ROW_BYTES);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const ms = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;
const fmt = (n: number) => (n < 10 ? n.toFixed(3) : n.toFixed(1));

async function measure(size: number) {
  const root = mkdtempSync(join(tmpdir(), 'pt-bench-'));
  const dir = join(root, '.prompt-tuner');
  try {
    let t = process.hrtime.bigint();
    const store = await Store.open({
      dir,
      migrations: BENCH_MIGRATIONS,
      onNotice: (m) => console.error(`notice: ${m}`),
    });
    // Pre-fill in one transaction; its journal record passes the limit, so this also writes the snapshot.
    store.write((tx) => {
      for (let i = 0; i < size; i++) tx.run('INSERT INTO bench_rows (id, body) VALUES (?, ?)', [i + 1, body(i)]);
    });
    const prefillMs = ms(t);

    const times: number[] = [];
    for (let i = 0; i < COMMITS; i++) {
      const id = size + i + 1;
      const text = body(id);
      const s = process.hrtime.bigint();
      store.write((tx) => tx.run('INSERT INTO bench_rows (id, body) VALUES (?, ?)', [id, text]));
      times.push(ms(s));
    }
    times.sort((a, b) => a - b);
    await store.close();

    t = process.hrtime.bigint();
    const reopened = await Store.open({ dir, migrations: BENCH_MIGRATIONS });
    const openMs = ms(t);
    const rows = reopened.get<{ n: number }>('SELECT count(*) AS n FROM bench_rows')!.n;
    await reopened.close();

    // The whole-database save at the same size: sql.js export() plus an atomic write of the bytes.
    const SQL = await loadSqlJs();
    const db = new SQL.Database(readFileSync(join(dir, 'store.sqlite')));
    const exportTimes: number[] = [];
    const saveTimes: number[] = [];
    let dbBytes = 0;
    for (let i = 0; i < EXPORT_REPEATS; i++) {
      const s = process.hrtime.bigint();
      const bytes = db.export();
      exportTimes.push(ms(s));
      writeFileAtomic(join(root, 'whole.sqlite'), [bytes]);
      saveTimes.push(ms(s));
      dbBytes = bytes.length;
    }
    db.close();
    exportTimes.sort((a, b) => a - b);
    saveTimes.sort((a, b) => a - b);
    return {
      size,
      rows,
      prefillMs,
      p50: percentile(times, 50),
      p95: percentile(times, 95),
      max: times.at(-1)!,
      exportMs: exportTimes[Math.floor(EXPORT_REPEATS / 2)]!,
      saveMs: saveTimes[Math.floor(EXPORT_REPEATS / 2)]!,
      dbMb: dbBytes / 1024 / 1024,
      snapshotMb: statSync(join(dir, 'store.sqlite')).size / 1024 / 1024,
      openMs,
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** The disk's own floor: appending ~450 bytes to a file and fdatasync-ing it, as a commit does. */
function fsyncFloor(): { p50: number; p95: number } {
  const root = mkdtempSync(join(tmpdir(), 'pt-bench-fsync-'));
  try {
    const fd = openSync(join(root, 'floor'), 'w');
    const record = new Uint8Array(450).fill(7);
    const times: number[] = [];
    for (let i = 0; i < COMMITS; i++) {
      const s = process.hrtime.bigint();
      writeSync(fd, record);
      fdatasyncSync(fd);
      times.push(ms(s));
    }
    closeSync(fd);
    times.sort((a, b) => a - b);
    return { p50: percentile(times, 50), p95: percentile(times, 95) };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  console.log(
    `Store commit cost: ${COMMITS} commits of one ~${ROW_BYTES}-byte row each, into stores pre-filled with ${SIZES.join(', ')} rows.`,
  );
  console.log(
    'Whole-database save = sql.js export() + atomic write of the file (what saving on every commit would cost).\n',
  );
  const floorBefore = fsyncFloor();
  const header = [
    'rows',
    'db MB',
    'commit p50 ms',
    'commit p95 ms',
    'commit max ms',
    'export ms',
    'export+write ms',
    'save/p50',
    'reopen ms',
  ];
  const rows: string[][] = [header];
  const results = [];
  for (const size of SIZES) {
    const r = await measure(size);
    results.push(r);
    rows.push([
      String(r.size),
      r.dbMb.toFixed(1),
      fmt(r.p50),
      fmt(r.p95),
      fmt(r.max),
      fmt(r.exportMs),
      fmt(r.saveMs),
      `${Math.round(r.saveMs / r.p50)}×`,
      fmt(r.openMs),
    ]);
    console.error(`  ${size} rows done (pre-fill ${(r.prefillMs / 1000).toFixed(1)} s, ${r.rows} rows after reopen)`);
  }
  const widths = header.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  console.log(rows.map((r) => r.map((c, i) => c.padStart(widths[i]!)).join('  ')).join('\n'));
  const floorAfter = fsyncFloor();
  console.log(
    `\nDisk floor (append 450 bytes + fdatasync, same disk): p50 ${fmt(floorBefore.p50)} / ${fmt(floorAfter.p50)} ms, p95 ${fmt(floorBefore.p95)} / ${fmt(floorAfter.p95)} ms (before / after).`,
  );
  const first = results[0]!;
  const last = results.at(-1)!;
  console.log(
    `From ${first.size} to ${last.size} rows: commit p50 grew ${(last.p50 / first.p50).toFixed(2)}×, whole-database save grew ${(last.saveMs / first.saveMs).toFixed(1)}×.`,
  );
  console.log(
    `Target p50 ≤ 1 ms at ${last.size} rows: ${last.p50 <= 1 ? 'met' : 'NOT met'} (${fmt(last.p50)} ms). Total ${((Date.now() - started) / 1000).toFixed(0)} s.`,
  );
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
