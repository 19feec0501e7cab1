// The shape of a schema change. The store knows no feature: each repository brings its own migrations
// (library, model cache, tuning runs, scale runs…), and src/core/workspaceStore.ts lists them in order.
// Numbers are reserved: 1 library, 2 model cache + latency, 3 tuning runs, 4 scale runs.
// Add a migration as one new entry there; never edit one that has shipped.
import type { WriteTx } from './store';

export interface Migration {
  /** Position in the order; unique; recorded in schema_migrations.version. */
  version: number;
  /** Short name for messages and schema_migrations.name. */
  name: string;
  /** Runs inside the migration's transaction. Parameters only: no datetime('now') or random(). */
  up(tx: Pick<WriteTx, 'run'>): void;
}
