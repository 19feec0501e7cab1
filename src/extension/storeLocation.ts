// Where the extension keeps its database; pure so the rule is testable without VS Code.
import * as path from 'node:path';

export interface StoreLocation {
  /** Folder of the database files. */
  dir: string;
  /** `workspace`: `<first folder>/.prompt-tuner`; `global`: the extension's global storage (no folder open). */
  kind: 'workspace' | 'global';
}

/** The CLI's `--workspace DIR` uses the same `<DIR>/.prompt-tuner`, so both see one library. */
export function storeLocation(workspaceFolder: string | undefined, globalStorage: string): StoreLocation {
  return workspaceFolder
    ? { dir: path.join(workspaceFolder, '.prompt-tuner'), kind: 'workspace' }
    : { dir: globalStorage, kind: 'global' };
}
