// Where the CLI saves a run's best prompt: the workspace's Prompt Library (source optimized, the validate
// reward as score, linked to the run), under resources.name or `<config file stem> (optimized)`.
import * as path from 'node:path';
import { LibraryRepository } from '../../../core/library/libraryRepository';
import type { OptimizeDeps } from '../../../core/optimize/trainer';
import type { OptimizeConfig } from '../../../core/optimize/types';
import { openWorkspaceStore } from '../../../core/workspaceStore';
import type { CliIo } from '../../cliTypes';

/** The library name of a config's optimized prompt. */
export function optimizedPromptName(configPath: string, config: Pick<OptimizeConfig, 'resources'>): string {
  const named = config.resources.name;
  if (typeof named === 'string' && named.trim() !== '') return named.trim();
  const stem = path.basename(configPath).replace(/\.json$/i, '');
  return `${stem || 'prompt-optimization'} (optimized)`;
}

/** Library scores are 0..1; a reward outside (a judge's odd scale) is not a score. */
const asScore = (r: number | null) => (r !== null && Number.isFinite(r) && r >= 0 && r <= 1 ? r : null);

/** saveBest for OptimizeDeps: opens the workspace store only for the save, so the run holds no lock on it. */
export function librarySaver(workspace: string, config: Pick<OptimizeConfig, 'resources'>, io: CliIo): NonNullable<OptimizeDeps['saveBest']> {
  return async (best, run) => {
    const store = await openWorkspaceStore({ dir: path.join(workspace, '.prompt-tuner'), onNotice: (m) => io.err(`notice: ${m}\n`) });
    try {
      const library = new LibraryRepository(store);
      const name = optimizedPromptName(run.configPath, config);
      // A resumed run that had saved before its process died must not save the same prompt twice.
      const latest = library.resolve({ name });
      if (latest && latest.text === best.system_prompt && latest.runId === run.runId) return { name, version: latest.version };
      const saved = library.addVersion({
        name,
        text: best.system_prompt,
        source: 'optimized',
        score: asScore(best.validate_reward),
        runId: run.runId,
        label: `optimized on ${run.modelRef} (resources v${best.resources_version})`.slice(0, 200),
      });
      return { name, version: saved.version };
    } finally {
      await store.close();
    }
  };
}
