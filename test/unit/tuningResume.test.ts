// `prompt-tuner tune --resume RUN_ID` against the simulator: a cancelled run and a killed (interrupted) run go
// on from what is stored; the simulator's call counters show that no finished evaluation and no written prompt
// is asked for again, and that the estimate of what is left is what the resume spends.
import { strict as assert } from 'node:assert';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { TuneRunsRepository } from '../../src/core/tuning/runsRepository';
import { openWorkspaceStore } from '../../src/core/workspaceStore';
import { startSimulator, type Simulator } from '../sim/server';
import { CLI_MAIN, killChildAt, runCliInProcess, simEnv, simTuneArgs, type CliRun } from '../support/cliHarness';

const CASES = 16;

/** Stored case results of a run, and whether any case × model pair of a candidate is stored twice. */
async function storedResults(ws: string, runId: string): Promise<{ count: number; pairs: Set<string> }> {
  const store = await openWorkspaceStore({ dir: path.join(ws, '.prompt-tuner') });
  try {
    const rows = new TuneRunsRepository(store).caseResults(runId);
    return { count: rows.length, pairs: new Set(rows.map((r) => `${r.candidateId}/${r.caseId}/${r.model}`)) };
  } finally {
    await store.close();
  }
}

describe('prompt-tuner tune --resume', function () {
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

  const cli = (ws: string, args: string[], onOut?: (text: string, abort: () => void) => void): Promise<CliRun> =>
    runCliInProcess(args, { cwd: ws, env: simEnv(sim), ...(onOut ? { onOut } : {}) });

  it('continues a cancelled evolutionary run: no finished evaluation or written prompt is made again', async () => {
    const ws = mkdtempSync(path.join(tmpdir(), 'pt-resume-'));
    let pressed = false;
    const first = await cli(
      ws,
      simTuneArgs(ws, ['--mode', 'evolutionary', '--population', '3', '--generations', '2', '--events']),
      (text, abort) => {
        if (!pressed && text.includes('"type":"prompt_eval_result"')) {
          pressed = true;
          abort();
        }
      },
    );
    assert.equal(first.code, 130, first.err);
    const runId = /"runId":"([^"]+)"/.exec(first.out)![1]!;
    assert.match(first.err, new RegExp(`Resume it with: prompt-tuner tune --resume ${runId}`));
    const before = await storedResults(ws, runId);
    // population 3, 2 generations, 1 survivor… 2: generation 1 is 3 prompts, generation 2 one child.
    const planned = 2 + 1 + (3 + 1) * CASES;

    const estimate = await cli(ws, ['tune', '--resume', runId, '--workspace', ws, '--estimate', '--json']);
    assert.equal(estimate.code, 0, estimate.err);
    const left = JSON.parse(estimate.out) as { calls: number; evaluationsKept: number; evalCalls: number };
    assert.equal(left.evaluationsKept, before.count);
    assert.equal(left.evalCalls, 4 * CASES - before.count);

    sim.reset();
    const resumed = await cli(ws, ['tune', '--resume', runId, '--workspace', ws, '--json']);
    assert.equal(resumed.code, 0, resumed.err);
    const counters = sim.counters();
    assert.equal(counters.byMode.target, 4 * CASES - before.count, 'only the evaluations not stored are made');
    assert.equal(counters.calls, left.calls, 'the estimate of what is left is what the resume spends');
    const result = JSON.parse(resumed.out) as { runId: string; status: string; calls: number; notes: string[] };
    assert.equal(result.runId, runId, 'the same run goes on');
    assert.equal(result.status, 'completed');
    assert.equal(result.calls, planned, 'calls before and after the resume add up to the plan');
    assert.ok(
      result.notes.some((n) => /^Resumed at .*finished evaluations kept/.test(n)),
      result.notes.join('\n'),
    );
    const after = await storedResults(ws, runId);
    assert.equal(after.count, 4 * CASES);
    assert.equal(after.pairs.size, after.count, 'no case × model pair of a candidate is stored twice');
  });

  it('continues a run whose process was killed (interrupted)', async () => {
    const ws = mkdtempSync(path.join(tmpdir(), 'pt-resume-kill-'));
    sim.configure({ latencyMs: 40 });
    const { runId } = await killChildAt<{ type: string; runId: string; promptId?: string }>(
      CLI_MAIN,
      simTuneArgs(ws, ['--mode', 'quick', '--population', '3', '--events']),
      { ...process.env, ...simEnv(sim) },
      (e) => e.type === 'prompt_eval_result',
    );
    const listed = await cli(ws, ['runs', 'show', runId, '--workspace', ws, '--json']);
    assert.equal((JSON.parse(listed.out) as { status: string }).status, 'interrupted');
    const before = await storedResults(ws, runId);
    assert.ok(before.count >= CASES, 'the first candidate is stored');
    sim.reset();
    sim.configure({ latencyMs: 5 });
    // A unique prefix names the run, as in `runs show`; what is printed is the whole id.
    const resumed = await cli(ws, ['tune', '--resume', runId.slice(0, 8), '--workspace', ws]);
    assert.equal(resumed.code, 0, resumed.err);
    assert.match(resumed.out, new RegExp(`Resuming run ${runId} .*: ${before.count} finished evaluations kept`));
    assert.equal(sim.counters().byMode.meta, 0, 'the variants written before the kill are not asked for again');
    assert.equal(sim.counters().byMode.target, 3 * CASES - before.count);
    const shown = await cli(ws, ['runs', 'show', runId, '--workspace', ws, '--json']);
    assert.equal((JSON.parse(shown.out) as { status: string }).status, 'completed');
  });

  it('refuses a completed run, an unknown run and run settings given again (exit 2, no call)', async () => {
    const ws = mkdtempSync(path.join(tmpdir(), 'pt-resume-refuse-'));
    const done = await cli(ws, simTuneArgs(ws, ['--mode', 'quick', '--population', '2', '--json']));
    assert.equal(done.code, 0, done.err);
    const runId = (JSON.parse(done.out) as { runId: string }).runId;
    sim.reset();
    const cases: [string[], RegExp][] = [
      [['tune', '--resume', runId, '--workspace', ws], /run .* is already completed; nothing to resume/],
      [['tune', '--resume', 'nope', '--workspace', ws], /no tuning run nope in this workspace/],
      [['tune', '--resume', runId, '--workspace', ws, '--population', '4'], /drop --population/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(ws, args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
      assert.match(r.err, message);
    }
    assert.equal(sim.counters().calls, 0);
  });
});
