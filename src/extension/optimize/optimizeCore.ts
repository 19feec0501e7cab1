// What the editor uses of src/core/optimize, behind one interface loaded on first use (sql.js and the trainer
// never load at activation), so the unit tests can run the feature against the real core or a fake one.
import type { Gateway } from '../../core/models/gateway';
import type { ParsedOptimizeConfig } from '../../core/optimize/config';
import type { ReadOverviewOptions } from '../../core/optimize/overview';
import type { OptimizeDeps, OptimizeJob, OptimizeStart } from '../../core/optimize/trainer';
import type { OptimizeOverview, RolloutStore } from '../../core/optimize/types';
// Type-only (erased at build time): the modules themselves are required lazily in loadOptimizeCore().
import type * as OpenRolloutStoreModule from '../../core/optimize/store/openRolloutStore';
import type * as StoreErrorsModule from '../../core/optimize/store/errors';
import type * as OverviewModule from '../../core/optimize/overview';
import type * as TrainerModule from '../../core/optimize/trainer';
import type * as StatusFileModule from '../../core/optimize/statusFile';
import type * as ConfigModule from '../../core/optimize/config';

export interface OptimizeCore {
  /** Opens (create: true) or only reads (create: false: StoreMissingError when absent) a rollout store: a file path or a postgres:// URL. */
  openStore(
    location: string,
    opts: { create: boolean; wasmPath?: string; onNotice?: (message: string) => void },
  ): Promise<RolloutStore>;
  readOverview(store: RolloutStore, opts: ReadOverviewOptions): Promise<OptimizeOverview>;
  startOptimization(deps: OptimizeDeps, start: OptimizeStart): Promise<OptimizeJob>;
  resumeOptimization(deps: OptimizeDeps, opts: { runId?: string; model?: string }): Promise<OptimizeJob>;
  /** status.json beside a store file; a PostgreSQL store's is `<workspace>/.prompt-tuner/training/status.json`. */
  statusPathFor(location: string, workspace: string): string;
  /** Reads and checks a config; throws OptimizeConfigError (Tau's wording) for the user. */
  readConfig(path: string): Promise<ParsedOptimizeConfig>;
  /** True for the store's "no store at the path" error. */
  isStoreMissing(error: unknown): boolean;
  /** True when the overview was asked for a run the store does not hold. */
  isRunNotFound(error: unknown): boolean;
}

/** The real core, required on first use (esbuild keeps a required module lazy; mocha's tsx/cjs resolves it too). */
export function loadOptimizeCore(): OptimizeCore {
  // Lazy: sql.js, the trainer and the rest of the optimizer core load on first use, never at activation.
  // Lazy-loaded on first use (see above)
  const store = require('../../core/optimize/store/openRolloutStore') as typeof OpenRolloutStoreModule;
  // Lazy-loaded on first use (see above)
  const errors = require('../../core/optimize/store/errors') as typeof StoreErrorsModule;
  // Lazy-loaded on first use (see above)
  const overview = require('../../core/optimize/overview') as typeof OverviewModule;
  // Lazy-loaded on first use (see above)
  const trainer = require('../../core/optimize/trainer') as typeof TrainerModule;
  // Lazy-loaded on first use (see above)
  const status = require('../../core/optimize/statusFile') as typeof StatusFileModule;
  // Lazy-loaded on first use (see above)
  const config = require('../../core/optimize/config') as typeof ConfigModule;
  return {
    openStore: (location, opts) => store.openRolloutStore(location, opts),
    readOverview: (s, opts) => overview.readOverview(s, opts),
    startOptimization: (deps, start) => trainer.startOptimization(deps, start),
    resumeOptimization: (deps, opts) => trainer.resumeOptimization(deps, opts),
    statusPathFor: (p, ws) => status.statusPathFor(p, ws),
    readConfig: (p) => config.readOptimizeConfig(p),
    isStoreMissing: (e) => e instanceof errors.StoreMissingError,
    isRunNotFound: (e) => e instanceof overview.RunNotFoundError,
  };
}

/** Where the host's gateway comes from (the editor's model settings and keys; a test's simulator). */
export type GatewaySource = () => Promise<Gateway>;
