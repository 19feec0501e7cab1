// Owns the tuning jobs of this window: a run goes on when its panel is closed, and any panel that opens
// later shows its latest snapshot. Also the estimate, suite loading, and saving a best prompt afterwards.
import { stat } from 'node:fs/promises';
import * as vscode from 'vscode';
import type { PromptVersion } from '../../core/library/types';
import type { Suite } from '../../core/suites/suiteSchema';
import type { TuneConfig } from '../../core/tuning/config';
import type { TuneJob } from '../../core/tuning/engine';
import type { TuneRunSummary } from '../../core/tuning/runsRepository';
import type { TuneRunSnapshot } from '../../core/tuning/types';
import type { EstimateParams, EstimateResult } from '../../protocol/tuningPanel';
import type { HostContext } from '../hostContext';
import { UserError } from '../runCommand';

type SavedRef = NonNullable<TuneRunSnapshot['savedVersion']>;

export class TuningService implements vscode.Disposable {
  private readonly jobs = new Map<string, TuneJob>();
  /** Library saves made after a run ended (Save to Library on the best card). */
  private readonly savedLater = new Map<string, SavedRef>();
  private readonly suites = new Map<string, { mtimeMs: number; suite: Suite }>();
  private readonly didChange = new vscode.EventEmitter<TuneRunSnapshot>();
  private readonly disposables: vscode.Disposable[] = [this.didChange];
  /** The run started last in this window. */
  private lastRunId: string | null = null;

  /** Fires with the whole snapshot of a run after every change. */
  readonly onDidChangeRun = this.didChange.event;

  constructor(private readonly ctx: HostContext) {}

  /** Loads a suite once per file version. */
  async suite(file: string): Promise<Suite> {
    const { loadSuite } = await import('../../core/suites/loadSuite');
    const mtimeMs = (await stat(file)).mtimeMs;
    const hit = this.suites.get(file);
    if (hit && hit.mtimeMs === mtimeMs) return hit.suite;
    const suite = await loadSuite(file, vscode.workspace.asRelativePath(file));
    this.suites.set(file, { mtimeMs, suite });
    return suite;
  }

  async estimate(params: EstimateParams): Promise<EstimateResult> {
    const [{ estimateTune }, suite] = await Promise.all([
      import('../../core/tuning/estimate'),
      this.suite(params.suiteFile),
    ]);
    // Latency measured before makes the seconds better; without a gateway the default is assumed and said so.
    const gateway = await this.ctx.getGateway().catch(() => undefined);
    const e = estimateTune(
      {
        mode: params.mode,
        population: params.population,
        generations: params.generations,
        selectionRatio: params.selectionRatio,
        targetModels: params.targetModels,
        validationSplit: params.validationSplit,
        ...(params.metaModel ? { metaModel: params.metaModel } : {}),
      },
      suite.cases.length,
      (m) => gateway?.measuredLatencyMs(m),
    );
    return { calls: e.calls, seconds: e.seconds, warning: e.warning, assumedDefaultLatency: e.assumedDefaultLatency };
  }

  /** Starts a run; throws TuneConfigError / SuiteError / UserError with a message for the user. */
  async start(config: TuneConfig): Promise<TuneRunSnapshot> {
    if (!vscode.workspace.isTrusted)
      throw new UserError('Tuning runs are off in an untrusted workspace: trust the workspace first.');
    const [{ startTuning }, suite, gateway, store, library] = await Promise.all([
      import('../../core/tuning/engine'),
      this.suite(config.suiteFile),
      this.ctx.getGateway(),
      this.ctx.getStore(),
      this.ctx.getLibrary(),
    ]);
    // A base prompt from the library gets its tuned successor as a new version of the same prompt.
    const base = config.baseVersionId ? library.getVersion(config.baseVersionId) : undefined;
    // The shared editor gateway has no budget: a run's cap wraps it for this run only, and only when it can count.
    if (config.budgetUsd !== undefined) {
      const { runBudgetRefusal } = await import('./runBudget');
      const { readModelSettings } = await import('../models/modelSettings');
      const refusal = await runBudgetRefusal([config.metaModel, ...config.targetModels], readModelSettings());
      if (refusal) throw new UserError(refusal);
    }
    const runGateway =
      config.budgetUsd !== undefined ? (await import('./runBudget')).withRunBudget(gateway, config.budgetUsd) : gateway;
    const job = startTuning(config, {
      suite,
      gateway: runGateway,
      store,
      library,
      ...(base ? { saveAs: base.promptName } : {}),
    });
    this.ctx.log.info(
      `Tuning run ${job.runId} started: ${config.mode}, ${suite.name}, meta ${config.metaModel}, targets ${config.targetModels.join(', ')}, ${job.estimate.calls} calls planned${config.budgetUsd !== undefined ? `, budget $${config.budgetUsd}` : ''}`,
    );
    return this.follow(job);
  }

  /**
   * Goes on with a stored run that is not running (cancelled, failed, budget reached, or interrupted when the
   * window that ran it closed) from what is stored; throws UserError when it cannot be resumed.
   */
  async resume(runId: string): Promise<TuneRunSnapshot> {
    if (!vscode.workspace.isTrusted)
      throw new UserError('Tuning runs are off in an untrusted workspace: trust the workspace first.');
    if (this.jobs.has(runId)) throw new UserError('This run is still running in this window.');
    const [{ resumeTuning, storedTuneConfig, TuneResumeError }, store, library] = await Promise.all([
      import('../../core/tuning/engine'),
      this.ctx.getStore(),
      this.ctx.getLibrary(),
    ]);
    try {
      const config = storedTuneConfig(store, runId);
      const [suite, gateway] = await Promise.all([this.suite(config.suiteFile), this.ctx.getGateway()]);
      const base = config.baseVersionId ? library.getVersion(config.baseVersionId) : undefined;
      // The run's budget counts what it spent before the resume.
      const spent = new (await import('../../core/tuning/runsRepository')).TuneRunsRepository(store).getSnapshot(
        runId,
      )?.costUsd;
      const left = config.budgetUsd !== undefined ? config.budgetUsd - (spent ?? 0) : undefined;
      if (left !== undefined && left <= 0)
        throw new UserError(`This run spent its $${config.budgetUsd} budget already: start a new run instead.`);
      const runGateway = left !== undefined ? (await import('./runBudget')).withRunBudget(gateway, left) : gateway;
      const job = resumeTuning(runId, {
        suite,
        gateway: runGateway,
        store,
        library,
        ...(base ? { saveAs: base.promptName } : {}),
        isLiveHere: (id) => this.jobs.has(id),
      });
      this.ctx.log.info(`Tuning run ${runId} resumed: ${job.estimate.calls} calls left`);
      return this.follow(job);
    } catch (e) {
      if (e instanceof TuneResumeError) throw new UserError(e.message.replace(/^runId: /, ''));
      throw e;
    }
  }

  /** Tracks a started (or resumed) job until it ends, firing every snapshot. */
  private follow(job: TuneJob): TuneRunSnapshot {
    this.jobs.set(job.runId, job);
    this.lastRunId = job.runId;
    const off = job.onSnapshot((s) => this.didChange.fire(this.withSaves(s)));
    void job.done.then((final) => {
      off();
      this.jobs.delete(job.runId);
      this.didChange.fire(this.withSaves(final));
      this.announce(final);
    });
    return this.withSaves(job.snapshot());
  }

  private announce(s: TuneRunSnapshot): void {
    this.ctx.log.info(
      `Tuning run ${s.runId} ended: ${s.status}${s.best ? `, best ${Math.round(s.best.score * 100)}%` : ''}${s.error ? `: ${s.error}` : ''}`,
    );
    switch (s.status) {
      case 'completed':
        if (s.savedVersion) void vscode.window.showInformationMessage('Best prompt auto-saved to Prompt Library');
        else
          void vscode.window.showInformationMessage(
            `Tuning finished: best ${s.best ? Math.round(s.best.score * 100) : 0}%.`,
          );
        break;
      case 'failed':
        void vscode.window.showErrorMessage(`Tuning failed: ${s.error ?? 'unknown reason (see the Prompt Tuner log)'}`);
        break;
      case 'budget_reached':
        void vscode.window.showWarningMessage(
          `Tuning stopped: the budget was reached. ${s.best ? `Best so far: ${Math.round(s.best.score * 100)}%.` : ''}`,
        );
        break;
      case 'cancelled':
        void vscode.window.showInformationMessage('Tuning cancelled: the results so far are kept.');
        break;
      default:
        break;
    }
  }

  cancel(runId: string): boolean {
    const job = this.jobs.get(runId);
    if (!job) return false;
    job.cancel('Cancelled by the user');
    return true;
  }

  /** The run started last in this window (running or not): a reopened panel shows it. */
  lastRun(): string | null {
    return this.lastRunId;
  }

  /** The latest snapshot: live for a running job, else the stored one. */
  async snapshot(runId: string): Promise<TuneRunSnapshot | undefined> {
    const job = this.jobs.get(runId);
    if (job) return this.withSaves(job.snapshot());
    const { TuneRunsRepository } = await import('../../core/tuning/runsRepository');
    const stored = new TuneRunsRepository(await this.ctx.getStore()).getSnapshot(runId);
    if (!stored) return undefined;
    // Stored as running but not a job of this window: the window that ran it was reloaded or closed
    // (or another window runs it). Say so instead of showing a run that seems to go on.
    if (stored.status === 'running' || stored.status === 'pending') {
      return this.withSaves({
        ...stored,
        etaSeconds: null,
        detail: `Not running in this window (VS Code was reloaded or closed while it ran, or another window runs it). Last: ${stored.detail}`,
      });
    }
    return this.withSaves(stored);
  }

  /** Stored runs, newest first, with this window's running ones. */
  async listRuns(): Promise<TuneRunSummary[]> {
    const { TuneRunsRepository } = await import('../../core/tuning/runsRepository');
    const stored = new TuneRunsRepository(await this.ctx.getStore()).list();
    return stored.sort((a, b) => (a.startedAt < b.startedAt ? 1 : -1));
  }

  /** Model ids used by recent runs, offered first in the form. */
  async recentModels(limit = 20): Promise<string[]> {
    try {
      const runs = (await this.listRuns()).slice(0, 10);
      const ids: string[] = [];
      for (const r of runs) {
        const s = await this.snapshot(r.runId);
        if (s) ids.push(s.metaModel, ...s.targetModels);
      }
      return [...new Set(ids)].slice(0, limit);
    } catch (error) {
      this.ctx.log.warn(`Reading earlier runs failed: ${String(error)}`);
      return [];
    }
  }

  /** Saves a run's best prompt as a library version (source `tuned`), unless it is saved already. */
  async saveBest(runId: string, name: string): Promise<PromptVersion> {
    const s = await this.snapshot(runId);
    if (!s?.best) throw new UserError('This run has no best prompt yet: wait until a prompt has been scored.');
    const library = await this.ctx.getLibrary();
    if (s.savedVersion) {
      const existing = library.getVersion(s.savedVersion.id);
      if (existing) return existing;
    }
    const saved = library.addVersion({
      name,
      text: s.best.text,
      source: 'tuned',
      score: s.best.score,
      runId: s.runId,
      parentVersionId: s.baseVersionId,
      label: `tuned ${Math.round(s.best.score * 100)}%`,
    });
    const ref = { id: saved.id, name: saved.promptName, version: saved.version };
    this.savedLater.set(runId, ref);
    // A live job rewrites its stored snapshot as it goes (and saves on completion); a finished run is updated here.
    if (!this.jobs.has(runId)) {
      const { TuneRunsRepository } = await import('../../core/tuning/runsRepository');
      new TuneRunsRepository(await this.ctx.getStore()).recordSavedVersion(runId, ref);
    }
    const after = await this.snapshot(runId);
    if (after) this.didChange.fire(after);
    return saved;
  }

  private withSaves(s: TuneRunSnapshot): TuneRunSnapshot {
    const later = this.savedLater.get(s.runId);
    return later && !s.savedVersion ? { ...s, savedVersion: later } : s;
  }

  dispose(): void {
    for (const job of this.jobs.values()) job.cancel('VS Code window closed');
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
