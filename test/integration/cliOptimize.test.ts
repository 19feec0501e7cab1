// `prompt-tuner` prompt optimization against the simulator: Tau's command line unchanged (JSON in Tau's key
// order, the legacy aliases' deprecation lines), bad input writing nothing, `optimize status`, Ctrl-C, and a
// child `optimize run` killed with SIGKILL mid-run then resumed: every rollout ends exactly once.
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { LibraryRepository } from '../../src/core/library/libraryRepository';
import { openSqliteRolloutStore } from '../../src/core/optimize/store/sqliteRolloutStore';
import type { OptimizeEvent, OptimizeOverview, OptimizeReport, StatusFile } from '../../src/core/optimize/types';
import { openWorkspaceStore } from '../../src/core/workspaceStore';
import { startSimulator, type Simulator } from '../sim/server';
import { CLI_MAIN, killChildAt, runCliInProcess, simEnv, type CliRun } from '../support/cliHarness';

const QUESTIONS = [
  'What is 12 + 7?',
  'What is 6 times 7?',
  'What is the capital of France?',
  'What is 20 minus 8?',
  'What is the capital of Japan?',
  'What is 9 * 9?',
];
const ANSWERS = ['19', '42', 'Paris', '12', 'Tokyo', '81'];

/** Tau's mode (no apo): 6 optimize + 4 validate items. */
function tauConfig(extra: Record<string, unknown> = {}) {
  return {
    train: QUESTIONS.map((prompt, i) => ({ prompt, expected: ANSWERS[i] })),
    val: QUESTIONS.slice(0, 4).map((prompt, i) => ({ prompt, expected: ANSWERS[i] })),
    resources: { system_prompt: 'You are a concise assistant.' },
    worker_count: 2,
    poll_interval_ms: 10,
    heartbeat_interval_ms: 100,
    completion_poll_interval_ms: 10,
    ...extra,
  };
}
const TOTAL = 10;

const TAU_KEYS = ['model_ref', 'store_path', 'total_rollouts', 'succeeded', 'failed', 'cancelled'];
const OUR_KEYS = ['run_id', 'mean_reward', 'best', 'rounds', 'calls', 'cost_usd'];

function workspace(config: unknown = tauConfig(), name = 'po.json'): { ws: string; configFile: string; store: string } {
  const ws = mkdtempSync(path.join(tmpdir(), 'pt-opt-cli-'));
  const configFile = path.join(ws, name);
  writeFileSync(configFile, typeof config === 'string' ? config : JSON.stringify(config, null, 2));
  return { ws, configFile, store: path.join(ws, 'out', 'store.sqlite') };
}

const readStatus = (store: string) =>
  JSON.parse(readFileSync(path.join(path.dirname(store), 'status.json'), 'utf8')) as StatusFile;

describe('prompt-tuner optimize (CLI) against the simulator', function () {
  this.timeout(120_000);
  let sim: Simulator;
  before(async () => {
    sim = await startSimulator({ latencyMs: 5 });
  });
  after(async () => {
    await sim.close();
  });
  beforeEach(() => {
    sim.reset();
    sim.configure({ latencyMs: 5 });
  });

  const cli = (
    args: string[],
    ws: string,
    opts: { onOut?: (text: string, abort: () => void) => void; env?: NodeJS.ProcessEnv } = {},
  ): Promise<CliRun> =>
    runCliInProcess(args, { cwd: ws, env: opts.env ?? simEnv(sim), ...(opts.onOut ? { onOut: opts.onOut } : {}) });

  it("runs Tau's command line unchanged: the report JSON with Tau's keys first, in order, then ours", async () => {
    const { ws, configFile, store } = workspace();
    const r = await cli(
      [
        '--model',
        'openai/sim-1',
        '--prompt-optimization-config',
        configFile,
        '--prompt-optimization-store-sqlite',
        store,
        '--prompt-optimization-json',
      ],
      ws,
    );
    assert.equal(r.code, 0, r.err);
    const report = JSON.parse(r.out) as OptimizeReport;
    assert.deepEqual(Object.keys(report), [...TAU_KEYS, ...OUR_KEYS]);
    assert.equal(report.model_ref, 'openai/sim-1');
    assert.equal(report.store_path, store);
    assert.equal(report.total_rollouts, TOTAL);
    assert.equal(report.succeeded + report.failed + report.cancelled, TOTAL);
    assert.equal(report.cancelled, 0);
    assert.ok(report.calls >= TOTAL, `at least one call per rollout, got ${report.calls}`);
    assert.ok(existsSync(store), 'the .sqlite file is at the given path');
    const status = readStatus(store);
    assert.equal(status.run_state, 'completed');
    assert.deepEqual(
      [status.total_rollouts, status.succeeded, status.failed, status.cancelled],
      [report.total_rollouts, report.succeeded, report.failed, report.cancelled],
    );
    // The best prompt (the initial one, in Tau's mode) is in the workspace library, linked to the run.
    const lib = await openWorkspaceStore({ dir: path.join(ws, '.prompt-tuner') });
    try {
      const saved = new LibraryRepository(lib).resolve({ name: 'po (optimized)' });
      assert.ok(saved, 'saved under "<config stem> (optimized)"');
      assert.equal(saved.source, 'optimized');
      assert.equal(saved.runId, report.run_id);
      assert.equal(saved.text, report.best?.system_prompt);
    } finally {
      await lib.close();
    }
  });

  it("prints Tau's deprecation line for each legacy alias and still runs", async () => {
    const { ws, configFile, store } = workspace();
    const r = await cli(
      ['--train-config', configFile, `--train-store-sqlite=${store}`, '--train-json', '--model', 'openai/sim-1'],
      ws,
    );
    assert.equal(r.code, 0, r.err);
    for (const [alias, current] of [
      ['--train-config', '--prompt-optimization-config'],
      ['--train-store-sqlite', '--prompt-optimization-store-sqlite'],
      ['--train-json', '--prompt-optimization-json'],
    ]) {
      assert.ok(
        r.err.includes(`deprecated CLI alias '${alias}' detected; use '${current}' instead.\n`),
        `stderr has the line for ${alias}: ${r.err}`,
      );
    }
    assert.equal((JSON.parse(r.out) as OptimizeReport).total_rollouts, TOTAL);
  });

  it("prints Tau's line and a summary in human mode; the default store is .prompt-tuner/training/store.sqlite", async () => {
    const { ws, configFile } = workspace();
    const r = await cli(['optimize', 'run', '--config', configFile, '--model', 'openai/sim-1'], ws);
    assert.equal(r.code, 0, r.err);
    const store = path.join(ws, '.prompt-tuner', 'training', 'store.sqlite');
    assert.ok(
      r.out.includes(`prompt optimization complete: model=openai/sim-1 store=${store} total=${TOTAL} succeeded=`),
      r.out,
    );
    assert.ok(r.out.startsWith(`Prompt optimization run `), r.out);
    assert.match(r.out, /rollouts \d+\/10 done/);
    assert.match(r.out, /Baseline: mean reward optimize \d\.\d{3}, validate \d\.\d{3}/);
    assert.match(r.out, /Saved the best prompt \(version 1\) to the library as "po \(optimized\)" v1/);
    assert.ok(existsSync(store));
    assert.equal(readStatus(store).run_state, 'completed');
  });

  it('reads a relative --store and config from the current folder, reporting the store by its full path', async () => {
    const { ws, configFile } = workspace();
    const r = await cli(
      [
        '--model',
        'openai/sim-1',
        '--prompt-optimization-config',
        'po.json',
        '--prompt-optimization-store-sqlite',
        'rel/store.sqlite',
        '--prompt-optimization-json',
      ],
      ws,
    );
    assert.equal(r.code, 0, r.err);
    const store = path.join(ws, 'rel', 'store.sqlite');
    assert.equal((JSON.parse(r.out) as OptimizeReport).store_path, store);
    assert.ok(existsSync(store));
    assert.equal(readStatus(store).store_path, store);
    assert.ok(existsSync(configFile));
  });

  it('optimizes with APO (the example config): the best beats the baseline, is latest and is in the library with its score', async () => {
    const { ws } = workspace();
    const example = path.join(__dirname, '..', '..', 'examples', 'prompt-optimization.json');
    const store = path.join(ws, 'apo', 'store.sqlite');
    const r = await cli(
      [
        '--model',
        'openai/sim-1',
        '--prompt-optimization-config',
        example,
        '--prompt-optimization-store-sqlite',
        store,
        '--prompt-optimization-json',
      ],
      ws,
    );
    assert.equal(r.code, 0, r.err);
    const report = JSON.parse(r.out) as OptimizeReport;
    assert.ok(report.rounds.length >= 1, 'APO ran');
    assert.ok(report.best && report.best.validate_reward !== null && report.mean_reward.validate !== null);
    assert.ok(
      report.best.validate_reward > report.mean_reward.validate,
      `best ${report.best.validate_reward} > baseline ${report.mean_reward.validate}`,
    );
    const s = await openSqliteRolloutStore(store, { create: false });
    try {
      assert.equal((await s.latestResources())?.version, report.best.resources_version);
    } finally {
      await s.close();
    }
    const lib = await openWorkspaceStore({ dir: path.join(ws, '.prompt-tuner') });
    try {
      const saved = new LibraryRepository(lib).resolve({ name: 'prompt-optimization (optimized)' });
      assert.ok(saved);
      assert.deepEqual(
        [saved.source, saved.score, saved.runId, saved.text],
        ['optimized', report.best.validate_reward, report.run_id, report.best.system_prompt],
      );
    } finally {
      await lib.close();
    }
  });

  it('--apo turns APO on for a config without it', async () => {
    const { ws, configFile, store } = workspace();
    const r = await cli(
      [
        'optimize',
        'run',
        '--config',
        configFile,
        '--store',
        store,
        '--model',
        'openai/sim-1',
        '--apo',
        '--meta-model',
        'openai/sim-1',
        '--json',
      ],
      ws,
    );
    assert.equal(r.code, 0, r.err);
    assert.ok((JSON.parse(r.out) as OptimizeReport).rounds.length >= 1);
  });

  it('exits 2 for a bad config and creates nothing: no store, no folder, no status.json', async () => {
    const cases: [config: unknown, message: string][] = [
      ['{"train": [', "failed to parse prompt-optimization config '"],
      ['[]', 'expected JSON object'],
      [{ optimize: [], validate: [] }, "must contain at least one rollout in 'optimize' or 'validate'"],
      [tauConfig({ worker_count: 0 }), "training config field 'worker_count' must be greater than 0"],
      [
        tauConfig({ completion_timeout_secs: -1 }),
        "training config field 'completion_timeout_secs' must be greater than 0",
      ],
      [{ optimize: ['a'], train: ['b'] }, "both 'optimize' and its alias 'train'"],
      [
        tauConfig({ reward: { type: 'regex' }, train: [{ prompt: 'q', expected: '(' }] }),
        "field 'train[0].expected' is not a valid regular expression",
      ],
    ];
    for (const [config, message] of cases) {
      const { ws, configFile, store } = workspace(config);
      const r = await cli(
        [
          '--model',
          'openai/sim-1',
          '--prompt-optimization-config',
          configFile,
          '--prompt-optimization-store-sqlite',
          store,
          '--prompt-optimization-json',
        ],
        ws,
      );
      assert.equal(r.code, 2, `${JSON.stringify(config)}: ${r.err}`);
      assert.ok(r.err.includes(message), `stderr says ${message}: ${r.err}`);
      assert.equal(r.out, '');
      assert.ok(!existsSync(path.dirname(store)), `nothing created for ${JSON.stringify(config)}`);
      assert.deepEqual(readdirSync(ws), ['po.json']);
    }
  });

  it('exits 2 without a key, an unknown provider or a missing config file, creating nothing', async () => {
    const { ws, configFile, store } = workspace();
    const noKey = await cli(
      ['optimize', 'run', '--config', configFile, '--store', store, '--model', 'anthropic/claude-sonnet-4-5'],
      ws,
      { env: {} },
    );
    assert.equal(noKey.code, 2);
    assert.match(noKey.err, /no API key for anthropic \(anthropic\/claude-sonnet-4-5\): set ANTHROPIC_API_KEY/);
    const meta = await cli(
      [
        'optimize',
        'run',
        '--config',
        configFile,
        '--store',
        store,
        '--model',
        'openai/sim-1',
        '--apo',
        '--meta-model',
        'anthropic/claude-sonnet-4-5',
      ],
      ws,
    );
    assert.equal(meta.code, 2);
    assert.match(meta.err, /no API key for anthropic \(anthropic\/claude-sonnet-4-5\): set ANTHROPIC_API_KEY/);
    const unknown = await cli(
      ['optimize', 'run', '--config', configFile, '--store', store, '--model', 'nowhere/x'],
      ws,
    );
    assert.equal(unknown.code, 2);
    assert.match(unknown.err, /--model: unknown provider "nowhere"/);
    const missing = await cli(
      ['optimize', 'run', '--config', path.join(ws, 'absent.json'), '--store', store, '--model', 'openai/sim-1'],
      ws,
    );
    assert.equal(missing.code, 2);
    assert.ok(
      missing.err.includes(`failed to read prompt-optimization config '${path.join(ws, 'absent.json')}'`),
      missing.err,
    );
    const noModel = await cli(['optimize', 'run', '--config', configFile, '--store', store], ws);
    assert.equal(noModel.code, 2);
    assert.match(noModel.err, /--model ID is required/);
    assert.deepEqual(readdirSync(ws), ['po.json']);
  });

  it('names unknown keys in a warning on stderr, keeping --json output clean', async () => {
    const { ws, configFile, store } = workspace(tauConfig({ learning_rate: 0.1 }));
    const r = await cli(
      ['optimize', 'run', '--config', configFile, '--store', store, '--model', 'openai/sim-1', '--json'],
      ws,
    );
    assert.equal(r.code, 0, r.err);
    assert.ok(
      r.err.includes(`warning: prompt-optimization config '${configFile}': unknown key ignored: 'learning_rate'`),
      r.err,
    );
    assert.equal((JSON.parse(r.out) as OptimizeReport).total_rollouts, TOTAL);
  });

  it('optimize status --json shows the runs and counters; a re-run on the same store keeps the first run', async () => {
    const { ws, configFile, store } = workspace();
    const missing = await cli(['optimize', 'status', '--store', store, '--json'], ws);
    assert.equal(missing.code, 2);
    assert.ok(missing.err.includes(`no prompt-optimization store at '${store}'`), missing.err);
    assert.ok(!existsSync(store), 'status never creates a store');

    const first = JSON.parse(
      (
        await cli(
          ['optimize', 'run', '--config', configFile, '--store', store, '--model', 'openai/sim-1', '--json'],
          ws,
        )
      ).out,
    ) as OptimizeReport;
    const second = JSON.parse(
      (
        await cli(
          ['optimize', 'run', '--config', configFile, '--store', store, '--model', 'openai/sim-1', '--json'],
          ws,
        )
      ).out,
    ) as OptimizeReport;
    assert.notEqual(first.run_id, second.run_id);
    const r = await cli(['optimize', 'status', '--store', store, '--json'], ws);
    assert.equal(r.code, 0, r.err);
    const o = JSON.parse(r.out) as OptimizeOverview;
    assert.deepEqual(
      o.runs.map((x) => x.run_id),
      [second.run_id, first.run_id],
    );
    assert.deepEqual(
      o.runs.map((x) => x.status),
      ['completed', 'completed'],
    );
    assert.equal(o.counters.total_rollouts, 2 * TOTAL);
    assert.equal(o.runs[1]!.counters.total_rollouts, TOTAL);
    assert.equal(o.training.status_present, true);
    const human = await cli(['optimize', 'status', '--store', store, '--run', first.run_id], ws);
    assert.equal(human.code, 0, human.err);
    assert.ok(human.out.includes(`Run ${first.run_id} (#1): completed`), human.out);
    const noRun = await cli(['optimize', 'status', '--store', store, '--run', 'nope'], ws);
    assert.equal(noRun.code, 2);
  });

  it("a completion timeout fails the run: exit 1 with Tau's message, status.json failed", async () => {
    sim.configure({ latencyMs: 800 });
    const { ws, configFile, store } = workspace(tauConfig({ completion_timeout_secs: 0.2 }));
    const r = await cli(['optimize', 'run', '--config', configFile, '--store', store, '--model', 'openai/sim-1'], ws);
    assert.equal(r.code, 1, `${r.out}\n${r.err}`);
    assert.match(r.err, /prompt-tuner optimize run: the run failed: trainer timeout waiting for rollouts to complete/);
    assert.match(r.err, /Resume it with: prompt-tuner optimize resume/);
    assert.equal(readStatus(store).run_state, 'failed');
  });

  it('Ctrl-C cancels: exit 130, the resume command on stderr, status.json cancelled', async () => {
    sim.configure({ latencyMs: 60 });
    const { ws, configFile, store } = workspace();
    let pressed = false;
    const r = await cli(['optimize', 'run', '--config', configFile, '--store', store, '--model', 'openai/sim-1'], ws, {
      onOut: (text, abort) => {
        if (!pressed && /rollouts \d+\/10 done/.test(text)) {
          pressed = true;
          abort();
        }
      },
    });
    assert.equal(r.code, 130, `${r.out}\n${r.err}`);
    assert.ok(
      r.err.includes(`Resume it with: prompt-tuner optimize resume --store ${JSON.stringify(store)} --run `),
      r.err,
    );
    assert.equal(readStatus(store).run_state, 'cancelled');
  });

  it('a child optimize run killed with SIGKILL mid-run, then optimize resume: completed, every rollout ended exactly once', async () => {
    sim.configure({ latencyMs: 40 });
    const { ws, configFile, store } = workspace(tauConfig({ max_attempts: 3 }));
    const env = { ...process.env, ...simEnv(sim) };
    const killedAt = await killChildAt<OptimizeEvent>(
      CLI_MAIN,
      [
        'optimize',
        'run',
        '--config',
        configFile,
        '--store',
        store,
        '--model',
        'openai/sim-1',
        '--events',
        '--workspace',
        ws,
      ],
      env,
      (e) => e.type === 'progress' && e.counters.succeeded >= 2 && e.counters.running >= 1,
    );
    assert.equal(killedAt.type, 'progress');
    assert.equal(readStatus(store).run_state, 'running', 'status.json still says running after the kill');

    const before = await cli(['optimize', 'status', '--store', store, '--json'], ws);
    const overview = JSON.parse(before.out) as OptimizeOverview;
    assert.ok(overview.runs[0]!.interrupted, 'the killed run reads back as interrupted');
    const human = await cli(['optimize', 'status', '--store', store], ws);
    assert.ok(human.out.includes(`Run ${killedAt.runId} (#1): interrupted`), human.out);
    assert.ok(
      human.out.includes(
        `Resume it with: prompt-tuner optimize resume --store ${JSON.stringify(store)} --run ${killedAt.runId}`,
      ),
      human.out,
    );

    const r = await cli(['optimize', 'resume', '--store', store, '--json'], ws);
    assert.equal(r.code, 0, r.err);
    const report = JSON.parse(r.out) as OptimizeReport;
    assert.equal(report.run_id, killedAt.runId);
    assert.equal(report.total_rollouts, TOTAL);
    assert.equal(report.succeeded, TOTAL);
    assert.equal(readStatus(store).run_state, 'completed');

    const s = await openSqliteRolloutStore(store, { create: false });
    try {
      const rollouts = await s.rollouts({ run_id: report.run_id });
      assert.equal(rollouts.length, TOTAL, 'nothing enqueued twice');
      const attempts = await s.attempts({ run_id: report.run_id });
      for (const ro of rollouts) {
        assert.equal(ro.status, 'succeeded', `${ro.rollout_id} is ${ro.status}`);
        const mine = attempts.filter((a) => a.rollout_id === ro.rollout_id);
        assert.equal(mine.filter((a) => a.status === 'succeeded').length, 1, `${ro.rollout_id} succeeded exactly once`);
        assert.ok(
          mine.every((a) => a.status !== 'running' && a.status !== 'preparing'),
          `${ro.rollout_id}: no attempt left running`,
        );
      }
      // The attempts the kill cut off were taken by resume's sweep and their rollouts done again.
      const cut = attempts.filter((a) => a.status === 'unresponsive');
      assert.ok(
        cut.length >= 1,
        `the killed process left an attempt in flight: ${attempts.map((a) => `${a.attempt_id} ${a.status}`).join(', ')}`,
      );
      for (const a of cut)
        assert.ok(
          attempts.some(
            (b) => b.rollout_id === a.rollout_id && b.sequence_id > a.sequence_id && b.status === 'succeeded',
          ),
          `${a.rollout_id} was retried to success`,
        );
      assert.equal((await s.counters(report.run_id)).succeeded, TOTAL);
    } finally {
      await s.close();
    }
  });

  it('optimize resume with nothing to resume, or no store, exits 2', async () => {
    const { ws, configFile, store } = workspace();
    const none = await cli(['optimize', 'resume', '--store', store], ws);
    assert.equal(none.code, 2);
    assert.ok(none.err.includes(`no prompt-optimization store at '${store}'`), none.err);
    assert.equal(
      (
        await cli(
          ['optimize', 'run', '--config', configFile, '--store', store, '--model', 'openai/sim-1', '--json'],
          ws,
        )
      ).code,
      0,
    );
    const done = await cli(['optimize', 'resume', '--store', store], ws);
    assert.equal(done.code, 2, done.err);
  });

  it('--help of every optimize command, and the top help lists them', async () => {
    const { ws } = workspace();
    const run = await cli(['optimize', 'run', '--help'], ws);
    for (const flag of [
      '--config',
      '--store',
      '--json',
      '--model',
      '--meta-model',
      '--apo',
      '--events',
      '--workspace',
      '--prompt-optimization-config',
      '--prompt-optimization-store-sqlite',
      '--prompt-optimization-json',
      '--train-config',
    ]) {
      assert.ok(run.out.includes(flag), `run help mentions ${flag}`);
    }
    for (const [cmd, flags] of [
      ['status', ['--store', '--json', '--run']],
      ['resume', ['--store', '--run', '--model', '--json']],
      ['dashboard', ['--store', '--port']],
    ] as const) {
      const h = await cli(['optimize', cmd, '--help'], ws);
      assert.equal(h.code, 0);
      for (const f of flags) assert.ok(h.out.includes(f), `${cmd} help mentions ${f}`);
    }
    const top = await cli(['--help'], ws);
    for (const c of ['optimize run', 'optimize resume', 'optimize status', 'optimize dashboard'])
      assert.ok(top.out.includes(c), `top help lists ${c}`);
  });

  it('optimize dashboard serves the store on 127.0.0.1 until Ctrl-C', async () => {
    const { ws, configFile, store } = workspace();
    assert.equal(
      (
        await cli(
          ['optimize', 'run', '--config', configFile, '--store', store, '--model', 'openai/sim-1', '--json'],
          ws,
        )
      ).code,
      0,
    );
    let body: { training?: { run_state?: string } } | undefined;
    let fetched: Promise<void> | undefined;
    const r = await cli(['optimize', 'dashboard', '--store', store, '--port', '0'], ws, {
      onOut: (text, abort) => {
        const url = /http:\/\/127\.0\.0\.1:\d+\//.exec(text)?.[0];
        if (!url || fetched) return;
        fetched = (async () => {
          try {
            body = (await (await fetch(`${url}gateway/training/status`)).json()) as typeof body;
          } finally {
            abort();
          }
        })();
      },
    });
    await fetched;
    assert.equal(r.code, 0, r.err);
    assert.equal(body?.training?.run_state, 'completed');
  });
});
