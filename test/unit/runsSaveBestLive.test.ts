// `prompt-tuner runs save-best` on a tuning run another process is still running: that process's next snapshot
// write carries its own in-memory savedVersion (none), and must not undo the save. Two stores on one workspace
// folder play the two processes.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { LibraryRepository } from '../../src/core/library/libraryRepository';
import { saveRunBest, type SavedBest } from '../../src/core/runs/saveBest';
import { tuneRun } from '../../src/core/runs/tuneRuns';
import type { Store } from '../../src/core/store/store';
import { startTuning } from '../../src/core/tuning/engine';
import { TuneRunsRepository } from '../../src/core/tuning/runsRepository';
import { openWorkspaceStore } from '../../src/core/workspaceStore';
import { miniQuickConfig, miniSuite, simGateway } from './tuningFakes';

const config = miniQuickConfig('mini.suite.json', { metaModel: 'openai/sim-meta', targetModels: ['openai/sim-a'] });

describe('runs save-best on a run that is still running elsewhere', () => {
  const stores: Store[] = [];
  after(async () => {
    for (const s of stores) await s.close();
  });

  it("keeps the saved version through the running process's next snapshot writes", async () => {
    const dir = path.join(mkdtempSync(path.join(tmpdir(), 'pt-savebest-live-')), '.prompt-tuner');
    const live = await openWorkspaceStore({ dir });
    stores.push(live);
    const cli = await openWorkspaceStore({ dir });
    stores.push(cli);

    const job = startTuning(config, {
      suite: miniSuite(),
      gateway: simGateway({ delayMs: 2 }),
      store: live,
      library: new LibraryRepository(live),
      flushIntervalMs: 1,
    });
    let saving: Promise<SavedBest> | undefined;
    job.onEvent((e) => {
      if (saving || e.type !== 'prompt_eval_result') return;
      // The other process: the run reads as running (its owner is alive), with a best prompt so far.
      const row = tuneRun(cli, job.runId)!;
      assert.equal(row.status, 'running');
      saving = saveRunBest(row, { library: new LibraryRepository(cli), workspace: cli });
      // The running process writes its next snapshot (the cancel) without knowing of the save.
      job.cancel('stop after the save');
    });
    const final = await job.done;
    assert.equal(final.status, 'cancelled');
    assert.ok(saving, 'saved while the run ran');
    const saved = await saving;

    const row = tuneRun(cli, job.runId)!;
    assert.equal(row.status, 'cancelled', 'the running process wrote after the save');
    assert.deepEqual(row.savedVersion, { name: saved.version.promptName, version: saved.version.version });
    const snapshot = new TuneRunsRepository(cli).getSnapshot(job.runId)!;
    assert.equal(snapshot.savedVersion?.id, saved.version.id);
    const column = cli.get<{ saved_version_id: number | null }>(
      'SELECT saved_version_id FROM tune_runs WHERE run_id = ?',
      [job.runId],
    );
    assert.equal(column?.saved_version_id, saved.version.id);
  });
});
