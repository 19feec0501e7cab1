// A tuning run whose best prompt was saved to the library while it ran (`runs save-best`, the panel's Save to
// Library) does not save that same prompt again when it completes: the run's saved version is the one saved.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { LibraryRepository } from '../../src/core/library/libraryRepository';
import type { PromptVersion } from '../../src/core/library/types';
import { saveRunBest, type SavedBest } from '../../src/core/runs/saveBest';
import { tuneRun } from '../../src/core/runs/tuneRuns';
import type { Store } from '../../src/core/store/store';
import { startTuning, type TuneJob } from '../../src/core/tuning/engine';
import type { TuneEvent } from '../../src/core/tuning/types';
import { openWorkspaceStore } from '../../src/core/workspaceStore';
import { miniQuickConfig, miniSuite, simGateway } from './tuningFakes';

const config = miniQuickConfig('mini.suite.json', { metaModel: 'openai/sim-meta', targetModels: ['openai/sim-a'] });

function versionsOfRun(library: LibraryRepository, runId: string): PromptVersion[] {
  return library.listPrompts().flatMap((p) => library.listVersions(p.id).filter((v) => v.runId === runId));
}

describe('tuning engine: the best prompt saved during the run', () => {
  const stores: Store[] = [];
  after(async () => {
    for (const s of stores) await s.close();
  });

  async function workspace(): Promise<{ store: Store; library: LibraryRepository }> {
    const dir = path.join(mkdtempSync(path.join(tmpdir(), 'pt-tune-save-once-')), '.prompt-tuner');
    const store = await openWorkspaceStore({ dir });
    stores.push(store);
    return { store, library: new LibraryRepository(store) };
  }

  /** Runs to the end; `during` runs once, on the first event it accepts (true), while the run is live. */
  async function run(
    store: Store,
    library: LibraryRepository,
    during: (e: TuneEvent, job: TuneJob) => boolean,
  ): Promise<TuneJob> {
    const job = startTuning(config, { suite: miniSuite(), gateway: simGateway(), store, library });
    let done = false;
    job.onEvent((e) => {
      if (!done) done = during(e, job);
    });
    const final = await job.done;
    assert.equal(final.status, 'completed', final.error ?? '');
    assert.ok(done, 'saved while the run ran');
    return job;
  }

  it('reuses the version `runs save-best` saved of the same best prompt, and records it', async () => {
    const { store, library } = await workspace();
    let saving: Promise<SavedBest> | undefined;
    // Quick mode has one generation: once it is complete, the best so far is the run's best.
    const job = await run(store, library, (e, j) => {
      if (e.type !== 'generation_complete') return false;
      const row = tuneRun(store, j.runId)!;
      assert.equal(row.status, 'running');
      saving = saveRunBest(row, { library, workspace: store });
      return true;
    });
    const saved = await saving!;
    const final = job.snapshot();
    assert.equal(saved.version.text, final.best!.text);

    assert.deepEqual(
      versionsOfRun(library, job.runId).map((v) => v.id),
      [saved.version.id],
      'one library version of the best prompt',
    );
    assert.equal(final.savedVersion?.id, saved.version.id);
    assert.deepEqual(tuneRun(store, job.runId)!.savedVersion, {
      name: saved.version.promptName,
      version: saved.version.version,
    });
  });

  it("reuses the panel's save under another name; a different best saved earlier is not reused", async () => {
    const { store, library } = await workspace();
    let panelSave: PromptVersion | undefined;
    // As the panel's Save to Library on a live run: a version linked to the run, under the name the user typed.
    const job = await run(store, library, (e, j) => {
      if (e.type !== 'generation_complete') return false;
      const best = j.snapshot().best!;
      panelSave = library.addVersion({ name: 'My pick', text: best.text, source: 'tuned', runId: j.runId });
      return true;
    });
    assert.equal(job.snapshot().savedVersion?.id, panelSave!.id);
    assert.equal(job.snapshot().savedVersion?.name, 'My pick');
    assert.equal(versionsOfRun(library, job.runId).length, 1);

    // Saved when only the base prompt was scored; the run's best at the end is another prompt.
    let early: SavedBest | undefined;
    const other = await run(store, library, (e, j) => {
      if (e.type !== 'prompt_eval_result') return false;
      void saveRunBest(tuneRun(store, j.runId)!, { library, workspace: store }).then((s) => (early = s));
      return true;
    });
    const final = other.snapshot();
    assert.ok(early);
    assert.notEqual(final.best!.text, early.version.text, 'the best changed after the save');
    const versions = versionsOfRun(library, other.runId);
    assert.equal(versions.length, 2, 'the better best is a new version');
    const last = versions.find((v) => v.id !== early!.version.id)!;
    assert.equal(last.text, final.best!.text);
    assert.equal(final.savedVersion?.id, last.id);
  });
});
