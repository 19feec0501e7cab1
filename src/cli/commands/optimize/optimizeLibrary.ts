// Where the CLI saves a run's best prompt: the workspace's Prompt Library, by the rules of core/optimize/libraryBest
// (under resources.name or `<config file stem> (optimized)`, once per run).
import * as path from 'node:path';
import { LibraryRepository } from '../../../core/library/libraryRepository';
import { optimizedPromptName, saveBestOnce } from '../../../core/optimize/libraryBest';
import type { OptimizeDeps } from '../../../core/optimize/trainer';
import type { OptimizeConfig } from '../../../core/optimize/types';
import { openWorkspaceStore } from '../../../core/workspaceStore';
import type { CliIo } from '../../cliTypes';

/** saveBest for OptimizeDeps: opens the workspace store only for the save, so the run holds no lock on it. */
export function librarySaver(
  workspace: string,
  config: Pick<OptimizeConfig, 'resources'>,
  io: CliIo,
): NonNullable<OptimizeDeps['saveBest']> {
  return async (best, run) => {
    const store = await openWorkspaceStore({
      dir: path.join(workspace, '.prompt-tuner'),
      onNotice: (m) => io.err(`notice: ${m}\n`),
    });
    try {
      const { version } = saveBestOnce(
        new LibraryRepository(store),
        best,
        run,
        optimizedPromptName(run.configPath, config),
      );
      return { name: version.promptName, version: version.version };
    } finally {
      await store.close();
    }
  };
}
