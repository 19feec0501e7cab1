// resumeTuning in the engine, on a fake gateway playing the simulator: a candidate whose evaluations were only
// partly stored when the run stopped gets only its missing case × model pairs evaluated, with two target models
// and a validation split, and the resumed run ends where an uninterrupted one would.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { etaSeconds } from '../../src/core/jobs/job';
import { loadTuneResume } from '../../src/core/runs/tuneResume';
import { tuneRun } from '../../src/core/runs/tuneRuns';
import { resumeTuning, startTuning, TuneResumeError } from '../../src/core/tuning/engine';
import { parseTuneConfig } from '../../src/core/tuning/config';
import { TuneRunsRepository } from '../../src/core/tuning/runsRepository';
import { initialSnapshot } from '../../src/core/tuning/snapshot';
import type { TuneRunSnapshot } from '../../src/core/tuning/types';
import { fakeLibrary, memoryStore, miniSuite, simGateway } from './tuningFakes';

const CASES = 6;
const MODELS = ['openai/sim-a', 'openai/sim-b'];
const config = parseTuneConfig({
  suiteFile: 'mini.suite.json',
  mode: 'evolutionary',
  metaModel: 'openai/sim-meta',
  targetModels: MODELS,
  basePrompt: 'You are a helpful travel assistant.',
  population: 3,
  generations: 2,
  validationSplit: 0.34,
});

describe('tuning engine: resume from what is stored', () => {
  it('evaluates only the missing pairs of a partly evaluated candidate, and ends as an uninterrupted run does', async () => {
    const store = await memoryStore();
    const lib = fakeLibrary();
    // Cancelled in the middle of the second prompt's evaluations (after 5 of its 12).
    let secondCalls = 0;
    const first = simGateway({ delayMs: 2 });
    const job = startTuning(config, {
      suite: miniSuite(),
      gateway: first,
      store,
      library: lib.library,
      flushIntervalMs: 1,
    });
    job.onEvent((e) => {
      if (e.type === 'progress' && e.promptId === 'g1-p2' && e.evaluated !== undefined) {
        secondCalls = e.evaluated;
        if (secondCalls === 5) job.cancel('stop here');
      }
    });
    const cancelled = await job.done;
    assert.equal(cancelled.status, 'cancelled');
    const repo = new TuneRunsRepository(store);
    const kept = repo.caseResults(job.runId, 'g1-p2').length;
    assert.ok(kept >= 5 && kept < CASES * MODELS.length, `partly stored: ${kept}`);

    const again = simGateway();
    const resumed = resumeTuning(job.runId, { suite: miniSuite(), gateway: again, store, library: lib.library });
    const final: TuneRunSnapshot = await resumed.done;
    assert.equal(final.status, 'completed', final.error ?? '');
    assert.equal(resumed.runId, job.runId);
    const systems = again.systemsEvaluated();
    const second = cancelled.generations[0]!.candidates.find((c) => c.id === 'g1-p2')!.text;
    assert.equal(systems.get(second), CASES * MODELS.length - kept, 'only the missing pairs of g1-p2');
    const base = cancelled.generations[0]!.candidates.find((c) => c.id === 'g1-p1')!.text;
    assert.equal(systems.get(base), undefined, 'the scored base prompt is not evaluated again');
    // Generation 1 was written before: only generation 2's child is asked for (once more after a duplicate reply).
    const retries = (final.metaRetries ?? 0) - (cancelled.metaRetries ?? 0);
    assert.equal(again.metaCalls(), 1 + retries);
    const all = repo.caseResults(job.runId);
    assert.equal(new Set(all.map((r) => `${r.candidateId}/${r.caseId}/${r.model}`)).size, all.length);
    assert.equal(final.callsDone, final.callsPlanned, 'progress ends at 100% of the plan');
    assert.equal(
      resumed.estimate.calls + retries,
      again.requests.length,
      'the estimate (plus any retry) is what the resume spent',
    );
    assert.equal(final.generations.length, 2);
    assert.ok(final.best && final.best.validationScore !== null);
    assert.throws(
      () => resumeTuning(job.runId, { suite: miniSuite(), gateway: again, store, library: lib.library }),
      (e: unknown) => e instanceof TuneResumeError && /already completed/.test(e.message),
    );
  });

  it('does not count the pause before a resume in the duration or the ETA', async () => {
    const store = await memoryStore();
    const lib = fakeLibrary();
    const job = startTuning(config, { suite: miniSuite(), gateway: simGateway(), store, library: lib.library });
    job.onEvent((e) => {
      if (e.type === 'prompt_eval_result') job.cancel('stop here');
    });
    const cancelled = await job.done;
    assert.equal(cancelled.status, 'cancelled');
    // The first part ran 5 s and stopped an hour ago (explicit times, written as a stopped run stores them).
    const stoppedAt = Date.parse(cancelled.finishedAt!) - 3_600_000;
    const moved = {
      ...cancelled,
      startedAt: new Date(stoppedAt - 5_000).toISOString(),
      finishedAt: new Date(stoppedAt).toISOString(),
    };
    store.write((tx) => {
      tx.run('UPDATE tune_runs SET snapshot_json = ?, started_at = ? WHERE run_id = ?', [
        JSON.stringify(moved),
        moved.startedAt,
        job.runId,
      ]);
    });

    const resumed = resumeTuning(job.runId, { suite: miniSuite(), gateway: simGateway(), store, library: lib.library });
    const etas: { shown: number | null; sinceResume: number | null; sinceStart: number | null }[] = [];
    resumed.onEvent((e) => {
      if (e.type !== 'progress' || e.callsDone === e.callsPlanned) return;
      const s = resumed.snapshot();
      const kept = cancelled.callsDone;
      etas.push({
        shown: s.etaSeconds,
        sinceResume: etaSeconds(Date.parse(s.resumedAt!), Date.parse(e.at), e.callsDone - kept, e.callsPlanned - kept),
        sinceStart: etaSeconds(Date.parse(moved.startedAt), Date.parse(e.at), e.callsDone, e.callsPlanned),
      });
    });
    const final = await resumed.done;
    assert.equal(final.status, 'completed', final.error ?? '');
    assert.equal(final.activeSecondsBefore, 5, 'the 5 s before the pause');
    assert.equal(final.callsDoneAtResume, cancelled.callsDone);
    const since = Date.parse(final.finishedAt!) - Date.parse(final.resumedAt!);
    const row = tuneRun(store, job.runId)!;
    assert.equal(row.durationSeconds, Math.round((5 + since / 1000) * 10) / 10, 'run time before and after the pause');
    assert.ok(etas.length > 0);
    for (const eta of etas) {
      assert.equal(eta.shown, eta.sinceResume, 'the ETA is the pace of the calls made since the resume');
      assert.notEqual(eta.shown, eta.sinceStart);
    }
  });

  it('takes the last write of a run whose process died as the time it stopped', async () => {
    const store = await memoryStore();
    const repo = new TuneRunsRepository(store);
    const s = { ...startedSnapshot(), status: 'running' as const };
    repo.create(s, config);
    const deadPid = spawnSync(process.execPath, ['-e', '']).pid;
    const lastWrite = '2026-11-30T08:00:00.000Z';
    store.write((tx) => {
      tx.run('UPDATE tune_runs SET status = ?, owner_pid = ?, updated_at = ? WHERE run_id = ?', [
        'running',
        deadPid,
        lastWrite,
        s.runId,
      ]);
    });
    const state = loadTuneResume(repo, s.runId);
    assert.ok(state.interrupted);
    assert.equal(state.stoppedAt, lastWrite);
  });
});

/** A stored-looking snapshot of a run that has only started. */
function startedSnapshot(): TuneRunSnapshot {
  return initialSnapshot({
    runId: 'run-died',
    mode: 'quick',
    suite: { name: 'mini', file: 'mini.suite.json' },
    metaModel: config.metaModel,
    targetModels: MODELS,
    basePrompt: config.basePrompt,
    baseVersionId: null,
    generationsPlanned: 1,
    callsPlanned: 10,
    startedAt: '2026-11-30T07:00:00.000Z',
  });
}
