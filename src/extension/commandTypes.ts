// A command of the extension: its id suffix and handler. Each feature exports a list; extension.ts
// registers them all in one loop under the `promptTuner.` prefix.
import type { HostContext } from './hostContext';

export interface HostCommand {
  /** Id without the `promptTuner.` prefix, e.g. `library.saveSelection`. */
  id: string;
  /** Receives the command arguments (tree node, URI…) as VS Code passes them. */
  run(ctx: HostContext, ...args: unknown[]): unknown;
}

export const COMMAND_PREFIX = 'promptTuner.';
