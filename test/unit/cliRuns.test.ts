// `prompt-tuner runs list|show|save-best` over every job kind one workspace holds (a tuning run, a scale run and a
// prompt-optimization run made through the CLI against the simulator), a cancelled run's best prompt saved, and
// a run whose process died listed as interrupted.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { LibraryRepository } from '../../src/core/library/libraryRepository';
import type { RunRow } from '../../src/core/runs/runRow';
import { openWorkspaceStore } from '../../src/core/workspaceStore';
import { startSimulator, type Simulator } from '../sim/server';
import { ROOT, runCliInProcess, simEnv, simTuneArgs, type CliRun } from '../support/cliHarness';

const AGENT = path.join(ROOT, 'examples/hotel-desk.agent.json');

const OPTIMIZE_CONFIG = {
  train: [
    { prompt: 'What is 12 + 7?', expected: '19' },
    { prompt: 'What is the capital of France?', expected: 'Paris' },
  ],
  val: [{ prompt: 'What is 6 times 7?', expected: '42' }],
  resources: { system_prompt: 'You are a concise assistant.' },
  worker_count: 2,
  poll_interval_ms: 10,
  heartbeat_interval_ms: 100,
  completion_poll_interval_ms: 10,
};

const tuneArgs = (ws: string, extra: string[] = []) =>
  simTuneArgs(ws, ['--mode', 'quick', '--population', '2', ...extra]);

const pick = (o: Record<string, unknown>, keys: string[]) => Object.fromEntries(keys.map((k) => [k, o[k]]));

/** A pid no process has any more. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '']);
  return r.pid;
}

describe('prompt-tuner runs (CLI) over every job kind', function () {
  this.timeout(120_000);
  let sim: Simulator;
  let ws: string;
  const ids: Record<'tune' | 'scale' | 'optimize', string> = { tune: '', scale: '', optimize: '' };

  const cli = (args: string[], onOut?: (text: string, abort: () => void) => void): Promise<CliRun> =>
    runCliInProcess(args, {
      cwd: ws,
      env: { ...simEnv(sim), PROMPT_TUNER_SCALE_STAGGER_MS: '0' },
      ...(onOut ? { onOut } : {}),
    });
  const list = async (extra: string[] = []): Promise<RunRow[]> => {
    const r = await cli(['runs', 'list', '--json', '--workspace', ws, ...extra]);
    assert.equal(r.code, 0, r.err);
    return JSON.parse(r.out) as RunRow[];
  };

  before(async () => {
    sim = await startSimulator({ latencyMs: 2 });
    ws = mkdtempSync(path.join(tmpdir(), 'pt-runs-cli-'));
    const tune = await cli([...tuneArgs(ws), '--json']);
    assert.equal(tune.code, 0, tune.err);
    ids.tune = (JSON.parse(tune.out) as { runId: string }).runId;
    const scale = await cli([
      'scale',
      '--workspace',
      ws,
      '--agent',
      AGENT,
      '--model',
      'openai/sim-1',
      '--runs',
      '2',
      '--json',
    ]);
    assert.equal(scale.code, 0, scale.err);
    ids.scale = (JSON.parse(scale.out) as { runId: string }).runId;
    const configFile = path.join(ws, 'po.json');
    writeFileSync(configFile, JSON.stringify(OPTIMIZE_CONFIG));
    const opt = await cli([
      'optimize',
      'run',
      '--workspace',
      ws,
      '--config',
      configFile,
      '--model',
      'openai/sim-1',
      '--json',
    ]);
    assert.equal(opt.code, 0, opt.err);
    ids.optimize = (JSON.parse(opt.out) as { run_id: string }).run_id;
  });
  after(async () => {
    await sim.close();
  });

  it('runs list shows a run of each kind with status, score, calls, cost and duration', async () => {
    const rows = await list();
    for (const kind of ['tune', 'scale', 'optimize'] as const) {
      const row = rows.find((r) => r.runId === ids[kind]);
      assert.ok(row, `the ${kind} run is listed`);
      assert.equal(row.kind, kind);
      assert.equal(row.status, 'completed');
      assert.ok(row.calls !== null && row.calls > 0, `${kind}: calls`);
      assert.ok(row.durationSeconds !== null && row.durationSeconds >= 0, `${kind}: duration`);
      assert.ok(row.bestPrompt !== null || kind === 'scale', `${kind}: best prompt`);
    }
    const tune = rows.find((r) => r.kind === 'tune')!;
    assert.ok(tune.score !== null && tune.score >= 0 && tune.score <= 1);
    // The simulator's models have no price: the cost is unknown, never $0.
    assert.equal(tune.costUsd, null);
    assert.deepEqual(
      (await list(['--kind', 'optimize'])).map((r) => r.runId),
      [ids.optimize],
    );
    const text = await cli(['runs', 'list', '--workspace', ws]);
    assert.equal(text.code, 0, text.err);
    for (const id of Object.values(ids)) assert.ok(text.out.includes(id), text.out);
    assert.ok(!text.out.includes('$0.00'), text.out);
    assert.match(text.out, /unknown/);
  });

  it('runs list refuses an unknown --kind, naming the flag (exit 2)', async () => {
    const r = await cli(['runs', 'list', '--kind', 'eval', '--workspace', ws]);
    assert.equal(r.code, 2);
    assert.match(r.err, /--kind: must be one of tune, scale, optimize, got "eval"/);
  });

  it('runs show prints one run of each kind with its best prompt, by id or a unique prefix', async () => {
    const tune = await cli(['runs', 'show', ids.tune, '--workspace', ws]);
    assert.equal(tune.code, 0, tune.err);
    assert.match(tune.out, new RegExp(`Run ${ids.tune} \\(tune\\): completed`));
    assert.match(tune.out, /Best prompt:\n----\n/);
    assert.match(tune.out, /cost +unknown/);
    const opt = await cli(['runs', 'show', ids.optimize.slice(0, 8), '--workspace', ws, '--json']);
    assert.equal(opt.code, 0, opt.err);
    const row = JSON.parse(opt.out) as RunRow;
    assert.equal(row.runId, ids.optimize);
    assert.equal(row.kind, 'optimize');
    const scale = await cli(['runs', 'show', ids.scale, '--workspace', ws, '--json']);
    assert.equal((JSON.parse(scale.out) as RunRow).kind, 'scale');
    const missing = await cli(['runs', 'show', 'no-such-run', '--workspace', ws]);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /no run "no-such-run" in this workspace/);
  });

  it('runs save-best on a completed run finds the version the run saved, and saves nothing twice', async () => {
    // A completed tuning run and a completed optimization run saved their best prompts themselves.
    const tune = await cli(['runs', 'save-best', ids.tune, '--workspace', ws, '--json']);
    assert.equal(tune.code, 0, tune.err);
    assert.deepEqual(pick(JSON.parse(tune.out) as Record<string, unknown>, ['kind', 'name', 'added']), {
      kind: 'tune',
      name: 'Travel desk (tuned)',
      added: false,
    });
    const opt = await cli(['runs', 'save-best', ids.optimize, '--workspace', ws, '--json']);
    assert.equal(opt.code, 0, opt.err);
    assert.deepEqual(pick(JSON.parse(opt.out) as Record<string, unknown>, ['kind', 'name', 'added']), {
      kind: 'optimize',
      name: 'po (optimized)',
      added: false,
    });
    const shown = await cli(['runs', 'show', ids.tune, '--workspace', ws, '--json']);
    assert.deepEqual((JSON.parse(shown.out) as RunRow).savedVersion, { name: 'Travel desk (tuned)', version: 1 });
  });

  it('a tune cancelled with Ctrl-C says how to save its best prompt, and runs save-best does it', async () => {
    let pressed = false;
    const r = await cli([...tuneArgs(ws), '--population', '3', '--events'], (text, abort) => {
      if (!pressed && text.includes('"type":"prompt_eval_result"')) {
        pressed = true;
        abort();
      }
    });
    assert.equal(r.code, 130, r.err);
    const runId = /"runId":"([^"]+)"/.exec(r.out)![1]!;
    assert.match(r.err, new RegExp(`prompt-tuner runs save-best ${runId}`));
    const row = (await list()).find((x) => x.runId === runId)!;
    assert.equal(row.status, 'cancelled');
    assert.ok(row.bestPrompt !== null, 'the best prompt so far is kept with the run');
    const saved = await cli(['runs', 'save-best', runId.slice(0, 8), '--name', 'travel best', '--workspace', ws]);
    assert.equal(saved.code, 0, saved.err);
    assert.match(
      saved.out,
      new RegExp(`Saved the best prompt of tune run ${runId} \\(cancelled\\) as "travel best" v1`),
    );
    const again = await cli(['runs', 'save-best', runId, '--name', 'travel best', '--workspace', ws, '--json']);
    assert.equal((JSON.parse(again.out) as { added: boolean }).added, false, 'the same text is not saved twice');
    const store = await openWorkspaceStore({ dir: path.join(ws, '.prompt-tuner') });
    try {
      const v = new LibraryRepository(store).resolve({ name: 'travel best' });
      assert.equal(v?.source, 'tuned');
      assert.equal(v.runId, runId);
      assert.equal(v.text, row.bestPrompt);
    } finally {
      await store.close();
    }
    const shown = await cli(['runs', 'show', runId, '--workspace', ws, '--json']);
    assert.deepEqual((JSON.parse(shown.out) as RunRow).savedVersion, { name: 'travel best', version: 1 });
  });

  it('a run whose process died is listed and shown as interrupted, with how to resume it', async () => {
    const store = await openWorkspaceStore({ dir: path.join(ws, '.prompt-tuner') });
    const pid = deadPid();
    try {
      store.write((tx) => {
        tx.run("UPDATE tune_runs SET status = 'running', finished_at = NULL, owner_pid = ? WHERE run_id = ?", [
          pid,
          ids.tune,
        ]);
        tx.run("UPDATE scale_runs SET status = 'running', owner_pid = ? WHERE run_id = ?", [pid, ids.scale]);
      });
    } finally {
      await store.close();
    }
    const rows = await list();
    assert.equal(rows.find((r) => r.runId === ids.tune)?.status, 'interrupted');
    assert.equal(rows.find((r) => r.runId === ids.scale)?.status, 'interrupted');
    const shown = await cli(['runs', 'show', ids.tune, '--workspace', ws]);
    assert.match(shown.out, /: interrupted\n/);
    assert.match(shown.out, new RegExp(`Resume it with: prompt-tuner tune --resume ${ids.tune}`));
  });
});
