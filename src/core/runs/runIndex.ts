// Every stored run of a workspace, whatever its kind, through one adapter per kind: the workspace store holds
// tuning and scale runs, the rollout store prompt-optimization runs. Reads only.
import type { RolloutStore } from '../optimize/types';
import type { Store } from '../store/store';
import { listOptimizeRuns } from './optimizeRuns';
import type { RunKind, RunRow } from './runRow';
import { listScaleRuns } from './scaleRuns';
import { listTuneRuns } from './tuneRuns';

/** The stores runs are read from; a missing one holds no runs. */
export interface RunSources {
  workspace?: Store;
  rollouts?: RolloutStore;
}

/** Asked for a run no store holds, or for a prefix that fits several. */
export class RunLookupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunLookupError';
  }
}

/** Runs of every kind (or of one), newest first. */
export async function listRuns(sources: RunSources, kind?: RunKind): Promise<RunRow[]> {
  const rows: RunRow[] = [];
  if (sources.workspace && (kind === undefined || kind === 'tune')) rows.push(...listTuneRuns(sources.workspace));
  if (sources.workspace && (kind === undefined || kind === 'scale')) rows.push(...listScaleRuns(sources.workspace));
  if (sources.rollouts && (kind === undefined || kind === 'optimize'))
    rows.push(...(await listOptimizeRuns(sources.rollouts)));
  return rows.sort((a, b) => (a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : 0));
}

/** The run with this id, or the one run whose id starts with it (at least 4 characters, as git accepts). */
export async function findRun(sources: RunSources, idOrPrefix: string): Promise<RunRow> {
  const wanted = idOrPrefix.trim();
  const all = await listRuns(sources);
  const exact = all.find((r) => r.runId === wanted);
  if (exact) return exact;
  const matches = wanted.length >= 4 ? all.filter((r) => r.runId.startsWith(wanted)) : [];
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1)
    throw new RunLookupError(
      `run id "${wanted}" fits ${matches.length} runs (${matches.map((r) => r.runId).join(', ')}): give more of it`,
    );
  throw new RunLookupError(`no run "${wanted}" in this workspace (see prompt-tuner runs list)`);
}
