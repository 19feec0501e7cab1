// Owns the prompt-optimization runs of this window and the stores they and the panel read: a run goes on
// when its panel is closed, a store stays open while a run or a panel uses it (then closes, so the .sqlite
// file alone holds everything), and every panel reads the same overview. A store is a file path or a
// PostgreSQL URL; a URL is known by its masked form (optimizeStores.ts) and its whole text, password included,
// lives only in this service's memory for the session. Also the library side of a run's
// best prompt (saved under `<config stem> (optimized)`, source optimized) and the end-of-run notification.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Gateway } from '../../core/models/gateway';
import type { PromptVersion } from '../../core/library/types';
import { optimizedPromptName, savedVersionOf, saveBestOnce } from '../../core/optimize/libraryBest';
import type { OptimizeJob } from '../../core/optimize/trainer';
import type { BestPrompt, OptimizeConfig, OptimizeRunSnapshot, RolloutStore } from '../../core/optimize/types';
import type { OptimizeView } from '../../protocol/optimizePanel';
import type { HostContext } from '../hostContext';
import type * as EditorModelsModule from '../models/editorModels';
import { UserError } from '../runCommand';
import { loadOptimizeCore, type GatewaySource, type OptimizeCore } from './optimizeCore';
import { isPostgresUrl, sameStore, storeIdOf } from './optimizeStores';

/** A run's snapshot changed (a run of this window). */
export interface OptimizeChange {
  storePath: string;
  runId: string;
  snapshot: OptimizeRunSnapshot;
}

/** What a panel's actions need of a run's best prompt, read by the host (never from the webview). */
export interface RunPrompts {
  runId: string;
  configPath: string;
  modelRef: string;
  config: OptimizeConfig;
  /** The run's initial system prompt; null when its resources have none. */
  initial: string | null;
  best: { resources_version: number; system_prompt: string; validate_reward: number | null } | null;
}

const pct = (r: number | null | undefined) => (r === null || r === undefined ? 'unknown' : `${Math.round(r * 100)}%`);

export interface OptimizeServiceOptions {
  core?: OptimizeCore;
  gateway?: GatewaySource;
}

export class OptimizeService implements vscode.Disposable {
  private readonly jobs = new Map<string, { job: OptimizeJob; storePath: string }>();
  private readonly stores = new Map<string, Promise<RolloutStore>>();
  /** Panels (or other holders) per store path: an idle store is closed when its last holder lets go. */
  private readonly holders = new Map<string, number>();
  private readonly didChange = new vscode.EventEmitter<OptimizeChange>();
  private coreValue: OptimizeCore | undefined;
  private lastRunValue: { storePath: string; runId: string } | null = null;
  /** Masked URL → the URL as typed (with its password, if any): this window's memory only. */
  private readonly urls = new Map<string, string>();

  /** Fires with a run's whole snapshot after each change, for runs of this window. */
  readonly onDidChange = this.didChange.event;

  constructor(
    private readonly ctx: HostContext,
    private readonly options: OptimizeServiceOptions = {},
  ) {}

  get core(): OptimizeCore {
    this.coreValue ??= this.options.core ?? loadOptimizeCore();
    return this.coreValue;
  }

  /** `<workspace>/.prompt-tuner/training/store.sqlite` (the CLI's default), or under global storage with no folder. */
  defaultStorePath(): string {
    return path.join(this.ctx.storeLocation.dir, 'training', 'store.sqlite');
  }

  /**
   * A PostgreSQL URL the user typed: kept whole in memory for this window; returns the store's id (the masked URL)
   * that everything else uses. A URL without a password is the same as its id (PGPASSWORD / ~/.pgpass give it).
   */
  rememberUrl(url: string): string {
    const id = storeIdOf(url);
    this.urls.set(id, url);
    return id;
  }

  /** What the store is opened with: the remembered whole URL, or the path. */
  private locationOf(storeId: string): string {
    if (!isPostgresUrl(storeId)) return path.resolve(storeId);
    return this.urls.get(storeIdOf(storeId)) ?? storeId;
  }

  /**
   * The folder whose `.prompt-tuner/training/status.json` a PostgreSQL store's runs write and the panel reads (the
   * CLI's rule): the first workspace folder, or the global storage with none open.
   */
  private statusWorkspace(): string {
    const loc = this.ctx.storeLocation;
    return loc.kind === 'workspace' ? path.dirname(loc.dir) : loc.dir;
  }

  /** status.json of a store: beside a file; for PostgreSQL the workspace's (statusWorkspace). */
  private statusPathOf(storeId: string): string {
    return this.core.statusPathFor(storeId, this.statusWorkspace());
  }

  /** The run last started in this window. */
  lastRun(): { storePath: string; runId: string } | null {
    return this.lastRunValue;
  }

  private async gateway(): Promise<Gateway> {
    if (this.options.gateway) return this.options.gateway();
    // Lazy: the model SDKs load on first use
    const { editorModelsFor } = require('../models/editorModels') as typeof EditorModelsModule;
    return editorModelsFor(this.ctx).getGateway();
  }

  /** The open store at the path; with create false, null when there is none yet. */
  async store(storePath: string, create: boolean): Promise<RolloutStore | null> {
    const key = storeIdOf(storePath);
    const open = this.stores.get(key);
    if (open) return open;
    const opening = this.core.openStore(this.locationOf(key), {
      create,
      wasmPath: vscode.Uri.joinPath(this.ctx.extension.extensionUri, 'dist', 'sql-wasm.wasm').fsPath,
      onNotice: (m) => this.ctx.log.warn(`Prompt-optimization store ${key}: ${m}`),
    });
    this.stores.set(key, opening);
    try {
      return await opening;
    } catch (error) {
      this.stores.delete(key);
      if (!create && this.core.isStoreMissing(error)) return null;
      throw error;
    }
  }

  /** A panel shows this store: it stays open until released. */
  hold(storePath: string): vscode.Disposable {
    const key = storeIdOf(storePath);
    this.holders.set(key, (this.holders.get(key) ?? 0) + 1);
    let released = false;
    return {
      dispose: () => {
        if (released) return;
        released = true;
        this.holders.set(key, (this.holders.get(key) ?? 1) - 1);
        void this.closeIfIdle(key);
      },
    };
  }

  private async closeIfIdle(key: string): Promise<void> {
    if ((this.holders.get(key) ?? 0) > 0 || [...this.jobs.values()].some((j) => storeIdOf(j.storePath) === key)) return;
    const open = this.stores.get(key);
    if (!open) return;
    this.stores.delete(key);
    this.holders.delete(key);
    try {
      await (await open).close();
    } catch (error) {
      this.ctx.log.warn(`Closing the prompt-optimization store ${key} failed: ${String(error)}`);
    }
  }

  /** Runs of this store running in this window. */
  runningHere(storePath: string): string[] {
    return [...this.jobs.entries()].filter(([, j]) => sameStore(j.storePath, storePath)).map(([id]) => id);
  }

  /** Everything the panel shows of a store, with the live snapshot of a run of this window. */
  async view(storePath: string, runId: string | null): Promise<OptimizeView> {
    const base = {
      storePath: storeIdOf(storePath),
      runningHere: this.runningHere(storePath),
      trusted: vscode.workspace.isTrusted,
      readAtMs: Date.now(),
      savedBest: null,
    };
    let store: RolloutStore | null;
    try {
      store = await this.store(storePath, false);
    } catch (error) {
      return { ...base, exists: true, overview: null, error: error instanceof Error ? error.message : String(error) };
    }
    if (!store) return { ...base, exists: false, overview: null, error: null };
    const statusPath = this.statusPathOf(storePath);
    try {
      let overview;
      try {
        overview = await this.core.readOverview(store, { statusPath, ...(runId ? { runId } : {}) });
      } catch (error) {
        // A run the view remembers may be gone (another store file at the same path): the newest instead.
        if (!runId || !this.core.isRunNotFound(error)) throw error;
        overview = await this.core.readOverview(store, { statusPath });
      }
      const shown = overview.run;
      const live = shown ? this.jobs.get(shown.row.run_id)?.job.snapshot() : undefined;
      if (shown && live) overview = { ...overview, run: { ...shown, snapshot: live } };
      return {
        ...base,
        exists: true,
        overview,
        error: null,
        savedBest: overview.run ? await this.savedVersionOf(overview.run.row.run_id, bestOfRun(overview.run)) : null,
      };
    } catch (error) {
      this.ctx.log.warn(`Reading the prompt-optimization store ${storeIdOf(storePath)} failed: ${String(error)}`);
      return { ...base, exists: true, overview: null, error: error instanceof Error ? error.message : String(error) };
    }
  }

  private assertTrusted(): void {
    if (!vscode.workspace.isTrusted)
      throw new UserError('Prompt optimization is off in an untrusted workspace: trust the workspace first.');
  }

  /** Reads and checks a config file; warnings (unknown keys) are logged and shown. Throws OptimizeConfigError. */
  async readConfig(configPath: string): Promise<OptimizeConfig> {
    const { config, warnings } = await this.core.readConfig(configPath);
    for (const w of warnings) this.ctx.log.warn(`${configPath}: ${w}`);
    if (warnings.length > 0)
      void vscode.window.showWarningMessage(
        `Prompt optimization config ${path.basename(configPath)}: ${warnings.join('; ')}`,
      );
    return config;
  }

  /** Starts a run on the store (created when missing); it goes on when the panel closes. */
  async start(input: {
    config: OptimizeConfig;
    configPath: string;
    model: string;
    storePath: string;
  }): Promise<OptimizeJob> {
    this.assertTrusted();
    const [gateway, store] = await Promise.all([this.gateway(), this.store(input.storePath, true)]);
    // The run records the store as shown (a URL masked), never a password.
    const job = await this.core.startOptimization(
      { store: store!, gateway, saveBest: this.saver(input.config), workspace: this.statusWorkspace() },
      { config: input.config, configPath: input.configPath, model: input.model, storePath: storeIdOf(input.storePath) },
    );
    this.ctx.log.info(
      `Prompt optimization ${job.runId} started: ${input.configPath}, model ${input.model}, ${input.config.optimize.length} optimize + ${input.config.validate.length} validate items, ${input.config.worker_count} workers${input.config.apo ? `, APO ${input.config.apo.rounds} rounds` : ''}, store ${storeIdOf(input.storePath)}`,
    );
    this.track(job, storeIdOf(input.storePath));
    return job;
  }

  /** Continues an interrupted, failed or cancelled run of the store. Throws ResumeError for the user. */
  async resume(storePath: string, runId: string): Promise<OptimizeJob> {
    this.assertTrusted();
    if (this.jobs.has(runId)) throw new UserError('This run is still running in this window.');
    const store = await this.store(storePath, false);
    if (!store) throw new UserError(`There is no prompt-optimization store at ${storeIdOf(storePath)} any more.`);
    const row = await store.getRun(runId);
    if (!row) throw new UserError('This run is no longer in the store.');
    const job = await this.core.resumeOptimization(
      { store, gateway: await this.gateway(), saveBest: this.saver(row.config), workspace: this.statusWorkspace() },
      { runId },
    );
    this.ctx.log.info(`Prompt optimization ${runId} resumed (store ${storeIdOf(storePath)})`);
    this.track(job, storeIdOf(storePath));
    return job;
  }

  /** Cancels a run of this window; false when it does not run here. */
  cancel(runId: string): boolean {
    const j = this.jobs.get(runId);
    if (!j) return false;
    j.job.cancel('Cancelled by the user');
    return true;
  }

  /** The snapshot of a run of this window; undefined for others. */
  liveSnapshot(runId: string): OptimizeRunSnapshot | undefined {
    return this.jobs.get(runId)?.job.snapshot();
  }

  private track(job: OptimizeJob, storePath: string): void {
    this.jobs.set(job.runId, { job, storePath });
    this.lastRunValue = { storePath, runId: job.runId };
    const off = job.onSnapshot((snapshot) => this.didChange.fire({ storePath, runId: job.runId, snapshot }));
    void job.done.then((final) => {
      off();
      this.jobs.delete(job.runId);
      this.didChange.fire({ storePath, runId: job.runId, snapshot: final });
      this.announce(final, storePath);
      void this.closeIfIdle(storeIdOf(storePath));
    });
  }

  private announce(s: OptimizeRunSnapshot, storePath: string): void {
    const c = s.counters;
    this.ctx.log.info(
      `Prompt optimization ${s.runId} ended: ${s.status}, ${c.succeeded} succeeded, ${c.failed} failed, ${c.cancelled} cancelled of ${c.total_rollouts}${s.error ? `: ${s.error}` : ''}`,
    );
    const open = (choice: string | undefined) => {
      if (choice) void vscode.commands.executeCommand('promptTuner.optimize.open', { storePath, runId: s.runId });
    };
    switch (s.status) {
      case 'completed': {
        const best = s.best;
        const saved = best?.library ? ` Saved as ${best.library.name} v${best.library.version}.` : '';
        const text = best
          ? `Prompt optimization finished: best v${best.resources_version} ${pct(best.validate_reward)} on validate (initial ${pct(s.mean_reward.validate)}).${saved}`
          : `Prompt optimization finished: ${c.succeeded} of ${c.total_rollouts} rollouts succeeded.`;
        void vscode.window.showInformationMessage(text, 'Show Run').then(open);
        break;
      }
      case 'failed':
        void vscode.window
          .showErrorMessage(
            `Prompt optimization failed: ${s.error ?? 'unknown reason (see the Prompt Tuner log)'}`,
            'Show Run',
          )
          .then(open);
        break;
      case 'cancelled':
        void vscode.window.showInformationMessage(
          'Prompt optimization cancelled: finished rollouts are kept; Resume continues the run.',
        );
        break;
      default:
        break;
    }
  }

  private saver(
    config: Pick<OptimizeConfig, 'resources'>,
  ): (
    best: BestPrompt,
    run: { runId: string; configPath: string; modelRef: string },
  ) => Promise<{ name: string; version: number }> {
    return async (best, run) => {
      const v = await this.saveBest(best, run, config);
      return { name: v.promptName, version: v.version };
    };
  }

  /** saveBest for the trainer: a new library version (source optimized) unless this run saved the same text already. */
  async saveBest(
    best: Pick<BestPrompt, 'system_prompt' | 'validate_reward' | 'resources_version'>,
    run: { runId: string; configPath: string; modelRef: string },
    config: Pick<OptimizeConfig, 'resources'>,
    name = optimizedPromptName(run.configPath, config),
  ): Promise<PromptVersion> {
    const { version: saved, added } = saveBestOnce(await this.ctx.getLibrary(), best, run, name);
    if (added)
      this.ctx.log.info(
        `Saved the best prompt of optimization run ${run.runId} as ${saved.promptName} v${saved.version} (version id ${saved.id})`,
      );
    return saved;
  }

  /** The library version this run's best prompt was saved as (same run id and text); null when none. */
  async savedVersionOf(
    runId: string,
    best: { system_prompt: string } | null,
  ): Promise<{ id: number; name: string; version: number } | null> {
    if (!best) return null;
    const v = savedVersionOf(await this.ctx.getLibrary(), runId, best.system_prompt);
    return v ? { id: v.id, name: v.promptName, version: v.version } : null;
  }

  /** A run's initial and best prompts, from the live job or the store. */
  async prompts(storePath: string, runId: string): Promise<RunPrompts> {
    const store = await this.store(storePath, false);
    const row = store ? await store.getRun(runId) : undefined;
    if (!store || !row) throw new UserError('This prompt-optimization run is no longer in the store.');
    const snapshot = this.liveSnapshot(runId) ?? (await store.readJob(runId)).snapshot;
    const initial = row.config.resources['system_prompt'];
    return {
      runId,
      configPath: row.config_path,
      modelRef: row.model_ref,
      config: row.config,
      initial: typeof initial === 'string' ? initial : null,
      best: bestOfRun({ row, snapshot }),
    };
  }

  /** Model ids used by this store's runs, newest first. */
  async recentModels(storePath: string): Promise<string[]> {
    try {
      const store = await this.store(storePath, false);
      if (!store) return [];
      return [...new Set((await store.listRuns()).map((r) => r.model_ref))].slice(0, 10);
    } catch (error) {
      this.ctx.log.warn(`Reading earlier optimization runs failed: ${String(error)}`);
      return [];
    }
  }

  /** Cancels this window's runs and closes the stores (VS Code closes the window). */
  async disposeAsync(): Promise<void> {
    const jobs = [...this.jobs.values()];
    for (const j of jobs) j.job.cancel('VS Code window closed');
    await Promise.all(jobs.map((j) => j.job.done));
    const stores = [...this.stores.values()];
    this.stores.clear();
    await Promise.all(stores.map(async (s) => (await s).close().catch(() => undefined)));
  }

  dispose(): void {
    void this.disposeAsync().catch((error: unknown) =>
      this.ctx.log.warn(`Closing the prompt-optimization stores failed: ${String(error)}`),
    );
    this.didChange.dispose();
  }
}

/** A run's best prompt: the snapshot's, else its stored report's. */
export function bestOfRun(run: {
  row: { report: { best: RunPrompts['best'] } | null };
  snapshot: OptimizeRunSnapshot | null;
}): RunPrompts['best'] {
  const b = run.snapshot?.best;
  if (b)
    return {
      resources_version: b.resources_version,
      system_prompt: b.system_prompt,
      validate_reward: b.validate_reward,
    };
  return run.row.report?.best ?? run.snapshot?.report?.best ?? null;
}
