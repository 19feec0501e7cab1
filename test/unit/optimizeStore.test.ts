// The prompt-optimization rollout store on its SQLite file: the behaviour every backend shares (the suite in
// test/support/rolloutStoreSuite.ts, on the injected clock), and what only the file has: its file names, the
// journal and the .sqlite file after close, a reader beside a writer, another program's file left untouched.
import { strict as assert } from 'node:assert';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ForeignStoreError, StoreMissingError } from '../../src/core/optimize/store/errors';
import { openSqliteRolloutStore } from '../../src/core/optimize/store/sqliteRolloutStore';
import { loadSqlJs } from '../../src/core/store/sqlJs';
import { storeFilesFor } from '../../src/core/store/storeFiles';
import type { RolloutStore } from '../../src/core/optimize/types';
import { CONFIG, newRollouts, RUN, rolloutStoreBehaviour, T0 } from '../support/rolloutStoreSuite';

rolloutStoreBehaviour('optimize rollout store (SQLite file)', {
  slackMs: 0,
  async create(clock) {
    const dir = mkdtempSync(join(tmpdir(), 'pt-optimize-store-'));
    const path = join(dir, 'training', 'store.sqlite');
    return {
      location: path,
      open: (opts = {}) => openSqliteRolloutStore(path, { clock, onNotice: () => {}, ...opts }),
      dispose: async () => rmSync(dir, { recursive: true, force: true }),
    };
  },
});

describe('optimize rollout store: the SQLite file', function () {
  this.timeout(120_000);
  const dirs: string[] = [];
  const stores: RolloutStore[] = [];
  let now = T0;
  const clock = () => now;

  const tempPath = (name = 'store.sqlite') => {
    const d = mkdtempSync(join(tmpdir(), 'pt-optimize-store-'));
    dirs.push(d);
    return join(d, 'training', name);
  };
  const open = async (path: string, opts: Parameters<typeof openSqliteRolloutStore>[1] = {}) => {
    const s = await openSqliteRolloutStore(path, { clock, onNotice: () => {}, ...opts });
    stores.push(s);
    return s;
  };
  /** A store with a run, the initial resources version (resources-1) and a registered worker w1. */
  const seeded = async (path = tempPath()) => {
    const s = await open(path);
    await s.createRun({
      run_id: RUN,
      model_ref: 'openai/sim-1',
      config_path: 'c.json',
      config: CONFIG,
      store_path: path,
    });
    await s.addResources(
      { system_prompt: 'You are a concise assistant.' },
      { run_id: RUN, label: 'initial', parent_version: null, latest: true },
    );
    await s.registerWorker({ worker_id: 'w1', run_id: RUN, pid: process.pid, host: hostname() });
    return { s, path };
  };

  beforeEach(() => {
    now = T0;
  });

  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close().catch(() => {});
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  describe('files', () => {
    it('names the journal and lock after the file stem, never <name>-journal', () => {
      assert.deepEqual(storeFilesFor('/w/.prompt-tuner/training/store.sqlite'), {
        dir: '/w/.prompt-tuner/training',
        files: { snapshot: 'store.sqlite', journal: 'store.journal', lock: 'store.lock' },
      });
      assert.deepEqual(storeFilesFor('/x/runs.db').files, {
        snapshot: 'runs.db',
        journal: 'runs.journal',
        lock: 'runs.lock',
      });
      assert.deepEqual(storeFilesFor('plain').files, {
        snapshot: 'plain',
        journal: 'plain.journal',
        lock: 'plain.lock',
      });
    });

    it('keeps only <stem>.sqlite and <stem>.journal after close, and the .sqlite alone holds everything', async () => {
      const { s, path } = await seeded();
      await s.enqueue(newRollouts(3));
      const claim = await s.dequeue('w1');
      await s.finishAttempt(claim!.attempt.attempt_id, { status: 'succeeded', reward: 1, answer: 'a0' });
      await s.close();
      assert.deepEqual(readdirSync(join(path, '..')).sort(), ['store.journal', 'store.sqlite']);

      // Copy only the .sqlite file elsewhere: the copy has every row.
      const copy = tempPath('copy.sqlite');
      mkdirSync(join(copy, '..'), { recursive: true });
      copyFileSync(path, copy);
      const c = await open(copy);
      assert.deepEqual(await c.counters(), {
        total_rollouts: 3,
        queuing: 2,
        running: 0,
        requeuing: 0,
        succeeded: 1,
        failed: 0,
        cancelled: 0,
      });
      assert.equal((await c.listRuns()).length, 1);
      assert.equal((await c.latestResources())?.resources_id, 'resources-1');
    });

    it('lets two stores with different names share a folder without seeing each other', async () => {
      const a = tempPath('a.sqlite');
      const b = join(a, '..', 'b.sqlite');
      const sa = await open(a);
      const sb = await open(b);
      await sa.addResources(
        { system_prompt: 'A' },
        { run_id: null, label: 'initial', parent_version: null, latest: true },
      );
      assert.equal(await sb.latestResources(), undefined);
      assert.ok(existsSync(join(a, '..', 'a.journal')) && existsSync(join(a, '..', 'b.journal')));
    });

    it('with create: false, says no store is there and creates nothing', async () => {
      const path = tempPath();
      await assert.rejects(
        openSqliteRolloutStore(path, { create: false }),
        (e: unknown) => e instanceof StoreMissingError && e.message === `no prompt-optimization store at '${path}'`,
      );
      assert.equal(existsSync(join(path, '..')), false);
    });

    it('creates the named .sqlite file at once, and with create: false reads rows still only in the journal', async () => {
      const path = tempPath();
      const s = await open(path);
      assert.equal(existsSync(path), true);
      await s.enqueue(newRollouts(2));
      // The writer is still open: its rows are in store.journal, not yet in store.sqlite.
      const reader = await open(path, { create: false });
      assert.equal((await reader.counters()).queuing, 2);
    });

    it("refuses another program's file at the path and leaves it untouched", async () => {
      const SQL = await loadSqlJs();
      const db = new SQL.Database();
      db.run('CREATE TABLE rollouts (rollout_id TEXT PRIMARY KEY, status TEXT)');
      const tau = db.export();
      db.close();
      const wal = Uint8Array.from(tau);
      wal[18] = 2;
      wal[19] = 2;
      const cases: [string, Uint8Array, RegExp][] = [
        ['notes.sqlite', new TextEncoder().encode('{"optimize": []}\n'.repeat(10)), /not an SQLite database/],
        ['wal.sqlite', wal, /WAL mode/],
        ['tau.sqlite', tau, /already has tables/],
      ];
      for (const [name, bytes, why] of cases) {
        const path = tempPath(name);
        mkdirSync(join(path, '..'), { recursive: true });
        writeFileSync(path, bytes);
        await assert.rejects(
          open(path),
          (e: unknown) => e instanceof ForeignStoreError && why.test(e.message) && e.message.includes(`'${path}'`),
          name,
        );
        assert.deepEqual(new Uint8Array(readFileSync(path)), bytes, `${name} changed`);
        assert.deepEqual(readdirSync(join(path, '..')), [name], `${name}: other files left beside it`);
      }
    });

    it('with snapshotOnClose: false, still creates the .sqlite file of a new store', async () => {
      const path = tempPath();
      const s = await open(path, { snapshotOnClose: false });
      assert.equal(existsSync(path), true);
      await s.addResources(
        { system_prompt: 'x' },
        { run_id: null, label: 'initial', parent_version: null, latest: true },
      );
      await s.close();
      assert.equal((await (await open(path)).latestResources())?.resources.system_prompt, 'x');
    });

    it('with snapshotOnClose: false, a reader closing does not rewrite the .sqlite file', async () => {
      const { s, path } = await seeded();
      await s.enqueue(newRollouts(2));
      const before = statSync(path).mtimeMs;
      const reader = await open(path, { create: false, snapshotOnClose: false });
      assert.equal((await reader.counters()).total_rollouts, 2);
      await reader.close();
      assert.equal(statSync(path).mtimeMs, before);
      await s.close();
      const again = await open(path);
      assert.equal((await again.counters()).total_rollouts, 2);
    });
  });
});
