// `scale --resume` and the run index: a resumed scale run's duration (runs list/show) counts the time it ran
// before it stopped and the time since the resume, not the pause between. Both stretches are set explicitly in
// the store; the resumed part is measured from the times its own events carry.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Agent } from '../../src/core/agents/agentSchema';
import { loadAgent } from '../../src/core/agents/loadAgent';
import { createPriceBook } from '../../src/core/models/prices';
import { scaleRun } from '../../src/core/runs/scaleRuns';
import { parseScaleConfig } from '../../src/core/scale/config';
import { resumeScaleRun, startScaleRun, type ScaleDeps, type ScaleJob } from '../../src/core/scale/engine';
import type { ScaleEvaluator } from '../../src/core/scale/grading/evaluator';
import { ScaleRunsRepository } from '../../src/core/scale/runsRepository';
import type { ScaleRunSnapshot } from '../../src/core/scale/types';
import type { Store } from '../../src/core/store/store';
import { openWorkspaceStore } from '../../src/core/workspaceStore';
import { simGateway } from './tuningFakes';

const AGENT_FILE = path.join(__dirname, '..', '..', 'examples', 'hotel-desk.agent.json');
const evaluator: ScaleEvaluator = { kind: 'builtin', grade: () => Promise.resolve([]) };

describe('scale resume: the duration of a resumed run', () => {
  const stores: Store[] = [];
  let agent: Agent;
  before(async () => {
    agent = await loadAgent(AGENT_FILE);
  });
  after(async () => {
    for (const s of stores) await s.close();
  });

  async function deps(): Promise<ScaleDeps> {
    const dir = path.join(mkdtempSync(path.join(tmpdir(), 'pt-scale-resume-')), '.prompt-tuner');
    const store = await openWorkspaceStore({ dir });
    stores.push(store);
    return { agent, gateway: simGateway(), store, prices: createPriceBook(), evaluator, staggerMs: [0, 0] };
  }

  /** Stops the job as soon as it has started (its scale_start is stored), and waits for its end. */
  async function stopAtStart(job: ScaleJob): Promise<{ final: ScaleRunSnapshot; startedAt: string }> {
    let startedAt = '';
    job.onEvent((e) => {
      if (e.type !== 'scale_start') return;
      startedAt = e.at;
      job.cancel('stop here');
    });
    const final = await job.done;
    assert.equal(final.status, 'cancelled', final.error ?? '');
    return { final, startedAt };
  }

  /** Rewrites the stored run's times (and status), as a run that ran then stores them. */
  function storeTimes(store: Store, runId: string, s: ScaleRunSnapshot, updatedAt: string, ownerPid?: number): void {
    store.write((tx) => {
      tx.run(
        'UPDATE scale_runs SET status = ?, snapshot_json = ?, started_at = ?, updated_at = ?, owner_pid = COALESCE(?, owner_pid) WHERE run_id = ?',
        [s.status, JSON.stringify(s), s.startedAt, updatedAt, ownerPid ?? null, runId],
      );
    });
  }

  const config = parseScaleConfig({
    agentFile: AGENT_FILE,
    agentModel: 'openai/sim-1',
    systemPrompt: 'You are the front desk.',
    runs: 2,
    concurrency: 1,
  });

  it('counts the 5 s before a cancel and the time since the resume, not the hour between', async () => {
    const d = await deps();
    const first = await stopAtStart(startScaleRun(config, d));
    const runId = first.final.runId;
    // It ran 5 s and was cancelled an hour before the resume.
    const stoppedAt = Date.parse(first.final.finishedAt!) - 3_600_000;
    const moved = {
      ...first.final,
      startedAt: new Date(stoppedAt - 5_000).toISOString(),
      finishedAt: new Date(stoppedAt).toISOString(),
    };
    storeTimes(d.store, runId, moved, moved.finishedAt);

    const resumed = await stopAtStart(await resumeScaleRun(runId, d));
    assert.equal(resumed.final.runId, runId);
    assert.equal(resumed.final.resumedAt, resumed.startedAt);
    assert.equal(resumed.final.activeSecondsBefore, 5, 'the 5 s before the pause');
    const row = scaleRun(d.store, runId)!;
    const since = Date.parse(resumed.final.finishedAt!) - Date.parse(resumed.startedAt);
    assert.equal(row.durationSeconds, Math.round((5 + since / 1000) * 10) / 10, 'run time before and after the pause');
    assert.equal(row.resumedAt, resumed.startedAt, 'runs show says when it was resumed');
  });

  it('takes the last write of a run whose process died as the time it stopped', async () => {
    const d = await deps();
    const first = await stopAtStart(startScaleRun(config, d));
    const runId = first.final.runId;
    // Killed 7 s after its start, a day before the resume: no closing event, only its last write.
    const startedAt = Date.parse(first.final.finishedAt!) - 86_400_000;
    const died = {
      ...first.final,
      status: 'running' as const,
      startedAt: new Date(startedAt).toISOString(),
      finishedAt: null,
    };
    const deadPid = spawnSync(process.execPath, ['-e', '']).pid;
    storeTimes(d.store, runId, died, new Date(startedAt + 7_000).toISOString(), deadPid);
    assert.ok(new ScaleRunsRepository(d.store).status(runId)?.interrupted, 'reads as interrupted');
    assert.equal(scaleRun(d.store, runId)!.durationSeconds, 7);

    const resumed = await stopAtStart(await resumeScaleRun(runId, d));
    assert.equal(resumed.final.activeSecondsBefore, 7);
    const since = Date.parse(resumed.final.finishedAt!) - Date.parse(resumed.startedAt);
    assert.equal(scaleRun(d.store, runId)!.durationSeconds, Math.round((7 + since / 1000) * 10) / 10);
  });
});
