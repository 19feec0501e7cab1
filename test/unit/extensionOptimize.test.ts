// Prompt optimization in the editor against a fake VS Code API, the real core and store, and the model
// simulator: Run Prompt Optimization (config and model pickers) runs in the host and the panel shows the
// finished run; the best prompt is in the library (source optimized); the card's actions; a missing store;
// a bad config told in Tau's words with nothing created; cancel; another process's writes showing.
import { fake, type Uri } from './extensionFakeVscode';
import { panels, setTrusted } from './extensionOptimizeFakes';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createCliGateway } from '../../src/core/models/cliGateway';
import type { Gateway } from '../../src/core/models/gateway';
import { parseOptimizeConfig } from '../../src/core/optimize/config';
import { openSqliteRolloutStore } from '../../src/core/optimize/store/sqliteRolloutStore';
import type { OptimizeJob } from '../../src/core/optimize/trainer';
import { COMMAND_PREFIX } from '../../src/extension/commandTypes';
import { type HostContext } from '../../src/extension/hostContext';
import { optimizeFeature } from '../../src/extension/optimize/optimizeFeature';
import { OptimizePanel } from '../../src/extension/optimize/optimizePanel';
import { runCommand } from '../../src/extension/runCommand';
import { fakeExtensionHost } from '../support/fakeExtensionHost';
import { sleep, until } from '../support/until';
import type { HostMessage, OptimizeView } from '../../src/protocol/optimizePanel';
import { startSimulator, type Simulator } from '../sim/server';

const REPO = path.join(__dirname, '../..');
const CONFIG_REL = 'examples/prompt-optimization.json';
const TYPE_MODEL = '$(edit) Enter a model id…';

// ── the harness ────────────────────────────────────────────────────────────────────────────────────────
interface Harness {
  ws: string;
  ctx: HostContext;
  storePath: string;
  run(id: string, ...args: unknown[]): Promise<unknown>;
  dispose(): Promise<void>;
}

const pick = (value: string | undefined) => ({ kind: 'pick' as const, value });
const input = (value: string | undefined) => ({ kind: 'input' as const, value });

function start(sim: Simulator, opts: { config?: string } = {}): Harness {
  fake.reset();
  panels.length = 0;
  setTrusted(true);
  const wsDir = mkdtempSync(path.join(tmpdir(), 'pt-opt-ws-'));
  mkdirSync(path.join(wsDir, 'examples'));
  writeFileSync(path.join(wsDir, CONFIG_REL), opts.config ?? readFileSync(path.join(REPO, CONFIG_REL), 'utf8'));
  const host = fakeExtensionHost(wsDir);
  const { ctx } = host;
  const gateway = async (): Promise<Gateway> =>
    createCliGateway({
      env: { OPENAI_BASE_URL: sim.openaiBaseUrl, OPENAI_API_KEY: 'sim-key' },
      workspace: wsDir,
      retry: { maxAttempts: 1 },
    });
  for (const command of optimizeFeature(ctx, { gateway })) {
    fake.commands.set(COMMAND_PREFIX + command.id, (...args: unknown[]) => runCommand(ctx, command, args));
  }
  // The library's commands the card's View uses, recorded only.
  fake.commands.set('promptTuner.library.focus', () => undefined);
  fake.commands.set('promptTuner.library.open', () => undefined);
  return {
    ws: wsDir,
    ctx,
    storePath: path.join(wsDir, '.prompt-tuner', 'training', 'store.sqlite'),
    run: async (id, ...args) => fake.commands.get(COMMAND_PREFIX + id)!(...args),
    dispose: async () => {
      OptimizePanel.shown?.dispose();
      host.disposeSubscriptions();
      await sleep(50);
      host.dispose();
      rmSync(wsDir, { recursive: true, force: true });
    },
  };
}

const panel = () => panels[panels.length - 1]!;
const views = (p = panel()) =>
  p.posted
    .filter((m): m is Extract<HostMessage, { type: 'overview/didChange' }> => m.type === 'overview/didChange')
    .map((m) => m.view);
/** The newest overview the panel posted that satisfies `where`. */
const viewWhere = (where: (v: OptimizeView) => boolean, what: string) =>
  until(() => views().reverse().find(where), what);
const lastOf = (kind: string) => [...fake.messages].reverse().find((m) => m.kind === kind)?.text;

describe('prompt optimization in the editor (fake VS Code, real store, simulator)', function () {
  this.timeout(90_000);
  let sim: Simulator;
  let h: Harness | undefined; // unset in afterEach() when the test failed before start()
  before(async () => {
    sim = await startSimulator({ latencyMs: 5 });
  });
  after(async () => {
    await sim.close();
  });
  afterEach(async () => {
    await h?.dispose();
    h = undefined; // so a test that fails before start() does not dispose the previous harness again
  });

  it('Run Prompt Optimization: pick the config and a model, the run goes in the host, the panel shows it finished with its best prompt in the library', async () => {
    h = start(sim);
    fake.answers.push(pick(CONFIG_REL), pick(TYPE_MODEL), input('openai/sim-1'));
    const job = (await h.run('optimize.run')) as OptimizeJob;
    assert.ok(job, `the command started a run; messages: ${JSON.stringify(fake.messages)}`);
    assert.deepEqual(
      fake.quickPicks[0]!.items.map((i) => i.label),
      [CONFIG_REL, '$(folder-opened) Browse…'],
      'the workspace config is offered',
    );
    assert.equal(fake.quickPicks[0]!.title, 'Run Prompt Optimization (1/2)');
    const final = await job.done;
    assert.equal(final.status, 'completed', final.error ?? '');
    assert.ok(existsSync(h.storePath), 'the workspace default store was created');

    // The panel opened on the run; once the webview says ready it gets the overview.
    panel().receive({ type: 'webview/ready' });
    const v = await viewWhere((x) => x.overview?.run?.row.status === 'completed', 'an overview of the completed run');
    assert.equal(v.exists, true);
    assert.equal(v.storePath, h.storePath);
    assert.deepEqual(v.runningHere, []);
    const shown = v.overview!.run!;
    assert.equal(shown.row.run_id, job.runId);
    assert.equal(shown.row.model_ref, 'openai/sim-1');
    const c = v.overview!.runs[0]!.counters;
    assert.equal(c.succeeded + c.failed + c.cancelled, c.total_rollouts, 'every rollout ended');
    assert.ok(c.total_rollouts >= 18, `baseline (10 + 8) and APO rollouts: ${c.total_rollouts}`);
    assert.ok(v.overview!.timeline.length > 1, 'a queue timeline');
    assert.ok(v.overview!.workers.length >= 2, 'the two workers are listed');
    assert.equal(shown.snapshot?.rounds.length, 2, 'two APO rounds');
    const best = shown.snapshot.best!;
    assert.ok(
      best.validate_reward! > shown.snapshot.mean_reward.validate!,
      `the best (${best.validate_reward}) beats the initial (${shown.snapshot.mean_reward.validate})`,
    );

    // saveBest went to the host's library: source optimized, the run linked, the validate reward as score.
    assert.deepEqual(v.savedBest && { name: v.savedBest.name, version: v.savedBest.version }, {
      name: 'prompt-optimization (optimized)',
      version: 1,
    });
    const saved = (await h.ctx.getLibrary()).getVersion(v.savedBest!.id)!;
    assert.equal(saved.source, 'optimized');
    assert.equal(saved.runId, job.runId);
    assert.equal(saved.text, best.system_prompt);
    assert.equal(saved.score, best.validate_reward);
    assert.match(
      lastOf('info') ?? '',
      /Prompt optimization finished: best v\d+ \d+% on validate \(initial \d+%\)\. Saved as prompt-optimization \(optimized\) v1\./,
    );
  });

  it('the best prompt card: Copy, Show Diff (initial ↔ best documents), Apply to Context, View in Library, Save once', async () => {
    h = start(sim);
    const job = (await h.run('optimize.run', {
      configPath: path.join(h.ws, CONFIG_REL),
      model: 'openai/sim-1',
    })) as OptimizeJob;
    await job.done;
    const p = panel();
    p.receive({ type: 'webview/ready' });
    const v = await viewWhere((x) => x.overview?.run?.row.status === 'completed', 'the completed run');
    const best = v.overview!.run!.snapshot!.best!.system_prompt;
    const note = (action: string) =>
      until(() => p.posted.find((m) => m.type === 'action/didComplete' && m.action === action), `the ${action} note`);

    p.receive({ type: 'best/copy', runId: job.runId });
    assert.equal((await note('copy')).type === 'action/didComplete' && fake.clipboard, best);

    p.receive({ type: 'best/diff', runId: job.runId });
    await note('diff');
    const diff = fake.executed.find((e) => e.id === 'vscode.diff')!;
    const [left, right, title] = diff.args as [Uri, Uri, string];
    assert.match(title, /^Initial ↔ Best v\d+ \d+%$/);
    const docs = fake.providers.get(left.scheme)!;
    assert.equal(await docs.provideTextDocumentContent(left), 'You are a concise assistant.');
    assert.equal(await docs.provideTextDocumentContent(right), best);

    p.receive({ type: 'best/apply', runId: job.runId });
    await note('apply');
    const active = await h.ctx.activeContext.get();
    assert.equal(active?.id, v.savedBest!.id, 'the saved version is now the active context (no second save)');

    p.receive({ type: 'best/view', runId: job.runId });
    await note('view');
    assert.deepEqual(fake.executed.find((e) => e.id === 'promptTuner.library.open')?.args, [v.savedBest!.id]);

    // Save on a run saved already says so and adds nothing.
    p.receive({ type: 'best/save', runId: job.runId });
    const saveNote = await note('save');
    assert.equal(
      saveNote.type === 'action/didComplete' && saveNote.message,
      'Already saved as prompt-optimization (optimized) v1',
    );
    const library = await h.ctx.getLibrary();
    assert.equal(library.listPrompts().length, 1);
    assert.equal(library.listPrompts()[0]!.versionCount, 1);

    // A message the host refuses is logged and does nothing (the overview still comes every second).
    const actionsPosted = () => p.posted.filter((m) => m.type === 'action/didComplete').length;
    const before = actionsPosted();
    const executed = fake.executed.length;
    p.receive({ type: 'best/apply' });
    await sleep(100);
    assert.equal(actionsPosted(), before);
    assert.equal(fake.executed.length, executed);
    assert.match(lastOf('log.warn') ?? '', /refused a message: runId/);
  });

  it('Open Prompt Optimization on a workspace without a store says so and creates nothing; Run from the panel asks for a config', async () => {
    h = start(sim);
    await h.run('optimize.open');
    panel().receive({ type: 'webview/ready' });
    const v = await viewWhere((x) => x.exists === false, 'the no-store view');
    assert.equal(v.overview, null);
    assert.equal(v.storePath, h.storePath);
    assert.equal(existsSync(path.dirname(h.storePath)), false, 'reading does not create the store');
    // The panel's Run button runs the command on this store; dismissing the config pick starts nothing.
    fake.answers.push(pick(undefined));
    panel().receive({ type: 'optimize/start' });
    await until(() => fake.quickPicks.length === 1, 'the config pick');
    await sleep(100);
    assert.equal(existsSync(h.storePath), false);
  });

  it("a bad config is told in Tau's words before anything is written", async () => {
    h = start(sim, { config: JSON.stringify({ optimize: [], validate: [], worker_count: 2 }) });
    fake.answers.push(pick(CONFIG_REL));
    await h.run('optimize.run');
    assert.match(
      lastOf('error') ?? '',
      /prompt-optimization config '.*prompt-optimization\.json' must contain at least one rollout in 'optimize' or 'validate'/,
    );
    assert.equal(fake.answers.length, 0);
    assert.equal(existsSync(path.dirname(h.storePath)), false, 'no store was created');

    writeFileSync(path.join(h.ws, CONFIG_REL), JSON.stringify({ optimize: ['What is 1 + 1?'], worker_count: 0 }));
    fake.answers.push(pick(CONFIG_REL));
    await h.run('optimize.run');
    assert.match(lastOf('error') ?? '', /training config field 'worker_count' must be greater than 0/);
    assert.equal(existsSync(path.dirname(h.storePath)), false);

    // An untrusted workspace starts nothing and says why.
    setTrusted(false);
    await h.run('optimize.run');
    assert.match(lastOf('error') ?? '', /untrusted workspace/);
  });

  it('Cancel from the panel stops the run: cancelled, Cancel gone, finished rollouts kept', async () => {
    h = start(sim);
    sim.configure({ latencyMs: 150 });
    try {
      const job = (await h.run('optimize.run', {
        configPath: path.join(h.ws, CONFIG_REL),
        model: 'openai/sim-1',
      })) as OptimizeJob;
      const p = panel();
      p.receive({ type: 'webview/ready' });
      await viewWhere((x) => x.runningHere.includes(job.runId), 'the run shown as running here');
      p.receive({ type: 'optimize/cancel', runId: job.runId });
      const final = await job.done;
      assert.equal(final.status, 'cancelled');
      const v = await viewWhere(
        (x) => x.runningHere.length === 0 && x.overview?.run?.row.status === 'cancelled',
        'the cancelled run',
      );
      assert.equal(v.overview!.run!.row.run_id, job.runId);
      assert.match(lastOf('info') ?? '', /Prompt optimization cancelled/);
    } finally {
      sim.configure({ latencyMs: 5 });
    }
  });

  it("shows another process's writes to the store on the next refresh", async () => {
    h = start(sim);
    mkdirSync(path.dirname(h.storePath), { recursive: true });
    const other = await openSqliteRolloutStore(h.storePath, {
      wasmPath: path.join(REPO, 'node_modules/sql.js/dist/sql-wasm.wasm'),
    });
    try {
      await h.run('optimize.open');
      const p = panel();
      p.receive({ type: 'webview/ready' });
      await viewWhere((x) => x.exists && x.overview?.runs.length === 0, 'the empty store');
      const { config } = parseOptimizeConfig(readFileSync(path.join(h.ws, CONFIG_REL), 'utf8'), 'cli.json');
      await other.createRun({
        run_id: 'cli-run',
        model_ref: 'openai/sim-1',
        config_path: 'cli.json',
        config,
        store_path: h.storePath,
      });
      // The panel reads the store every second while visible.
      const v = await viewWhere(
        (x) => x.overview?.runs.some((r) => r.run_id === 'cli-run') === true,
        'the run written by the other process',
      );
      assert.equal(v.overview!.run!.row.run_id, 'cli-run');
      assert.deepEqual(v.runningHere, [], 'not running in this window');
    } finally {
      await other.close();
    }
  });
});
