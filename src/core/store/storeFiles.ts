// Where a store keeps its files. The workspace store lives in <workspace>/.prompt-tuner/.
import { join } from 'node:path';

/** Folder name of the store inside a workspace. */
export const STORE_DIR_NAME = '.prompt-tuner';

/** File names inside the store folder. */
export const STORE_FILES = {
  /** SQLite database as of the last snapshot, replaced atomically. */
  snapshot: 'store.sqlite',
  /** Transactions committed since that snapshot, appended and fsync'd one record per commit. */
  journal: 'store.journal',
  /** Present while a process writes; holds its pid. */
  lock: 'store.lock',
} as const;

/** The store folder of a workspace folder. */
export function workspaceStoreDir(workspace: string): string {
  return join(workspace, STORE_DIR_NAME);
}
