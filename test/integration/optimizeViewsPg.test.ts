// Every view of a prompt-optimization store on a real PostgreSQL (a throwaway cluster, test/support/postgres.ts):
// `optimize status` (text and --json), the dashboard's endpoints (in process and `optimize dashboard`), and the
// editor's panel opening a store by URL. The store's URL carries a password (a role that must give one): every
// output names it masked, and the password is in no table, no status.json, no log and no panel message. A URL
// without a password works from PGPASSWORD, as a user on another machine would run it.
import { fake } from '../unit/extensionFakeVscode';
import { panels } from '../unit/extensionOptimizeFakes';
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createCliGateway } from '../../src/core/models/cliGateway';
import { parseOptimizeConfig } from '../../src/core/optimize/config';
import { startDashboard, type DashboardHandle } from '../../src/core/optimize/dashboard/server';
import { statusPathFor } from '../../src/core/optimize/statusFile';
import { openRolloutStore } from '../../src/core/optimize/store/openRolloutStore';
import { maskUrl } from '../../src/core/optimize/store/pg/pgUrl';
import { startOptimization } from '../../src/core/optimize/trainer';
import type { OptimizeOverview, StatusFile } from '../../src/core/optimize/types';
import { COMMAND_PREFIX } from '../../src/extension/commandTypes';
import { optimizeFeature } from '../../src/extension/optimize/optimizeFeature';
import { OptimizePanel } from '../../src/extension/optimize/optimizePanel';
import { runCommand } from '../../src/extension/runCommand';
import type { HostMessage, OptimizeView } from '../../src/protocol/optimizePanel';
import { startSimulator, type Simulator } from '../sim/server';
import { CLI_MAIN, ROOT, runCliInProcess, simEnv, type CliRun } from '../support/cliHarness';
import { fakeExtensionHost } from '../support/fakeExtensionHost';
import { requirePostgres, type PgServer } from '../support/postgres';

const USER = 'tuner';
/** Distinctive, so a leak anywhere is found by a plain substring search. */
const PASSWORD = 'Pw-s3cret-9f7c';
const QUESTIONS = ['What is 12 + 7?', 'What is 6 times 7?', 'What is the capital of France?', 'What is 20 minus 8?'];
const ANSWERS = ['19', '42', 'Paris', '12'];
const TOTAL = 6;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(
  probe: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

function configText(): string {
  return JSON.stringify({
    optimize: QUESTIONS.map((prompt, i) => ({ prompt, expected: ANSWERS[i] })),
    validate: QUESTIONS.slice(0, 2).map((prompt, i) => ({ prompt, expected: ANSWERS[i] })),
    resources: { system_prompt: 'You are a concise assistant.' },
    worker_count: 2,
    poll_interval_ms: 10,
    heartbeat_interval_ms: 100,
    completion_poll_interval_ms: 10,
  });
}

function assertNoPassword(text: string, where: string): void {
  assert.ok(!text.includes(PASSWORD), `${where} must not contain the password: ${text.slice(0, 2000)}`);
  assert.ok(!text.includes(encodeURIComponent(PASSWORD)), `${where} must not contain the password (encoded)`);
}

/** Every row of every table of the store's database, as JSON text. */
async function dumpTables(pg: PgServer, db: string): Promise<string> {
  const tables = await pg.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`,
    [],
    db,
  );
  assert.ok(tables.length >= 5, `the store's tables exist: ${tables.map((t) => t.table_name).join(', ')}`);
  const out: string[] = [];
  for (const { table_name } of tables) {
    const rows = await pg.query(`SELECT row_to_json(t)::text AS j FROM "${table_name}" t`, [], db);
    out.push(`${table_name}: ${rows.map((r) => String(r['j'])).join('\n')}`);
  }
  return out.join('\n');
}

describe('prompt-optimization views on a PostgreSQL store (status, dashboard, the editor panel)', function () {
  this.timeout(120_000);
  let pg: PgServer;
  let sim: Simulator;
  /** The store's URL with the password; `masked` is how it may be shown. */
  let url: string;
  let masked: string;
  let db: string;
  let ws: string;
  let runId: string;

  const cli = (
    args: string[],
    env: NodeJS.ProcessEnv = simEnv(sim),
    onOut?: (text: string, abort: () => void) => void,
  ): Promise<CliRun> => runCliInProcess(args, { cwd: ws, env, ...(onOut ? { onOut } : {}) });

  before(async function () {
    pg = await requirePostgres(this);
    sim = await startSimulator({ latencyMs: 5 });
    await pg.createRole(USER, PASSWORD);
    db = `views_${process.pid}`;
    url = await pg.createDatabase(db, { user: USER, password: PASSWORD });
    masked = maskUrl(url);
    assert.ok(masked.includes(':***@') && !masked.includes(PASSWORD), `masked: ${masked}`);
    ws = mkdtempSync(path.join(tmpdir(), 'pt-opt-views-pg-'));
    writeFileSync(path.join(ws, 'po.json'), configText());

    // One completed run, made as `optimize run --store URL` makes it: the store named by its masked location,
    // status.json in the workspace's training folder.
    const store = await openRolloutStore(url, { create: true });
    try {
      const { config } = parseOptimizeConfig(configText(), path.join(ws, 'po.json'));
      const gateway = createCliGateway({ env: simEnv(sim), workspace: ws, noCache: true });
      const job = await startOptimization(
        { store, gateway, workspace: ws },
        { config, configPath: path.join(ws, 'po.json'), model: 'openai/sim-1', storePath: store.location },
      );
      const final = await job.done;
      assert.equal(final.status, 'completed', final.error ?? '');
      runId = final.runId;
      await gateway.onIdle();
    } finally {
      await store.close();
    }
  });
  after(async () => {
    // before() may have skipped (no PostgreSQL) or thrown before these were set.
    await (sim as Simulator | undefined)?.close();
    await (pg as PgServer | undefined)?.stop();
    if (ws) rmSync(ws, { recursive: true, force: true });
  });

  it("keeps the password out of the store's tables and status.json, which sits in the workspace naming the masked URL", async () => {
    assertNoPassword(await dumpTables(pg, db), "the store's tables");
    const statusPath = path.join(ws, '.prompt-tuner', 'training', 'status.json');
    assert.equal(statusPathFor(url, ws), statusPath);
    assert.ok(existsSync(statusPath), 'status.json is in <workspace>/.prompt-tuner/training/');
    const text = readFileSync(statusPath, 'utf8');
    assertNoPassword(text, 'status.json');
    const status = JSON.parse(text) as StatusFile;
    assert.equal(status.store_path, masked);
    assert.deepEqual(
      [status.run_state, status.total_rollouts, status.succeeded + status.failed],
      ['completed', TOTAL, TOTAL],
    );
  });

  it('optimize status --store URL: the run, its counters and status.json, with the URL masked and never the password', async () => {
    const r = await cli(['optimize', 'status', '--store', url]);
    assert.equal(r.code, 0, r.err);
    assertNoPassword(r.out + r.err, 'optimize status');
    assert.ok(r.out.startsWith(`Store ${masked}\n`), r.out);
    assert.match(r.out, new RegExp(`Run ${runId} \\(#1\\): completed, model openai/sim-1`));
    assert.match(
      r.out,
      new RegExp(
        `Whole store: total ${TOTAL}: succeeded \\d+, failed \\d+, cancelled 0, running 0, queuing 0, requeuing 0`,
      ),
    );
    assert.match(r.out, /status\.json: completed, total 6, .*\.prompt-tuner[/\\]training[/\\]status\.json\)/);

    const j = await cli(['optimize', 'status', '--store', url, '--json']);
    assert.equal(j.code, 0, j.err);
    assertNoPassword(j.out + j.err, 'optimize status --json');
    const o = JSON.parse(j.out) as OptimizeOverview;
    assert.equal(o.location, masked);
    assert.equal(o.run?.row.run_id, runId);
    assert.equal(o.run.row.store_path, masked, 'the run row names the store as shown');
    assert.equal(o.counters.total_rollouts, TOTAL);
    assert.equal(o.counters.succeeded + o.counters.failed, TOTAL);
    assert.ok(o.workers.length >= 2 && o.workers.every((w) => w.stopped_at !== null), "the run's two workers, stopped");
    assert.equal(o.training.status_present, true, o.training.diagnostics.join('; '));
    assert.equal(o.training.store_path, masked);
    assert.equal(o.training.status_path, path.join(ws, '.prompt-tuner', 'training', 'status.json'));
  });

  it('optimize status --run on a run the PostgreSQL store lacks is bad input naming the masked URL', async () => {
    const r = await cli(['optimize', 'status', '--store', url, '--run', 'no-such-run']);
    assert.equal(r.code, 2, r.out + r.err);
    assertNoPassword(r.out + r.err, 'the error');
    assert.match(
      r.err,
      new RegExp(
        `no prompt-optimization run 'no-such-run' in the store at '${masked.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}'`,
      ),
    );
  });

  it('optimize status on a database without a store is bad input (exit 2) naming the masked URL, and creates nothing', async () => {
    const emptyDb = `views_empty_${process.pid}`;
    const empty = await pg.createDatabase(emptyDb, { user: USER, password: PASSWORD });
    const r = await cli(['optimize', 'status', '--store', empty]);
    assert.equal(r.code, 2, r.out + r.err);
    assertNoPassword(r.out + r.err, 'the error');
    assert.ok(r.err.includes(maskUrl(empty)), r.err);
    assert.match(r.err, /give --store, or start a run with prompt-tuner optimize run/);
    const tables = await pg.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`,
      [],
      emptyDb,
    );
    assert.deepEqual(tables, [], 'no tables were created');
  });

  it('a wrong password fails without echoing either password', async () => {
    const wrong = url.replace(encodeURIComponent(PASSWORD), 'Wrong-pw-123');
    const r = await cli(['optimize', 'status', '--store', wrong]);
    assert.notEqual(r.code, 0);
    assertNoPassword(r.out + r.err, 'the error');
    assert.match(r.err, /password authentication failed/, r.err);
    assert.ok(r.err.includes(maskUrl(wrong)), `the error names the store, masked: ${r.err}`);
    assert.ok(!(r.out + r.err).includes('Wrong-pw-123'), `the wrong password is not echoed either: ${r.err}`);
  });

  it('a URL without a password works from PGPASSWORD (a child process, as on another machine)', async () => {
    const bare = `postgres://${USER}@127.0.0.1:${pg.port}/${db}`;
    const child = spawn(
      process.execPath,
      ['--require', 'tsx/cjs', CLI_MAIN, 'optimize', 'status', '--store', bare, '--json'],
      {
        cwd: ws,
        env: { ...process.env, PGPASSWORD: PASSWORD, NODE_PATH: path.join(ROOT, 'node_modules') },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    assert.equal(code, 0, err);
    assertNoPassword(out + err, 'the child status');
    const o = JSON.parse(out) as OptimizeOverview;
    assert.equal(o.location, bare, 'a URL without a password is shown as given');
    assert.equal(o.runs[0]?.run_id, runId);
  });

  describe('the dashboard', () => {
    let dash: DashboardHandle | undefined;
    afterEach(async () => {
      await dash?.close();
      dash = undefined;
    });
    const get = async (p: string) => {
      const r = await fetch(new URL(p, dash!.url));
      const text = await r.text();
      assertNoPassword(text, p);
      return { status: r.status, json: JSON.parse(text) as Record<string, unknown> };
    };

    it("serves Tau's endpoints over the PostgreSQL store, masked, and shows another process's new rollouts on the next request", async () => {
      dash = await startDashboard({ storePath: url, statusPath: statusPathFor(url, ws) });
      const health = await get('/dashboard/health');
      assert.equal(health.status, 200);
      const state = health.json['state'] as {
        store_path: string;
        location: string;
        store_present: boolean;
        status_present: boolean;
        run_id: string;
      };
      assert.deepEqual(
        [state.store_path, state.location, state.store_present, state.status_present, state.run_id],
        [masked, masked, true, true, runId],
      );
      for (const p of [
        '/dashboard/widgets',
        '/dashboard/queue-timeline',
        '/dashboard/alerts',
        '/gateway/training/status',
      ])
        assert.equal((await get(p)).status, 200, p);
      const widgets = (await get('/dashboard/widgets')).json['widgets'] as {
        widget_id: string;
        value: number | null;
      }[];
      assert.equal(widgets.find((w) => w.widget_id === 'rollouts_total')?.value, TOTAL, JSON.stringify(widgets));

      // Another connection (another machine's trainer) adds a run: the next request shows it, no refresh needed.
      const other = await openRolloutStore(url, { create: false });
      try {
        const { config } = parseOptimizeConfig(configText(), 'other.json');
        await other.createRun({
          run_id: 'other-run',
          model_ref: 'openai/sim-1',
          config_path: 'other.json',
          config,
          store_path: other.location,
        });
      } finally {
        await other.close();
      }
      await until(
        async () => ((await get('/dashboard/health')).json['state'] as { run_id: string }).run_id === 'other-run',
        'the other run on the dashboard',
      );
    });

    it('optimize dashboard --store URL prints the masked URL and serves until Ctrl-C', async () => {
      let served: string | undefined;
      const r = await cli(['optimize', 'dashboard', '--store', url], simEnv(sim), (text, abort) => {
        const m = text.match(/dashboard: (http:\/\/127\.0\.0\.1:\d+\/)/);
        if (!m) return;
        void (async () => {
          try {
            const res = await fetch(new URL('/dashboard/health', m[1]));
            served = await res.text();
          } finally {
            abort();
          }
        })();
      });
      assert.equal(r.code, 0, r.err);
      assertNoPassword(r.out + r.err, 'optimize dashboard');
      assert.match(r.out, new RegExp(`\\n  store ${masked.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\n`));
      assert.ok(served, 'the health endpoint answered');
      assertNoPassword(served, 'the health endpoint');
      assert.equal((JSON.parse(served) as { state: { store_path: string } }).state.store_path, masked);
    });
  });

  // Last (mocha runs a suite's own tests before its nested suites): this adds a second run to the store.
  describe('a run made by the CLI', () => {
    it('optimize run --store URL: progress, report and status.json name the masked URL, never the password', async () => {
      const r = await cli(['optimize', 'run', '--store', url, '--config', 'po.json', '--model', 'openai/sim-1']);
      assert.equal(r.code, 0, r.err);
      assertNoPassword(r.out + r.err, 'optimize run');
      assert.ok(r.out.includes(`store ${masked}`), r.out);
      const j = await cli([
        'optimize',
        'run',
        '--store',
        url,
        '--config',
        'po.json',
        '--model',
        'openai/sim-1',
        '--json',
      ]);
      assert.equal(j.code, 0, j.err);
      assertNoPassword(j.out + j.err, 'optimize run --json');
      assert.equal((JSON.parse(j.out) as { store_path: string }).store_path, masked);
      const status = JSON.parse(
        readFileSync(path.join(ws, '.prompt-tuner', 'training', 'status.json'), 'utf8'),
      ) as StatusFile;
      assert.equal(status.store_path, masked);
      assertNoPassword(await dumpTables(pg, db), "the store's tables after CLI runs");
    });
  });

  it("the editor's panel opens the store by URL (Open Store… → PostgreSQL URL…): the overview, masked; the password only in memory", async () => {
    fake.reset();
    panels.length = 0;
    const wsDir = mkdtempSync(path.join(tmpdir(), 'pt-opt-views-pg-ext-'));
    mkdirSync(path.join(wsDir, '.prompt-tuner', 'training'), { recursive: true });
    // The panel reads status.json from its workspace, as the CLI does.
    writeFileSync(
      path.join(wsDir, '.prompt-tuner', 'training', 'status.json'),
      readFileSync(statusPathFor(url, ws), 'utf8'),
    );
    const host = fakeExtensionHost(wsDir);
    try {
      for (const command of optimizeFeature(host.ctx))
        fake.commands.set(COMMAND_PREFIX + command.id, (...args: unknown[]) => runCommand(host.ctx, command, args));
      await fake.commands.get(`${COMMAND_PREFIX}optimize.open`)!();
      const panel = panels[panels.length - 1]!;
      panel.receive({ type: 'webview/ready' });
      fake.answers.push({ kind: 'pick', value: '$(database) PostgreSQL URL…' }, { kind: 'input', value: url });
      panel.receive({ type: 'store/pick' });
      const views = () =>
        panel.posted
          .filter((m): m is Extract<HostMessage, { type: 'overview/didChange' }> => m.type === 'overview/didChange')
          .map((m) => m.view);
      const v = await until(
        () =>
          views()
            .reverse()
            .find((x: OptimizeView) => x.storePath === masked && x.overview !== null),
        'an overview of the PostgreSQL store',
      );
      assert.equal(v.exists, true);
      assert.equal(v.error, null);
      assert.equal(v.overview!.location, masked);
      assert.equal(v.overview!.run?.row.run_id, runId);
      assert.equal(v.overview!.training.status_present, true, v.overview!.training.diagnostics.join('; '));
      assert.deepEqual(
        fake.quickPicks.at(-1)!.items.map((i) => i.label),
        ['$(file) Store file…', '$(database) PostgreSQL URL…'],
      );
      // Nothing the panel was sent, nothing logged or shown, names the password.
      assertNoPassword(JSON.stringify(panel.posted), 'the panel messages');
      assertNoPassword(JSON.stringify(fake.messages), 'the log and notifications');
      assert.equal(OptimizePanel.shown?.storePath, masked, 'the panel keeps the masked URL as its store');
    } finally {
      OptimizePanel.shown?.dispose();
      host.disposeSubscriptions();
      await sleep(50);
      host.dispose();
      rmSync(wsDir, { recursive: true, force: true });
    }
  });
});
