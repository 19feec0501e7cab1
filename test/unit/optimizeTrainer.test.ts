// The trainer end to end on the real SQLite rollout store and the simulator through the real gateway: Tau's
// counters, spans and status.json; a re-run on the same store; cancel; Tau's completion timeout; resume; and
// APO on the example config beating the initial prompt.
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { simGateway } from '../support/optimizeConfig';
import type { Gateway } from '../../src/core/models/gateway';
import { parseOptimizeConfig } from '../../src/core/optimize/config';
import { readStatusFile, statusPathFor } from '../../src/core/optimize/statusFile';
import { openSqliteRolloutStore } from '../../src/core/optimize/store/sqliteRolloutStore';
import {
  resumeOptimization,
  ResumeError,
  startOptimization,
  type OptimizeDeps,
  type OptimizeJob,
} from '../../src/core/optimize/trainer';
import type {
  BestPrompt,
  OptimizeConfig,
  OptimizeEvent,
  OptimizeRunSnapshot,
  RolloutStore,
  StatusFile,
} from '../../src/core/optimize/types';
import { startSimulator, type Simulator } from '../sim/server';

const ROOT = path.join(__dirname, '..', '..');
const EXAMPLE = path.join(ROOT, 'examples', 'prompt-optimization.json');
const ECHO = (text: string) => `(simulator) You said: ${text}`;
const TAU_KEYS = ['model_ref', 'store_path', 'total_rollouts', 'succeeded', 'failed', 'cancelled'];
const SPAN_NAMES = [
  'agent.start',
  'message.added',
  'agent.turn.1',
  'message.added',
  'agent.end',
  'reward.emit',
  'runner.execute_rollout',
];

/** Echo items (the sim's chat role echoes the prompt): expected = the echo passes, anything else fails. */
function echoConfig(over: Record<string, unknown> = {}): OptimizeConfig {
  const pass = (p: string) => ({ prompt: p, expected: ECHO(p) });
  const json = {
    optimize: [
      pass('ping one'),
      pass('ping two'),
      pass('ping three'),
      { prompt: 'ping four', expected: 'something else' },
    ],
    validate: [pass('check one'), 'check two'],
    resources: { system_prompt: 'You are a concise assistant.' },
    worker_count: 2,
    poll_interval_ms: 10,
    heartbeat_interval_ms: 100,
    completion_poll_interval_ms: 15,
    completion_timeout_secs: 10,
    ...over,
  };
  return parseOptimizeConfig(JSON.stringify(json), 'echo.json').config;
}

interface Ran {
  job: OptimizeJob;
  final: OptimizeRunSnapshot;
  events: OptimizeEvent[];
  /** status.json as read when the first rollouts were queued (the run had started). */
  statusAtStart: StatusFile | null;
}

describe('optimize trainer against the simulator', function () {
  this.timeout(60_000);
  let sim: Simulator;
  let gateway: Gateway;
  let dir: string;
  let storePath: string;
  let store: RolloutStore;
  let saved: { best: BestPrompt; run: { runId: string; configPath: string; modelRef: string } }[];

  before(async () => {
    sim = await startSimulator();
    gateway = simGateway(sim, 'pt-trainer-ws-', { concurrency: 16 });
  });
  after(async () => {
    await sim.close();
  });
  beforeEach(async () => {
    sim.reset();
    sim.configure({ latencyMs: 0 });
    dir = mkdtempSync(path.join(tmpdir(), 'pt-trainer-'));
    storePath = path.join(dir, 'training', 'store.sqlite');
    store = await openSqliteRolloutStore(storePath);
    saved = [];
  });
  afterEach(async () => {
    await store.close();
  });

  const deps = (over: Partial<OptimizeDeps> = {}): OptimizeDeps => ({
    store,
    gateway,
    flushIntervalMs: 20,
    saveBest: async (best, run) => {
      saved.push({ best, run });
      return { name: 'echo (optimized)', version: saved.length };
    },
    ...over,
  });

  async function follow(job: OptimizeJob, during?: (job: OptimizeJob, e: OptimizeEvent) => void): Promise<Ran> {
    const events: OptimizeEvent[] = [];
    let statusAtStart: StatusFile | null = null;
    job.onEvent((e) => {
      events.push(e);
      if (e.type === 'rollouts_enqueued' && statusAtStart === null)
        statusAtStart = readStatusFile(statusPathFor(storePath)).status;
      during?.(job, e);
    });
    const final = await job.done;
    return { job, final, events, statusAtStart };
  }

  const run = async (
    config: OptimizeConfig,
    during?: (job: OptimizeJob, e: OptimizeEvent) => void,
    over: Partial<OptimizeDeps> = {},
  ) =>
    follow(
      await startOptimization(deps(over), { config, configPath: 'echo.json', model: 'openai/sim-1', storePath }),
      during,
    );

  const statusFile = () => {
    const read = readStatusFile(statusPathFor(storePath));
    assert.deepEqual(read.diagnostics, []);
    return read.status!;
  };

  it("a run completes with Tau's counters, report keys, spans per rollout and status.json running then completed", async () => {
    const { final, events, statusAtStart } = await run(echoConfig());
    assert.equal(final.status, 'completed', final.error ?? '');
    const report = final.report!;
    assert.deepEqual(Object.keys(report).slice(0, 6), TAU_KEYS, "Tau's keys first, in Tau's order");
    assert.deepEqual(Object.keys(report).slice(6), ['run_id', 'mean_reward', 'best', 'rounds', 'calls', 'cost_usd']);
    assert.deepEqual(
      [report.model_ref, report.store_path, report.total_rollouts, report.succeeded, report.failed, report.cancelled],
      ['openai/sim-1', storePath, 6, 6, 0, 0],
    );
    assert.deepEqual(
      report.mean_reward,
      { optimize: 0.75, validate: 0.5 },
      'a wrong answer still succeeds (Tau) and scores 0',
    );
    assert.equal(report.calls, 6);
    assert.equal(report.cost_usd, null, 'the sim has no price: unknown, not 0');
    assert.deepEqual(report.best, {
      resources_version: 1,
      system_prompt: 'You are a concise assistant.',
      validate_reward: 0.5,
    });

    const rollouts = await store.rollouts({ run_id: final.runId });
    assert.deepEqual(rollouts.map((r) => r.rollout_id).sort(), [
      'train-1-1',
      'train-1-2',
      'train-1-3',
      'train-1-4',
      'val-1-1',
      'val-1-2',
    ]);
    for (const r of rollouts) {
      assert.equal(r.status, 'succeeded');
      assert.equal(r.metadata.purpose, 'baseline');
      assert.deepEqual(
        (await store.spans(r.rollout_id)).map((s) => s.name),
        SPAN_NAMES,
        r.rollout_id,
      );
      assert.equal(r.config.unresponsive_seconds, 0.3, '3 heartbeat intervals');
    }
    assert.ok((await store.attempts({ run_id: final.runId })).every((a) => a.status === 'succeeded'));
    assert.ok(
      (await store.workers()).every((w) => w.stopped_at !== null && w.run_id === final.runId),
      'every worker stopped',
    );
    assert.equal((await store.workers()).length, 2);

    assert.equal(statusAtStart!.run_state, 'running');
    const end = statusFile();
    assert.deepEqual(
      [end.run_state, end.model_ref, end.store_path, end.total_rollouts, end.succeeded, end.failed, end.cancelled],
      ['completed', 'openai/sim-1', storePath, 6, 6, 0, 0],
    );

    const row = (await store.getRun(final.runId))!;
    assert.deepEqual([row.status, row.run_number, row.error], ['completed', 1, null]);
    assert.deepEqual(row.report, report);
    const latest = (await store.latestResources())!;
    assert.deepEqual([latest.version, latest.label, latest.run_id], [1, 'initial', final.runId]);
    assert.equal(saved.length, 1);
    assert.deepEqual(saved[0]!.run, { runId: final.runId, configPath: 'echo.json', modelRef: 'openai/sim-1' });
    assert.deepEqual(final.best!.library, { name: 'echo (optimized)', version: 1 });

    const stored = (await store.readJob(final.runId)).events.map((e) => e.type);
    assert.deepEqual(
      stored,
      [
        'optimize_start',
        'rollouts_enqueued',
        'rollouts_enqueued',
        'baseline_scored',
        'best_saved',
        'optimize_complete',
      ],
      'progress is ephemeral',
    );
    assert.ok(events.some((e) => e.type === 'progress'));
    assert.deepEqual((await store.readJob(final.runId)).snapshot!.status, 'completed');
  });

  it('two runs at once on one store each run only their own rollouts, on their own model', async () => {
    sim.configure({ latencyMs: 15 });
    const config = echoConfig();
    const start = (model: string) => startOptimization(deps(), { config, configPath: 'echo.json', model, storePath });
    const [a, b] = await Promise.all([start('openai/sim-1'), start('openai/sim-lite')]);
    const [fa, fb] = await Promise.all([a.done, b.done]);
    assert.equal(fa.status, 'completed', fa.error ?? '');
    assert.equal(fb.status, 'completed', fb.error ?? '');
    const perRun = config.optimize.length + config.validate.length;
    assert.equal(fa.counters.total_rollouts, perRun);
    assert.equal(fb.counters.total_rollouts, perRun);
    // Every answer came from its own run's model: as many calls per model as that run has rollouts.
    assert.deepEqual(sim.counters().byModel, { 'sim-1': perRun, 'sim-lite': perRun });
    for (const [job, worker] of [
      [a, 'run1'],
      [b, 'run2'],
    ] as const) {
      const attempts = await store.attempts({ run_id: job.runId });
      assert.equal(attempts.length, perRun);
      assert.ok(
        attempts.every((t) => t.worker_id.includes(worker)),
        `every attempt of ${worker} by its own workers: ${attempts.map((t) => t.worker_id).join(', ')}`,
      );
    }
  });

  it("a re-run on the same store keeps the first run's rows and makes new ids", async () => {
    const first = await run(echoConfig());
    const second = await run(echoConfig());
    assert.equal(second.final.status, 'completed', second.final.error ?? '');
    const runs = await store.listRuns();
    assert.deepEqual(
      runs.map((r) => [r.run_number, r.status]),
      [
        [2, 'completed'],
        [1, 'completed'],
      ],
    );
    const ids = (await store.rollouts({ run_id: second.final.runId })).map((r) => r.rollout_id).sort();
    assert.deepEqual(ids, ['train-2-1', 'train-2-2', 'train-2-3', 'train-2-4', 'val-2-1', 'val-2-2']);
    assert.equal((await store.rollouts({ run_id: first.final.runId })).length, 6, 'the first run is kept');
    assert.equal((await store.counters()).total_rollouts, 12);
    assert.equal(second.final.report!.total_rollouts, 6, "the report counts this run's rollouts");
    const resources = await store.listResources();
    assert.deepEqual(
      resources.map((r) => [r.version, r.label, r.is_latest]),
      [
        [1, 'initial', false],
        [2, 'initial', true],
      ],
    );
  });

  it('cancel: open rollouts are cancelled, workers stop, status.json says cancelled', async () => {
    sim.configure({ latencyMs: 1500 });
    let cancelled = false;
    const { final } = await run(echoConfig(), (job, e) => {
      if (e.type === 'progress' && e.counters.running > 0 && !cancelled) {
        cancelled = true;
        job.cancel('stopped by the test');
      }
    });
    assert.equal(final.status, 'cancelled');
    assert.equal(final.error, 'stopped by the test');
    const c = await store.counters(final.runId);
    assert.deepEqual([c.total_rollouts, c.cancelled, c.queuing + c.running + c.requeuing], [6, 6, 0]);
    assert.ok(
      (await store.attempts({ run_id: final.runId })).every((a) => a.status !== 'running' && a.status !== 'preparing'),
      'no attempt left running',
    );
    assert.ok((await store.workers()).every((w) => w.stopped_at !== null));
    assert.equal(statusFile().run_state, 'cancelled');
    assert.equal(statusFile().cancelled, 6);
    const row = (await store.getRun(final.runId))!;
    assert.deepEqual([row.status, row.error, row.report?.cancelled], ['cancelled', 'stopped by the test', 6]);
  });

  it("a completion timeout fails the run with Tau's message", async () => {
    sim.configure({ latencyMs: 3000 });
    const { final } = await run(echoConfig({ completion_timeout_secs: 0.3 }));
    assert.equal(final.status, 'failed');
    assert.match(
      final.error!,
      /^trainer timeout waiting for rollouts to complete: TrainingSummary \{ total_rollouts: 6, succeeded: 0, failed: 0, cancelled: 0 \}$/,
    );
    assert.equal(statusFile().run_state, 'failed');
    const row = (await store.getRun(final.runId))!;
    assert.equal(row.status, 'failed');
    assert.equal(row.error, final.error);
    assert.equal((await store.counters(final.runId)).cancelled, 6, 'nothing stays queued after the run failed');
  });

  it('failed rollouts are counted, not fatal', async () => {
    const config = echoConfig();
    const { final } = await follow(
      await startOptimization(deps(), { config, configPath: 'echo.json', model: 'openai/fail-400', storePath }),
    );
    assert.equal(final.status, 'completed', final.error ?? '');
    assert.deepEqual([final.report!.succeeded, final.report!.failed], [0, 6]);
    assert.deepEqual(final.report!.mean_reward, { optimize: 0, validate: 0 });
  });

  it('an llm_judge reward: the judge (--meta-model) scores each answer, its calls are counted, its model is stored', async () => {
    const config = echoConfig({ reward: { type: 'llm_judge', rubric: 'The reply contains "ping".' } });
    const { final } = await follow(
      await startOptimization(deps(), {
        config,
        configPath: 'echo.json',
        model: 'openai/sim-1',
        metaModel: 'openai/sim-judge',
        storePath,
      }),
    );
    assert.equal(final.status, 'completed', final.error ?? '');
    assert.deepEqual(
      final.report!.mean_reward,
      { optimize: 1, validate: 0 },
      'the optimize items say "ping", the validate ones "check"',
    );
    assert.equal(final.report!.calls, 12, 'one agent and one judge call per rollout');
    const row = (await store.getRun(final.runId))!;
    assert.deepEqual(row.config.reward, {
      type: 'llm_judge',
      rubric: 'The reply contains "ping".',
      model: 'openai/sim-judge',
    });
    const judged = sim.requests().filter((r) => (r.body as { model: string }).model === 'sim-judge');
    assert.equal(judged.length, 6);
    const emitted = (await store.spans('train-1-1')).find((s) => s.name === 'reward.emit')!;
    assert.deepEqual([emitted.attributes.reward_name, emitted.attributes.reward_value], ['llm_judge', 1]);
  });

  it('resume continues a cancelled run: what ended is reused, the rest made again with new ids', async () => {
    sim.configure({ latencyMs: 300 });
    let cancelled = false;
    const first = await run(echoConfig({ worker_count: 1 }), (job, e) => {
      if (e.type === 'progress' && e.counters.succeeded >= 2 && !cancelled) {
        cancelled = true;
        job.cancel();
      }
    });
    assert.equal(first.final.status, 'cancelled');
    const kept = (await store.rollouts({ run_id: first.final.runId, status: ['succeeded'] })).map((r) => r.rollout_id);
    assert.ok(kept.length >= 2);
    sim.configure({ latencyMs: 0 });
    const resumed = await follow(await resumeOptimization(deps(), {}));
    assert.equal(resumed.job.runId, first.final.runId, 'the same run');
    assert.equal(resumed.final.status, 'completed', resumed.final.error ?? '');
    const all = await store.rollouts({ run_id: first.final.runId });
    for (const id of kept) assert.equal(all.find((r) => r.rollout_id === id)!.status, 'succeeded', `${id} kept`);
    const byItem = new Map<string, string[]>();
    for (const r of all) {
      const k = `${r.metadata.set}:${r.metadata.item_index}`;
      byItem.set(k, [...(byItem.get(k) ?? []), r.status]);
    }
    for (const [item, statuses] of byItem)
      assert.equal(statuses.filter((s) => s === 'succeeded').length, 1, `${item} succeeded exactly once: ${statuses}`);
    assert.equal(byItem.size, 6);
    assert.deepEqual(resumed.final.report!.mean_reward, { optimize: 0.75, validate: 0.5 });
    assert.equal(new Set(all.map((r) => r.rollout_id)).size, all.length);
    assert.equal(resumed.events[0]!.type, 'optimize_start');
    assert.equal((resumed.events[0] as Extract<OptimizeEvent, { type: 'optimize_start' }>).resumed, true);
    assert.equal(statusFile().run_state, 'completed');
    assert.equal((await store.getRun(first.final.runId))!.status, 'completed');
    await assert.rejects(
      resumeOptimization(deps(), {}),
      (e: unknown) => e instanceof ResumeError && /no unfinished prompt-optimization run in/.test(e.message),
    );
    await assert.rejects(
      resumeOptimization(deps(), { runId: first.final.runId }),
      /is already completed; nothing to resume/,
    );
    await assert.rejects(resumeOptimization(deps(), { runId: 'nope' }), /no prompt-optimization run 'nope'/);
  });

  it('a run still going in a live process cannot be resumed', async () => {
    sim.configure({ latencyMs: 500 });
    const job = await startOptimization(deps(), {
      config: echoConfig(),
      configPath: 'echo.json',
      model: 'openai/sim-1',
      storePath,
    });
    await assert.rejects(
      resumeOptimization(deps(), {}),
      (e: unknown) => e instanceof ResumeError && /is still running \(pid \d+/.test(e.message),
    );
    job.cancel();
    await job.done;
  });

  it('with APO on the example config: the best validate reward beats the baseline, and the best is latest', async () => {
    const { config } = parseOptimizeConfig(readFileSync(EXAMPLE, 'utf8'), EXAMPLE);
    const { final, events } = await run({ ...config, poll_interval_ms: 10, completion_poll_interval_ms: 15 });
    assert.equal(final.status, 'completed', final.error ?? '');
    const report = final.report!;
    assert.ok(report.mean_reward.validate !== null && report.best!.validate_reward !== null);
    assert.ok(
      report.best!.validate_reward > report.mean_reward.validate,
      `best ${report.best!.validate_reward} > baseline ${report.mean_reward.validate}`,
    );
    assert.equal(report.rounds.length, config.apo!.rounds);
    const latest = (await store.latestResources())!;
    assert.equal(latest.version, report.best!.resources_version);
    assert.notEqual(latest.label, 'initial');
    assert.match(latest.label, /^apo r\d+ c\d+$/);
    assert.equal(latest.resources.system_prompt, report.best!.system_prompt);
    assert.equal(saved[0]!.best.resources_version, latest.version);
    const purposes = new Set((await store.rollouts({ run_id: final.runId })).map((r) => r.metadata.purpose));
    assert.deepEqual([...purposes].sort(), ['baseline', 'candidate', 'gradient', 'leader']);
    assert.ok(report.calls > report.total_rollouts, 'critique and edit calls are counted too');
    assert.deepEqual(
      events.filter((e) => e.type === 'round_start' || e.type === 'round_complete').map((e) => e.type),
      ['round_start', 'round_complete', 'round_start', 'round_complete'],
    );
    assert.equal(existsSync(statusPathFor(storePath)), true);
    assert.equal(statusFile().run_state, 'completed');
  });

  it('resume of an APO run cancelled after round 1: round 1 is not done again, nothing is scored twice', async () => {
    const { config } = parseOptimizeConfig(readFileSync(EXAMPLE, 'utf8'), EXAMPLE);
    const fast = { ...config, poll_interval_ms: 10, completion_poll_interval_ms: 15 };
    let cancelled = false;
    const first = await run(fast, (job, e) => {
      if (e.type === 'round_complete' && !cancelled) {
        cancelled = true;
        job.cancel();
      }
    });
    assert.equal(first.final.status, 'cancelled');
    assert.deepEqual(
      first.final.rounds.map((r) => r.round),
      [1],
    );
    const round1 = first.final.rounds[0]!;
    const versionsBefore = (await store.listResources(first.final.runId)).map((r) => r.version);
    const resumed = await follow(await resumeOptimization(deps(), { runId: first.final.runId }));
    assert.equal(resumed.final.status, 'completed', resumed.final.error ?? '');
    assert.deepEqual(
      resumed.events.filter((e) => e.type === 'round_start').map((e) => e.round),
      [2],
      'round 1 is skipped',
    );
    assert.deepEqual(
      resumed.final.rounds.map((r) => r.round),
      [1, 2],
    );
    assert.deepEqual(resumed.final.rounds[0], round1, 'round 1 as it was');
    const labels = (await store.listResources(first.final.runId)).map((r) => r.label);
    assert.equal(new Set(labels).size, labels.length, 'no candidate made twice');
    assert.ok((await store.listResources(first.final.runId)).length >= versionsBefore.length);
    const keys = (await store.rollouts({ run_id: first.final.runId }))
      .filter((r) => r.status !== 'cancelled')
      .map(
        (r) =>
          `${r.resources_id}|${r.metadata.set}|${r.metadata.item_index}|${r.metadata.purpose}|${r.metadata.round ?? 0}`,
      );
    assert.equal(new Set(keys).size, keys.length, 'no prompt scored twice on the same item for the same purpose');
    const best = resumed.final.report!.best!;
    assert.ok(best.validate_reward! > resumed.final.report!.mean_reward.validate!);
    assert.equal((await store.latestResources())!.version, best.resources_version);
  });
});
