// The prompt-optimization store on PostgreSQL, on a throwaway cluster (test/support/postgres.ts): the behaviour
// every backend shares (test/support/rolloutStoreSuite.ts, the clock moved by clockOffsetMs), and what only a
// shared database has: several processes dequeuing at once never take one rollout (SKIP LOCKED), two processes'
// watchdogs reclaim an attempt once, processes opening a new database at once migrate it once, the URL's
// password is never stored anywhere, and a database that goes away and comes back. Without PostgreSQL the tests
// skip, saying why; under CI they fail.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { ForeignStoreError, StoreMissingError } from '../../src/core/optimize/store/errors';
import { openRolloutStore } from '../../src/core/optimize/store/openRolloutStore';
import { isStoreConnectionError } from '../../src/core/optimize/store/pg/pgErrors';
import { openPgRolloutStore } from '../../src/core/optimize/store/pg/pgRolloutStore';
import { isPostgresUrl, maskUrl } from '../../src/core/optimize/store/pg/pgUrl';
import type { OptimizeEvent, OptimizeRunSnapshot, RolloutStore, WatchdogAction } from '../../src/core/optimize/types';
import { onLines } from '../support/childLines';
import { requirePostgres, type PgServer } from '../support/postgres';
import {
  CONFIG,
  newRollouts,
  RUN,
  rolloutConfig,
  rolloutStoreBehaviour,
  startDequeuer,
} from '../support/rolloutStoreSuite';

const REPO = resolve(__dirname, '../..');
const CHILD = join(__dirname, 'fixtures', 'optimizeStoreChild.ts');

let server: PgServer | undefined;
/** One cluster for the whole file, started by the first suite that needs it. */
async function pg(ctx: Mocha.Context): Promise<PgServer> {
  server ??= await requirePostgres(ctx);
  return server;
}

after(async () => {
  await server?.stop();
});

/** Drops a test's database (its connections first), so a long run does not pile them up. */
async function dropDatabase(url: string): Promise<void> {
  const db = new URL(url).pathname.slice(1);
  await server!.query(
    'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
    [db],
  );
  await server!.query(`DROP DATABASE IF EXISTS ${db}`);
}

rolloutStoreBehaviour('optimize rollout store (PostgreSQL)', {
  // Each time the store writes is its database's now() moved to the suite's clock; round trips add a little.
  slackMs: 250,
  async setup(ctx) {
    await pg(ctx);
  },
  async create(clock) {
    const url = await server!.createDatabase();
    return {
      location: url,
      open: (opts = {}) =>
        openPgRolloutStore(url, { create: opts.create, clockOffsetMs: () => clock() - Date.now(), poolSize: 4 }),
      dispose: () => dropDatabase(url),
    };
  },
});

interface Child {
  lines: string[];
  ready: Promise<void>;
  exited: Promise<number | null>;
  go(): void;
  stderr(): string;
}

function startChild(args: string[]): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], {
    cwd: REPO,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let err = '';
  let markReady: () => void = () => {};
  const ready = new Promise<void>((res) => (markReady = res));
  onLines(child.stdout, (line) => {
    if (line === 'ready') markReady();
    else lines.push(line);
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (c: string) => (err += c));
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  return {
    lines,
    ready: Promise.race([ready, exited.then(() => Promise.reject(new Error(`child exited early: ${err}`)))]),
    exited,
    go: () => child.stdin.end('go\n'),
    stderr: () => err,
  };
}

describe('optimize rollout store: PostgreSQL only', function () {
  this.timeout(180_000);
  const stores: RolloutStore[] = [];
  const urls: string[] = [];

  const fresh = async (auth?: { user: string; password: string }) => {
    const url = await server!.createDatabase(undefined, auth);
    urls.push(url);
    return url;
  };
  const open = async (url: string, opts: Parameters<typeof openPgRolloutStore>[1] = {}) => {
    const s = await openPgRolloutStore(url, { poolSize: 4, ...opts });
    stores.push(s);
    return s;
  };
  const seeded = async (url: string) => {
    const s = await open(url);
    await s.createRun({
      run_id: RUN,
      model_ref: 'openai/sim-1',
      config_path: 'c.json',
      config: CONFIG,
      store_path: s.location,
    });
    await s.addResources(
      { system_prompt: 'You are a concise assistant.' },
      { run_id: RUN, label: 'initial', parent_version: null, latest: true },
    );
    return s;
  };

  before(async function () {
    await pg(this);
  });

  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close().catch(() => {});
    for (const u of urls.splice(0)) await dropDatabase(u).catch(() => {});
  });

  it('tells URLs from paths and masks the password wherever the URL is shown', () => {
    assert.equal(isPostgresUrl('postgres://u@h/db'), true);
    assert.equal(isPostgresUrl('PostgreSQL://u@h/db'), true);
    assert.equal(isPostgresUrl('.prompt-tuner/training/store.sqlite'), false);
    assert.equal(isPostgresUrl('/tmp/postgres/store.sqlite'), false);
    assert.equal(maskUrl('postgres://tuner:s3cr%40t@db.example:5432/opt'), 'postgres://tuner:***@db.example:5432/opt');
    assert.equal(maskUrl('postgresql://tuner@db.example/opt'), 'postgresql://tuner@db.example/opt');
    assert.equal(
      maskUrl('postgres://db.example/opt?sslmode=require&password=pw'),
      'postgres://db.example/opt?sslmode=require&password=***',
    );
  });

  it('never lets two of four processes dequeuing at once take one rollout (SKIP LOCKED), and each finishes its own', async () => {
    const url = await fresh();
    const s = await seeded(url);
    const n = 200;
    await s.enqueue(newRollouts(n));
    const kids = ['p1', 'p2', 'p3', 'p4'].map((w) => startDequeuer(url, w));
    await Promise.all(kids.map((k) => k.ready));
    for (const k of kids) k.child.stdin!.end('go\n');
    for (const k of kids) assert.equal(await k.exited, 0, k.stderr());
    const all = kids.flatMap((k) => k.claims);
    assert.ok(
      kids.filter((k) => k.claims.length > 0).length >= 2,
      `only one process claimed anything: ${kids.map((k) => k.claims.length).join(', ')}`,
    );
    assert.equal(all.length, n);
    assert.equal(new Set(all).size, n);
    const rollouts = await s.rollouts({ run_id: RUN });
    assert.ok(rollouts.every((r) => r.status === 'succeeded' && r.attempt_count === 1));
    for (const r of rollouts) {
      const who = kids.find((k) => k.claims.includes(r.rollout_id));
      assert.equal(r.answer, who ? ['p1', 'p2', 'p3', 'p4'][kids.indexOf(who)] : undefined, r.rollout_id);
    }
    assert.equal((await s.attempts({ run_id: RUN })).length, n);
    assert.equal(await s.dequeue('w-late'), undefined);
    assert.ok((await s.workers()).every((w) => w.stopped_at !== null && w.active_attempt_id === null));
  });

  it("reclaims a silent attempt exactly once when two processes' watchdogs sweep at once", async () => {
    const url = await fresh();
    const s = await seeded(url);
    const n = 60;
    await s.registerWorker({ worker_id: 'w1', run_id: RUN, pid: process.pid, host: hostname() });
    await s.enqueue(newRollouts(n, { config: rolloutConfig({ max_attempts: 2, unresponsive_seconds: 3 }) }));
    for (let i = 0; i < n; i++) assert.ok(await s.dequeue('w1'));
    // Both sweepers see every attempt a minute old.
    const kids = [startChild(['sweep', url, '60000']), startChild(['sweep', url, '60000'])];
    await Promise.all(kids.map((k) => k.ready));
    for (const k of kids) k.go();
    for (const k of kids) assert.equal(await k.exited, 0, k.stderr());
    const actions = kids.flatMap((k) => (JSON.parse(k.lines[0]!) as { actions: WatchdogAction[] }).actions);
    assert.equal(actions.length, n, `actions: ${kids.map((k) => k.lines[0]).join(' | ')}`);
    assert.equal(new Set(actions.map((a) => a.attempt_id)).size, n);
    assert.ok(actions.every((a) => a.attempt_status === 'unresponsive' && a.rollout_status === 'requeuing'));
    assert.deepEqual((await s.counters(RUN)).requeuing, n);
    // Requeued once each: the queue holds each rollout once, and the next claims are second attempts.
    const again: string[] = [];
    for (;;) {
      const c = await s.dequeue('w1');
      if (!c) break;
      again.push(c.attempt.attempt_id);
    }
    assert.equal(again.length, n);
    assert.ok(again.every((id) => id.endsWith(':attempt-2')));
  });

  it('migrates a new database once when four processes open it at once', async () => {
    const url = await fresh();
    const kids = [1, 2, 3, 4].map(() => startChild(['open', url]));
    await Promise.all(kids.map((k) => k.ready));
    for (const k of kids) k.go();
    for (const k of kids) assert.equal(await k.exited, 0, k.stderr());
    const db = new URL(url).pathname.slice(1);
    const applied = await server!.query<{ version: number }>('SELECT version FROM schema_migrations', [], db);
    assert.deepEqual(
      applied.map((r) => r.version),
      [1],
    );
    const s = await open(url, { create: false });
    assert.deepEqual((await s.counters()).total_rollouts, 0);
  });

  it('says no store is there with create: false, and refuses a database that has tables of another program', async () => {
    const url = await fresh();
    const db = new URL(url).pathname.slice(1);
    await assert.rejects(
      openPgRolloutStore(url, { create: false }),
      (e: unknown) => e instanceof StoreMissingError && e.message.includes(maskUrl(url)),
    );
    assert.deepEqual(
      await server!.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public'", [], db),
      [],
      'create: false created tables',
    );
    await server!.query('CREATE TABLE rollouts (rollout_id TEXT PRIMARY KEY, status TEXT)', [], db);
    await assert.rejects(
      openPgRolloutStore(url),
      (e: unknown) => e instanceof ForeignStoreError && /already has a table 'rollouts'/.test(e.message),
    );
    assert.deepEqual(
      (
        await server!.query<{ tablename: string }>(
          "SELECT tablename FROM pg_tables WHERE schemaname = 'public'",
          [],
          db,
        )
      ).map((r) => r.tablename),
      ['rollouts'],
      'the foreign database was changed',
    );
  });

  it('creates a missing database when asked to create the store', async () => {
    const name = `t_missing_${process.pid}`;
    const url = `${server!.url.replace(/\/postgres$/, '')}/${name}`;
    urls.push(url);
    await assert.rejects(openPgRolloutStore(url, { create: false }), StoreMissingError);
    const s = await open(url);
    assert.equal((await s.counters()).total_rollouts, 0);
  });

  it("never writes the URL's password into any table, and shows the URL masked", async () => {
    const password = `pw-${process.pid}-Zq9'x`;
    await server!.createRole('tuner', password).catch(() => {});
    const url = await fresh({ user: 'tuner', password });
    const s = await open(url);
    assert.equal(s.location, `postgres://tuner:***@127.0.0.1:${server!.port}/${new URL(url).pathname.slice(1)}`);
    await s.createRun({
      run_id: RUN,
      model_ref: 'openai/sim-1',
      config_path: 'c.json',
      config: CONFIG,
      store_path: s.location,
    });
    await s.addResources({ system_prompt: 'p' }, { run_id: RUN, label: 'initial', parent_version: null, latest: true });
    await s.registerWorker({ worker_id: 'w1', run_id: RUN, pid: process.pid, host: hostname() });
    await s.enqueue(newRollouts(2));
    const c = (await s.dequeue('w1'))!;
    await s.finishAttempt(c.attempt.attempt_id, { status: 'succeeded', reward: 1, answer: 'a' });
    const event: OptimizeEvent = { runId: RUN, at: new Date().toISOString(), type: 'round_start', round: 1 };
    s.persistJob(RUN, {
      snapshot: { runId: RUN, store_path: s.location } as unknown as OptimizeRunSnapshot,
      events: [{ seq: 1, event }],
    });
    await s.readJob(RUN);
    const db = new URL(url).pathname.slice(1);
    const tables = (
      await server!.query<{ tablename: string }>("SELECT tablename FROM pg_tables WHERE schemaname = 'public'", [], db)
    ).map((r) => r.tablename);
    assert.ok(tables.length >= 9, tables.join(', '));
    for (const t of tables) {
      const dump = (await server!.query<{ row: string }>(`SELECT t::text AS row FROM ${t} t`, [], db))
        .map((r) => r.row)
        .join('\n');
      assert.ok(
        !dump.includes(password) && !dump.includes(encodeURIComponent(password)),
        `the password is in table ${t}`,
      );
    }
    // A wrong password fails naming the masked URL, never the password tried.
    const wrong = url.replace(encodeURIComponent(password), 'not-the-password');
    await assert.rejects(
      openPgRolloutStore(wrong),
      (e: unknown) => e instanceof Error && e.message.includes('tuner:***@') && !e.message.includes('not-the-password'),
    );
    // PGPASSWORD works for a URL without one.
    const saved = process.env.PGPASSWORD;
    process.env.PGPASSWORD = password;
    try {
      const bare = url.replace(`:${encodeURIComponent(password)}@`, '@');
      const viaEnv = await open(bare);
      assert.equal(viaEnv.location, bare);
      assert.equal((await viaEnv.counters()).succeeded, 1);
    } finally {
      if (saved === undefined) delete process.env.PGPASSWORD;
      else process.env.PGPASSWORD = saved;
    }
  });

  it('numbers runs and resources versions without gaps or repeats when two handles add them at once', async () => {
    const url = await fresh();
    const [a, b] = [await open(url), await open(url)];
    const runs = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        (i % 2 ? a : b).createRun({
          run_id: `r-${i}`,
          model_ref: 'm',
          config_path: 'c.json',
          config: CONFIG,
          store_path: a.location,
        }),
      ),
    );
    assert.deepEqual(
      runs.map((r) => r.run_number).sort((x, y) => x - y),
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    );
    const versions = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        (i % 2 ? a : b).addResources(
          { system_prompt: `p${i}` },
          { run_id: null, label: `v${i}`, parent_version: null, latest: true },
        ),
      ),
    );
    assert.deepEqual(
      versions.map((v) => v.version).sort((x, y) => x - y),
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    );
    assert.equal((await a.listResources()).filter((r) => r.is_latest).length, 1);
  });

  it("queues persistJob's writes in order, and a failed one is thrown by the next call", async () => {
    const url = await fresh();
    const s = await seeded(url);
    const snap = (detail: string) => ({ runId: RUN, detail }) as unknown as OptimizeRunSnapshot;
    for (let i = 1; i <= 20; i++) {
      s.persistJob(RUN, {
        snapshot: snap(`write ${i}`),
        events: [{ seq: i, event: { runId: RUN, at: new Date().toISOString(), type: 'round_start', round: i } }],
      });
    }
    const job = await s.readJob(RUN);
    assert.equal(job.snapshot?.detail, 'write 20');
    assert.equal(job.lastSeq, 20);
    assert.deepEqual(
      job.events.map((e) => (e.type === 'round_start' ? e.round : 0)),
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    s.persistJob('no-such-run', { snapshot: snap('x'), events: [] });
    await assert.rejects(s.readJob(RUN), /no run 'no-such-run'/);
    s.persistJob('no-such-run', { snapshot: snap('y'), events: [] });
    await assert.rejects(s.close(), /no run 'no-such-run'/);
  });

  it('opens through openRolloutStore for a URL, and reads another handle’s writes at once (refresh is a no-op)', async () => {
    const url = await fresh();
    const a = await openRolloutStore(url);
    stores.push(a);
    const b = await openRolloutStore(url, { create: false });
    stores.push(b);
    await a.addResources(
      { system_prompt: 'x' },
      { run_id: null, label: 'initial', parent_version: null, latest: true },
    );
    assert.equal((await b.latestResources())?.resources.system_prompt, 'x');
    const dbNow = await a.now();
    assert.ok(Math.abs(dbNow - Date.now()) < 5000, `now() ${dbNow} is the database's clock`);
  });

  it('fails a call with a connection error naming the masked URL while the database is down, and works again once it is back', async () => {
    const url = await fresh();
    const s = await seeded(url);
    await s.enqueue(newRollouts(3));
    const restart = server!.restart({ mode: 'fast', downMs: 2000 });
    let seen: unknown;
    for (let i = 0; i < 100 && seen === undefined; i++) {
      try {
        await s.counters();
        await new Promise((r) => setTimeout(r, 50));
      } catch (e) {
        seen = e;
      }
    }
    assert.ok(isStoreConnectionError(seen), `not a connection error: ${String(seen)}`);
    assert.ok((seen as Error).message.includes(s.location), (seen as Error).message);
    await restart;
    // The pool dropped its dead connections: the same handle works again.
    assert.equal((await s.counters()).queuing, 3);
    const c = await s.dequeue('w1');
    assert.equal(c?.rollout.rollout_id, 'train-1-1');
    // A job write made while the database was away is retried, not lost.
    const again = server!.restart({ mode: 'fast', downMs: 1000 });
    await new Promise((r) => setTimeout(r, 200));
    s.persistJob(RUN, {
      snapshot: { runId: RUN, detail: 'during restart' } as unknown as OptimizeRunSnapshot,
      events: [],
    });
    await again;
    assert.equal((await s.readJob(RUN)).snapshot?.detail, 'during restart');
  });
});
