// The store across processes: kill -9 in a write loop, two writers at once, and a reader that sees
// another process's writes without reopening. Children run test/unit/fixtures/storeWriter.ts.
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Store } from '../../src/core/store/store';
import { ITEM_MIGRATIONS } from './fixtures/storeWriter';
import { onLines } from '../support/childLines';

const REPO = resolve(__dirname, '../..');
const FIXTURE = join(__dirname, 'fixtures', 'storeWriter.ts');

interface Writer {
  child: ChildProcess;
  /** Ids the child reported after write() returned. */
  acks: string[];
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves once `n` acks have arrived (or rejects if the child exits first). */
  acked(n: number): Promise<void>;
}

function startWriter(dir: string, prefix: string, count: number, journalLimit?: number): Writer {
  const args = ['--import', 'tsx', FIXTURE, dir, prefix, String(count)];
  if (journalLimit !== undefined) args.push(String(journalLimit));
  const child = spawn(process.execPath, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  const acks: string[] = [];
  let err = '';
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  onLines(
    child.stdout,
    (line) => {
      if (line.startsWith('ack ')) acks.push(line.slice(4));
    },
    () => {
      for (const w of waiters.filter((x) => acks.length >= x.n)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    },
  );
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (c: string) => (err += c));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) =>
    child.on('exit', (code, signal) => res({ code, signal })),
  );
  return {
    child,
    acks,
    stderr: () => err,
    exited,
    acked: (n) =>
      acks.length >= n
        ? Promise.resolve()
        : Promise.race([
            new Promise<void>((res) => waiters.push({ n, resolve: res })),
            exited.then(({ code }) => {
              if (acks.length < n) throw new Error(`writer exited with ${code} after ${acks.length} acks: ${err}`);
            }),
          ]),
  };
}

async function finished(w: Writer): Promise<void> {
  const { code } = await w.exited;
  assert.equal(code, 0, `writer failed: ${w.stderr()}`);
}

describe('store across processes', function () {
  this.timeout(180_000);
  const dirs: string[] = [];
  const stores: Store[] = [];
  const tempDir = () => {
    const d = mkdtempSync(join(tmpdir(), 'pt-store-proc-'));
    dirs.push(d);
    return join(d, '.prompt-tuner');
  };
  const open = async (dir: string) => {
    const s = await Store.open({ dir, migrations: ITEM_MIGRATIONS, onNotice: () => {} });
    stores.push(s);
    return s;
  };
  const idSet = (s: Store) => new Set(s.all<{ id: string }>('SELECT id FROM items').map((r) => r.id));

  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close().catch(() => {});
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('keeps every acknowledged write when the writer is killed with SIGKILL at a random moment', async () => {
    const dir = tempDir();
    let acknowledged: string[] = [];
    for (let round = 0; round < 3; round++) {
      // A small journal limit makes snapshots happen inside the loop, so a kill can land in one.
      const w = startWriter(dir, `k${round}`, 0, 8 * 1024);
      await w.acked(20 + Math.floor(Math.random() * 60));
      await new Promise((r) => setTimeout(r, Math.random() * 40));
      w.child.kill('SIGKILL');
      const { signal } = await w.exited;
      assert.equal(signal, 'SIGKILL');
      acknowledged = acknowledged.concat(w.acks);
      const s = await open(dir);
      const present = idSet(s);
      const missing = acknowledged.filter((id) => !present.has(id));
      assert.deepEqual(missing, [], `round ${round}: acknowledged writes missing after kill -9`);
      await s.close();
    }
  });

  it('loses no write when two processes write at the same time', async () => {
    const dir = tempDir();
    await (await open(dir)).close(); // create the schema once, so both children start on the same store
    const n = 150;
    const a = startWriter(dir, 'a', n, 16 * 1024);
    const b = startWriter(dir, 'b', n, 16 * 1024);
    await Promise.all([finished(a), finished(b)]);
    const s = await open(dir);
    const present = idSet(s);
    assert.equal(present.size, 2 * n);
    for (let i = 0; i < n; i++) assert.ok(present.has(`a-${i}`) && present.has(`b-${i}`), `row ${i} missing`);
  });

  it("lets an open store see another process's writes without reopening", async () => {
    const dir = tempDir();
    const reader = await open(dir);
    assert.equal(idSet(reader).size, 0);

    // A read catches up by itself.
    await finished(startWriter(dir, 'one', 5));
    assert.equal(idSet(reader).size, 5);

    // refresh() replays and says so; a second call has nothing new.
    await finished(startWriter(dir, 'two', 3));
    assert.equal(reader.refresh(), true);
    assert.equal(reader.refresh(), false);
    assert.equal(idSet(reader).size, 8);

    // watch(): listeners hear about it without any read or refresh from us.
    let changes = 0;
    reader.onDidChange(() => changes++);
    const stop = reader.watch();
    try {
      await finished(startWriter(dir, 'three', 2));
      const deadline = Date.now() + 10_000;
      while (changes === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.ok(changes > 0, 'onDidChange did not fire after another process wrote');
    } finally {
      stop();
    }
    assert.equal(idSet(reader).size, 10);

    // And our own write after theirs lands on top of theirs, not over it.
    reader.write((tx) => tx.run('INSERT INTO items (id, who, body) VALUES (?, ?, ?)', ['mine', 'reader', 'x']));
    const check = await open(dir);
    assert.equal(idSet(check).size, 11);
  });
});
