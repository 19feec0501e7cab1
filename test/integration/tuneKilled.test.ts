// `kill -9` of a `prompt-tuner tune` process mid-run: the stored run must not claim to be running forever,
// and what it finished before dying stays readable.
import { strict as assert } from 'node:assert';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { TuneRunsRepository } from '../../src/core/tuning/runsRepository';
import { initialSnapshot } from '../../src/core/tuning/snapshot';
import { startSimulator, type Simulator } from '../sim/server';
import { openWorkspaceStore } from '../../src/core/workspaceStore';
import { CLI_MAIN, killChildAt, simEnv, simTuneArgs } from '../support/cliHarness';

describe('a tuning run whose process is killed', function () {
  this.timeout(60_000);
  let sim: Simulator;
  before(async () => {
    sim = await startSimulator({ latencyMs: 20 });
  });
  after(async () => {
    await sim.close();
  });

  it('is reported as interrupted (failed) with its finished candidates kept', async () => {
    const ws = mkdtempSync(path.join(tmpdir(), 'pt-tune-kill-'));
    const { runId } = await killChildAt<{ type: string; runId: string }>(
      CLI_MAIN,
      simTuneArgs(ws, ['--mode', 'quick', '--population', '4', '--events']),
      { ...process.env, ...simEnv(sim) },
      // Killed after the first candidate's scores are in, in the middle of the generation.
      (event) => event.type === 'prompt_eval_result',
    );

    const store = await openWorkspaceStore({ dir: path.join(ws, '.prompt-tuner') });
    try {
      const runs = new TuneRunsRepository(store);
      const listed = runs.list().find((r) => r.runId === runId);
      assert.equal(listed?.status, 'failed');
      const snapshot = runs.getSnapshot(runId)!;
      assert.equal(snapshot.status, 'failed');
      assert.match(snapshot.error ?? '', /^Interrupted: the process that ran it \(pid \d+\) ended/);
      assert.ok(
        snapshot.generations[0]!.candidates.some((c) => c.score !== null),
        'the scored candidate is kept',
      );
    } finally {
      await store.close();
    }
  });

  it('a pending run of a live process is not reported as interrupted', async () => {
    const ws = mkdtempSync(path.join(tmpdir(), 'pt-tune-live-'));
    const store = await openWorkspaceStore({ dir: path.join(ws, '.prompt-tuner') });
    try {
      const runs = new TuneRunsRepository(store);
      const snapshot = initialSnapshot({
        runId: 'live-run',
        mode: 'quick',
        suite: { name: 'Travel desk', file: 'travel.suite.json' },
        metaModel: 'openai/sim-1',
        targetModels: ['openai/sim-1'],
        basePrompt: 'Base',
        baseVersionId: null,
        generationsPlanned: 1,
        callsPlanned: 10,
        startedAt: new Date().toISOString(),
      });
      runs.create(snapshot, {});
      assert.equal(runs.list()[0]?.status, 'pending');
      assert.equal(runs.getSnapshot('live-run')?.error, null);
    } finally {
      await store.close();
    }
  });
});
