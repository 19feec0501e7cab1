// Saving any run's best prompt so far to the Prompt Library, also for a cancelled, failed or interrupted run:
// the tuning flow's save (source tuned, the run's score, linked to the run and its base version), scale's revised
// prompt (source scale), and optimization's saveBestOnce. A run never saves the same text twice.
import type { LibraryRepository } from '../library/libraryRepository';
import type { PromptVersion } from '../library/types';
import { optimizedPromptName, saveBestOnce, savedVersionOf } from '../optimize/libraryBest';
import type { RolloutStore } from '../optimize/types';
import type { Store } from '../store/store';
import { TuneRunsRepository } from '../tuning/runsRepository';
import { ScaleRunsRepository } from '../scale/runsRepository';
import type { RunRow } from './runRow';

/** The run has nothing to save. */
export class NothingToSaveError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NothingToSaveError';
  }
}

export interface SaveBestDeps {
  library: LibraryRepository;
  /** Holds tuning and scale runs. */
  workspace?: Store;
  /** Holds prompt-optimization runs. */
  rollouts?: RolloutStore;
}

export interface SavedBest {
  version: PromptVersion;
  /** False when the run had saved this text before: that version is returned. */
  added: boolean;
}

const pct = (x: number) => `${Math.round(x * 1000) / 10}%`;

function saveTune(row: RunRow, text: string, deps: SaveBestDeps, name: string | undefined): SavedBest {
  if (!deps.workspace) throw new Error('the workspace store is needed to save a tuning run');
  const runs = new TuneRunsRepository(deps.workspace);
  const s = runs.getSnapshot(row.runId);
  if (!s?.best) throw new NothingToSaveError(`run ${row.runId} has no best prompt yet: no prompt was scored`);
  const base = s.baseVersionId !== null ? deps.library.getVersion(s.baseVersionId) : undefined;
  const version = deps.library.addVersion({
    name: name ?? base?.promptName ?? `${s.suite.name} (tuned)`,
    text,
    source: 'tuned',
    score: s.best.score,
    runId: row.runId,
    parentVersionId: base ? base.id : null,
    label: `${s.mode} tune, ${pct(s.best.score)}${row.status === 'completed' ? '' : ` (best so far, run ${row.status})`}`,
  });
  runs.recordSavedVersion(row.runId, { id: version.id, name: version.promptName, version: version.version });
  return { version, added: true };
}

function saveScale(row: RunRow, text: string, deps: SaveBestDeps, name: string | undefined): SavedBest {
  if (!deps.workspace) throw new Error('the workspace store is needed to save a scale run');
  const s = new ScaleRunsRepository(deps.workspace).getSnapshot(row.runId);
  const version = deps.library.addVersion({
    name: name ?? `${s?.agent.name ?? 'agent'} (revised)`,
    text,
    source: 'scale',
    score: null,
    runId: row.runId,
    label: `scale: revised from ${row.score === null ? 'unscored' : pct(row.score)}`,
  });
  return { version, added: true };
}

async function saveOptimize(row: RunRow, text: string, deps: SaveBestDeps, name: string | undefined) {
  if (!deps.rollouts) throw new Error('the rollout store is needed to save a prompt-optimization run');
  const run = await deps.rollouts.getRun(row.runId);
  if (!run) throw new NothingToSaveError(`run ${row.runId} is no longer in the rollout store`);
  const { snapshot } = await deps.rollouts.readJob(row.runId);
  const best = snapshot?.best ?? run.report?.best ?? null;
  return saveBestOnce(
    deps.library,
    { system_prompt: text, validate_reward: row.score, resources_version: best?.resources_version ?? 0 },
    { runId: row.runId, modelRef: run.model_ref },
    name ?? optimizedPromptName(run.config_path, run.config),
  );
}

/** Saves the run's best prompt so far; `name` overrides the default prompt name. */
export async function saveRunBest(row: RunRow, deps: SaveBestDeps, name?: string): Promise<SavedBest> {
  const text = row.bestPrompt;
  if (text === null) {
    throw new NothingToSaveError(
      row.kind === 'scale'
        ? `run ${row.runId} has no revised prompt (the summarizer did not write one)`
        : `run ${row.runId} has no best prompt yet: no prompt was scored before it stopped`,
    );
  }
  const earlier = savedVersionOf(deps.library, row.runId, text);
  if (earlier) return { version: earlier, added: false };
  const given = name?.trim() ? name.trim() : undefined;
  if (row.kind === 'tune') return saveTune(row, text, deps, given);
  if (row.kind === 'scale') return saveScale(row, text, deps, given);
  return saveOptimize(row, text, deps, given);
}
