// A run's best prompt in the Prompt Library, the same for the CLI and the editor: the name it is saved under,
// the version a run saved it as, and the save (source optimized, the validate reward as score, linked to the
// run) that never adds the same prompt twice for one run.
import * as path from 'node:path';
import type { LibraryRepository } from '../library/libraryRepository';
import type { PromptVersion } from '../library/types';
import type { BestPrompt, OptimizeConfig } from './types';

/** The library name of a config's optimized prompt: resources.name, else `<config file stem> (optimized)`. */
export function optimizedPromptName(configPath: string, config: Pick<OptimizeConfig, 'resources'>): string {
  const named = config.resources['name'];
  if (typeof named === 'string' && named.trim() !== '') return named.trim();
  const stem = path.basename(configPath).replace(/\.json$/i, '');
  return `${stem || 'prompt-optimization'} (optimized)`;
}

/** Library scores are 0..1; a reward outside (a judge's odd scale) is not a score. */
const asScore = (r: number | null): number | null => (r !== null && Number.isFinite(r) && r >= 0 && r <= 1 ? r : null);

/** The version this run saved TEXT as, under any name (a "save as" may have renamed it); undefined when none. */
export function savedVersionOf(library: LibraryRepository, runId: string, text: string): PromptVersion | undefined {
  for (const p of library.listPrompts()) {
    const v = library.listVersions(p.id).find((x) => x.runId === runId && x.text === text);
    if (v) return v;
  }
  return undefined;
}

/**
 * Saves the best prompt as a new version of NAME unless the run saved the same text already (a resumed run that
 * had saved before its process died, or a second click): then that earlier version, with `added` false.
 */
export function saveBestOnce(
  library: LibraryRepository,
  best: Pick<BestPrompt, 'system_prompt' | 'validate_reward' | 'resources_version'>,
  run: { runId: string; modelRef: string },
  name: string,
): { version: PromptVersion; added: boolean } {
  const earlier = savedVersionOf(library, run.runId, best.system_prompt);
  if (earlier) return { version: earlier, added: false };
  const version = library.addVersion({
    name,
    text: best.system_prompt,
    source: 'optimized',
    score: asScore(best.validate_reward),
    runId: run.runId,
    label: `optimized on ${run.modelRef} (resources v${best.resources_version})`.slice(0, 200),
  });
  return { version, added: true };
}
