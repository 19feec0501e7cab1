// The workspace store with every feature's tables: the one place that lists the migrations in order.
// The store itself knows no feature (src/core/store imports nothing from here).
import { LIBRARY_MIGRATION } from './library/libraryMigration';
import { MODEL_CACHE_MIGRATION } from './models/responseCache';
import type { Migration } from './store/migrations';
import { Store, type StoreOptions } from './store/store';
import { SCALE_MIGRATION } from './scale/runsRepository';
import { TUNING_MIGRATION } from './tuning/runsRepository';

/** Every migration of the workspace store, in order (numbers reserved in store/migrations.ts). */
export const WORKSPACE_MIGRATIONS: Migration[] = [
  LIBRARY_MIGRATION,
  MODEL_CACHE_MIGRATION,
  TUNING_MIGRATION,
  SCALE_MIGRATION,
];

/** Opens (or creates) a workspace's .prompt-tuner store with every feature's tables. */
export function openWorkspaceStore(options: Omit<StoreOptions, 'migrations'>): Promise<Store> {
  return Store.open({ ...options, migrations: WORKSPACE_MIGRATIONS });
}
