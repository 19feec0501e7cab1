// Where a store keeps its files. The workspace store lives in <workspace>/.prompt-tuner/.
import { basename, dirname, join } from 'node:path';

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

/** The three file names a store keeps inside its folder. */
export interface StoreFileNames {
  snapshot: string;
  journal: string;
  lock: string;
}

/**
 * The folder and file names of a store that lives at a named SQLite path (e.g. .prompt-tuner/training/store.sqlite):
 * the snapshot is that file, so sqlite3 and other tools open it directly. The journal is `<stem>.journal`, never
 * `<name>-journal`, which sqlite3 would take for its own hot rollback journal and apply to the file.
 */
export function storeFilesFor(sqlitePath: string): { dir: string; files: StoreFileNames } {
  const name = basename(sqlitePath);
  if (name === '' || name === '.' || name === '..') throw new Error(`not a store file path: '${sqlitePath}'`);
  const stem = name.replace(/\.(sqlite3?|db)$/i, '') || name;
  return { dir: dirname(sqlitePath), files: { snapshot: name, journal: `${stem}.journal`, lock: `${stem}.lock` } };
}

/** The store folder of a workspace folder. */
export function workspaceStoreDir(workspace: string): string {
  return join(workspace, STORE_DIR_NAME);
}
