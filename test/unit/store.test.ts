import { strict as assert } from 'node:assert';
import {
  appendFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Migration } from '../../src/core/store/migrations';
import { Store, StoreVersionError, type StoreOptions } from '../../src/core/store/store';
import { ITEM_MIGRATIONS } from './fixtures/storeWriter';
import { openWorkspaceStore } from '../../src/core/workspaceStore';
import { storeCommitCount } from '../../src/core/store/groupCommit';

type Item = { id: string; who: string; body: string };

const dirs: string[] = [];
const opened: Store[] = [];

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'pt-store-'));
  dirs.push(d);
  return join(d, '.prompt-tuner');
}

async function open(dir: string, extra: Partial<StoreOptions> = {}): Promise<Store> {
  const s = await Store.open({ dir, migrations: ITEM_MIGRATIONS, onNotice: () => {}, ...extra });
  opened.push(s);
  return s;
}

function insert(s: Store, id: string, who = 'test'): void {
  s.write((tx) => tx.run('INSERT INTO items (id, who, body) VALUES (?, ?, ?)', [id, who, `body of ${id}`]));
}

function ids(s: Store): string[] {
  return s.all<{ id: string }>('SELECT id FROM items ORDER BY id').map((r) => r.id);
}

function files(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const name of readdirSync(dir)) out.set(name, readFileSync(join(dir, name)).toString('base64'));
  return out;
}

afterEach(async () => {
  for (const s of opened.splice(0)) await s.close().catch(() => {});
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('store: open, write, read', () => {
  it('commits a transaction, returns its value, and reads it back after reopening', async () => {
    const dir = tempDir();
    const s = await open(dir);
    const result = s.write((tx) => {
      const r = tx.run('INSERT INTO items (id, who, body) VALUES (?, ?, ?)', ['a', 'me', 'hello']);
      return {
        changes: r.changes,
        rowid: r.lastInsertRowid,
        seen: tx.get<Item>('SELECT * FROM items WHERE id = ?', ['a'])?.body,
      };
    });
    assert.deepEqual(result, { changes: 1, rowid: 1, seen: 'hello' });
    assert.deepEqual(s.get<Item>('SELECT * FROM items WHERE id = ?', ['a']), { id: 'a', who: 'me', body: 'hello' });
    await s.close();
    const again = await open(dir);
    assert.deepEqual(ids(again), ['a']);
  });

  it('rolls back everything a throwing transaction did, and journals nothing for it', async () => {
    const dir = tempDir();
    const s = await open(dir);
    insert(s, 'kept');
    const journalBefore = readFileSync(join(dir, 'store.journal'));
    assert.throws(
      () =>
        s.write((tx) => {
          tx.run('INSERT INTO items (id, who, body) VALUES (?, ?, ?)', ['lost', 'me', 'x']);
          throw new Error('changed my mind');
        }),
      /changed my mind/,
    );
    assert.deepEqual(ids(s), ['kept']);
    assert.deepEqual(readFileSync(join(dir, 'store.journal')), journalBefore);
    const again = await open(dir);
    assert.deepEqual(ids(again), ['kept']);
  });

  it('keeps a statement the callback caught out of the journal, so replay matches what was committed', async () => {
    const dir = tempDir();
    const s = await open(dir);
    insert(s, 'a');
    s.write((tx) => {
      assert.throws(() => tx.run('INSERT INTO items (id, who, body) VALUES (?, ?, ?)', ['a', 'dup', 'x']), /UNIQUE/);
      tx.run('INSERT INTO items (id, who, body) VALUES (?, ?, ?)', ['b', 'me', 'x']);
    });
    const again = await open(dir);
    assert.deepEqual(ids(again), ['a', 'b']);
  });

  it('stores blobs, nulls and numbers exactly through the journal', async () => {
    const dir = tempDir();
    const mig: Migration[] = [
      {
        version: 1,
        name: 'vals',
        up: (tx) => tx.run('CREATE TABLE vals (k INTEGER PRIMARY KEY, b BLOB, n REAL, t TEXT)'),
      },
    ];
    const s = await open(dir, { migrations: mig });
    s.write((tx) =>
      tx.run('INSERT INTO vals (k, b, n, t) VALUES (?, ?, ?, ?)', [1, new Uint8Array([0, 255, 7]), 0.1 + 0.2, null]),
    );
    const again = await open(dir, { migrations: mig });
    const row = again.get<{ b: Uint8Array; n: number; t: null }>('SELECT b, n, t FROM vals');
    assert.deepEqual([...row!.b], [0, 255, 7]);
    assert.equal(row!.n, 0.1 + 0.2);
    assert.equal(row!.t, null);
  });

  it('refuses nested and asynchronous write callbacks without writing', async () => {
    const s = await open(tempDir());
    assert.throws(() => s.write(() => s.write(() => 1)), /nested/);
    assert.throws(
      () =>
        s.write((tx) => {
          tx.run('INSERT INTO items (id, who, body) VALUES (?, ?, ?)', ['p', 'me', 'x']);
          return Promise.resolve(1);
        }),
      /synchronous/,
    );
    assert.deepEqual(ids(s), []);
  });

  it('tells listeners after its own commits', async () => {
    const s = await open(tempDir());
    let calls = 0;
    const off = s.onDidChange(() => calls++);
    insert(s, 'a');
    await new Promise((r) => setImmediate(r));
    assert.equal(calls, 1);
    off();
    insert(s, 'b');
    await new Promise((r) => setImmediate(r));
    assert.equal(calls, 1);
  });
});

describe('store: migrations', () => {
  function counted(): { list: Migration[]; runs: number[] } {
    const runs: number[] = [];
    const list: Migration[] = [
      { version: 1, name: 'one', up: (tx) => (runs.push(1), tx.run('CREATE TABLE one (x INTEGER)')) },
      { version: 2, name: 'two', up: (tx) => (runs.push(2), tx.run('CREATE TABLE two (x INTEGER)')) },
    ];
    return { list, runs };
  }

  it('applies every migration in order on a fresh store and records them', async () => {
    const { list, runs } = counted();
    const s = await open(tempDir(), { migrations: [list[1]!, list[0]!] });
    assert.deepEqual(runs, [1, 2]);
    assert.deepEqual(
      s.all<{ version: number; name: string }>('SELECT version, name FROM schema_migrations ORDER BY version'),
      [
        { version: 1, name: 'one' },
        { version: 2, name: 'two' },
      ],
    );
  });

  it('does not run applied migrations again, and applies only new ones', async () => {
    const dir = tempDir();
    const { list, runs } = counted();
    await (await open(dir, { migrations: list })).close();
    await (await open(dir, { migrations: list })).close();
    assert.deepEqual(runs, [1, 2]);
    let third = 0;
    const s = await open(dir, {
      migrations: [...list, { version: 3, name: 'three', up: (tx) => (third++, tx.run('CREATE TABLE three (x)')) }],
    });
    assert.deepEqual(runs, [1, 2]);
    assert.equal(third, 1);
    assert.equal(s.all('SELECT version FROM schema_migrations').length, 3);
  });

  it("makes a new store's whole schema in one commit (one journal record, one fdatasync)", async () => {
    const dir = tempDir();
    const second: Migration = { version: 2, name: 'second', up: (tx) => tx.run('CREATE TABLE second (x)') };
    const third: Migration = { version: 3, name: 'third', up: (tx) => tx.run('CREATE TABLE third (y)') };
    const before = storeCommitCount();
    const s = await open(dir, { migrations: [ITEM_MIGRATIONS[0]!, second, third] });
    assert.equal(storeCommitCount() - before, 1);
    assert.deepEqual(
      s.all<{ name: string }>('SELECT name FROM schema_migrations ORDER BY version').map((r) => r.name),
      ['items', 'second', 'third'],
    );
  });

  it('leaves a failing migration unapplied so a fixed one can run later', async () => {
    const dir = tempDir();
    const bad: Migration = {
      version: 2,
      name: 'bad',
      up: (tx) => (tx.run('CREATE TABLE half (x)'), tx.run('NOT SQL AT ALL')),
    };
    await assert.rejects(open(dir, { migrations: [ITEM_MIGRATIONS[0]!, bad] }), /syntax error/);
    const fixed: Migration = { version: 2, name: 'fixed', up: (tx) => tx.run('CREATE TABLE half (x)') };
    const s = await open(dir, { migrations: [ITEM_MIGRATIONS[0]!, fixed] });
    assert.deepEqual(
      s.all<{ name: string }>('SELECT name FROM schema_migrations ORDER BY version').map((r) => r.name),
      ['items', 'fixed'],
    );
  });

  it('refuses a store written by a newer version, with a clear error, writing nothing', async () => {
    const dir = tempDir();
    const s = await open(dir);
    insert(s, 'a');
    s.write((tx) =>
      tx.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [
        7,
        'from the future',
        new Date().toISOString(),
      ]),
    );
    await s.close();
    const before = files(dir);
    await assert.rejects(open(dir), (e: unknown) => {
      assert.ok(e instanceof StoreVersionError);
      assert.match(e.message, /schema version 7/);
      assert.match(e.message, /up to 1/);
      assert.match(e.message, /Nothing was changed/);
      return true;
    });
    assert.deepEqual(files(dir), before);
  });

  it('applies the product migrations (library tables) by default', async () => {
    const s = await openWorkspaceStore({ dir: tempDir(), onNotice: () => {} });
    opened.push(s);
    const tables = s.all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'").map((r) => r.name);
    for (const t of ['schema_migrations', 'prompts', 'prompt_versions', 'active_context'])
      assert.ok(tables.includes(t), `missing table ${t}`);
    assert.ok(s.get('SELECT 1 AS one FROM schema_migrations WHERE version = 1'));
  });
});

describe('store: journal and snapshots', () => {
  it('replays the journal when reopened after a process ended without close()', async () => {
    const dir = tempDir();
    const s = await open(dir);
    for (const id of ['a', 'b', 'c']) insert(s, id);
    // No close: the only copy of these rows is the journal.
    assert.equal(existsSync(join(dir, 'store.sqlite')), false);
    const other = await open(dir);
    assert.deepEqual(ids(other), ['a', 'b', 'c']);
  });

  it('ignores a torn last journal record and appends cleanly after it', async () => {
    const dir = tempDir();
    const s = await open(dir);
    for (const id of ['a', 'b', 'c']) insert(s, id);
    // A crash in the middle of an append: a frame that promises 1000 bytes, followed by 20.
    const tail = new Uint8Array(8 + 20).fill(7);
    new DataView(tail.buffer).setUint32(0, 1000);
    new DataView(tail.buffer).setUint32(4, 0);
    appendFileSync(join(dir, 'store.journal'), tail);
    const notices: string[] = [];
    const s2 = await open(dir, { onNotice: (m) => notices.push(m) });
    assert.deepEqual(ids(s2), ['a', 'b', 'c']);
    assert.equal(notices.length, 1);
    assert.match(notices[0]!, /incomplete last journal record/);
    insert(s2, 'd');
    const later: string[] = [];
    const s3 = await open(dir, { onNotice: (m) => later.push(m) });
    assert.deepEqual(ids(s3), ['a', 'b', 'c', 'd']);
    assert.deepEqual(later, []);
  });

  it('copies a journal with a damaged record aside before cutting it, and says where', async () => {
    const dir = tempDir();
    const s = await open(dir);
    insert(s, 'a');
    insert(s, 'b');
    const path = join(dir, 'store.journal');
    const lastRecord = readFileSync(path).lastIndexOf('INSERT');
    const damaged = new Uint8Array(readFileSync(path));
    damaged[lastRecord - 20] = damaged[lastRecord - 20]! ^ 0xff; // inside the next-to-last record
    damaged[lastRecord + 2] = damaged[lastRecord + 2]! ^ 0xff; // and the last: damage, not a torn tail
    writeFileSync(path, damaged);
    const notices: string[] = [];
    const s2 = await open(dir, { onNotice: (m) => notices.push(m) });
    assert.equal(notices.length, 1);
    const aside = /→ (\S+)$/.exec(notices[0]!)?.[1];
    assert.ok(aside && aside.startsWith(`${path}.corrupt-`), notices[0]);
    assert.ok(notices[0]!.includes(path));
    assert.deepEqual(new Uint8Array(readFileSync(aside)), damaged);
    insert(s2, 'c');
    assert.ok(ids(s2).includes('c'));
  });

  it('writes a snapshot when the journal passes its limit, and keeps every row', async () => {
    const dir = tempDir();
    const s = await open(dir, { journalLimitBytes: 4096 });
    for (let i = 0; i < 200; i++) insert(s, `r${String(i).padStart(3, '0')}`);
    assert.ok(existsSync(join(dir, 'store.sqlite')));
    assert.ok(statSync(join(dir, 'store.journal')).size <= 4096 + 200, 'journal was restarted after the snapshot');
    assert.equal(ids(s).length, 200);
    const again = await open(dir);
    assert.equal(ids(again).length, 200);
    assert.equal(ids(again)[199], 'r199');
  });

  it('moves a corrupt database file aside, names both paths, keeps its bytes, and starts fresh', async () => {
    const dir = tempDir();
    const s = await open(dir, { closeSnapshotBytes: 0 });
    insert(s, 'a');
    await s.close();
    const path = join(dir, 'store.sqlite');
    assert.ok(existsSync(path));
    const garbage = 'this is not a database, just some bytes '.repeat(100);
    writeFileSync(path, garbage);
    const notices: string[] = [];
    const fresh = await open(dir, { onNotice: (m) => notices.push(m) });
    const notice = notices.find((n) => n.includes('corrupt database file'));
    assert.ok(notice, notices.join('\n'));
    const aside = new RegExp(`${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} → (\\S+);`).exec(notice)?.[1];
    assert.ok(aside && aside.startsWith(`${path}.corrupt-`), notice);
    assert.equal(readFileSync(aside, 'utf8'), garbage);
    assert.deepEqual(ids(fresh), []);
    insert(fresh, 'new');
    const again = await open(dir);
    assert.deepEqual(ids(again), ['new']);
  });

  it('moves a database file with a valid header but damaged pages aside', async () => {
    const dir = tempDir();
    const s = await open(dir, { closeSnapshotBytes: 0 });
    for (let i = 0; i < 50; i++) insert(s, `r${i}`);
    await s.close();
    const path = join(dir, 'store.sqlite');
    const bytes = new Uint8Array(readFileSync(path));
    bytes.fill(0xab, 100);
    writeFileSync(path, bytes);
    const notices: string[] = [];
    const fresh = await open(dir, { onNotice: (m) => notices.push(m) });
    assert.ok(
      notices.some((n) => n.includes('corrupt database file') && n.includes(`${path}.corrupt-`)),
      notices.join('\n'),
    );
    assert.deepEqual(ids(fresh), []);
  });

  it('moves a journal with an unreadable header aside and keeps the snapshot data', async () => {
    const dir = tempDir();
    const s = await open(dir, { closeSnapshotBytes: 0 });
    insert(s, 'a');
    await s.close();
    const path = join(dir, 'store.journal');
    writeFileSync(path, 'garbage header and more');
    const notices: string[] = [];
    const again = await open(dir, { onNotice: (m) => notices.push(m) });
    assert.ok(
      notices.some((n) => n.includes(path) && n.includes(`${path}.corrupt-`)),
      notices.join('\n'),
    );
    assert.deepEqual(ids(again), ['a']);
  });
});

describe('store: lock', () => {
  it('breaks a lock left by a process that died', async () => {
    const { spawnSync } = await import('node:child_process');
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const deadPid = Number(dead.stdout);
    const dir = tempDir();
    const s = await open(dir);
    const { hostname } = await import('node:os');
    writeFileSync(
      join(dir, 'store.lock'),
      JSON.stringify({ pid: deadPid, host: hostname(), time: Date.now(), token: 'gone' }),
    );
    insert(s, 'a');
    assert.deepEqual(ids(s), ['a']);
    assert.equal(existsSync(join(dir, 'store.lock')), false);
  });

  it('waits for a live lock and then fails with a message naming the owner and the lock file', async () => {
    const dir = tempDir();
    const s = await open(dir, { lockTimeoutMs: 150 });
    const { hostname } = await import('node:os');
    const lock = join(dir, 'store.lock');
    writeFileSync(lock, JSON.stringify({ pid: process.ppid, host: hostname(), time: Date.now(), token: 'busy' }));
    assert.throws(
      () => insert(s, 'a'),
      (e: Error) => e.message.includes(`process ${process.ppid}`) && e.message.includes(lock),
    );
    rmSync(lock);
    insert(s, 'a');
    assert.deepEqual(ids(s), ['a']);
  });
});
