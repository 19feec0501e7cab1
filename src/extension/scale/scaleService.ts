// Owns the scale-test jobs of this window: a run goes on when its panel is closed, and any panel that opens
// later shows its latest snapshot. Also the form → config mapping (the host resolves the prompt text), the
// estimate with the user's price overrides, Verify, Resume and the stored runs.
import * as vscode from 'vscode';
import type { Agent } from '../../core/agents/agentSchema';
import type { PriceBook } from '../../core/models/prices';
import type { ScaleJob } from '../../core/scale/engine';
import type { PriceProviderOf } from '../../core/scale/estimate';
import type {
  ConversationSummary,
  PromptSource,
  ScaleConfig,
  ScaleEstimate,
  ScaleRunSnapshot,
  ScaleRunSummary,
  TranscriptMessage,
} from '../../core/scale/types';
import type { ScaleForm } from '../../protocol/scalePanel';
import type { HostContext } from '../hostContext';
import { UserError } from '../runCommand';
import { AgentCache, agentLabel, agentPromptText, workspaceRoot } from './scaleOptions';

/** Asked before a start whose estimate is over the budget; false: do not start. */
export type ConfirmOverBudget = (estimate: ScaleEstimate, text: string) => Promise<boolean>;

const isLive = (s: { status: string }) => s.status === 'running' || s.status === 'pending';

export class ScaleService implements vscode.Disposable {
  private readonly jobs = new Map<string, ScaleJob>();
  /** A verification running in this window, by the run it verifies (that run's snapshot shows its progress). */
  private readonly verifying = new Map<string, string>();
  private readonly didChange = new vscode.EventEmitter<ScaleRunSnapshot>();
  private readonly disposables: vscode.Disposable[] = [this.didChange];
  /** The run started last in this window. */
  private lastRunId: string | null = null;
  readonly agents = new AgentCache();

  /** Fires with the whole snapshot of a run after every change (and of the run a verification verifies). */
  readonly onDidChangeRun = this.didChange.event;

  constructor(private readonly ctx: HostContext) {}

  private async repo() {
    const { ScaleRunsRepository } = await import('../../core/scale/runsRepository');
    return new ScaleRunsRepository(await this.ctx.getStore());
  }

  /** The price table with the user's overrides (promptTuner.prices), and which table an endpoint's models use. */
  private async prices(): Promise<{ prices: PriceBook; priceProviderOf: PriceProviderOf }> {
    const [{ createPriceBook }, { readModelSettings }, { defaultPriceProviderOf }] = await Promise.all([
      import('../../core/models/prices'),
      import('../models/modelSettings'),
      import('../../core/scale/estimate'),
    ]);
    const settings = readModelSettings();
    const prices = createPriceBook(settings.prices);
    await prices.ready();
    const priceProviderOf: PriceProviderOf = (m) =>
      settings.endpoints.find((e) => e.name === m.slice(0, m.indexOf('/')))?.pricesFrom ?? defaultPriceProviderOf(m);
    return { prices, priceProviderOf };
  }

  /** The system prompt text the form chose, resolved here (the webview never sends prompt text). */
  private async resolvePrompt(form: ScaleForm, agent: Agent): Promise<{ text: string; source: PromptSource }> {
    const choice = form.prompt;
    if (choice.kind === 'agent') {
      const p = await agentPromptText(this.ctx, agent);
      if ('error' in p) throw new UserError(`systemPrompt: ${agent.file}: ${p.error}`);
      return {
        text: p.text,
        source:
          p.versionId !== undefined
            ? { kind: 'library', versionId: p.versionId, ref: agent.promptRef ?? '' }
            : { kind: 'agent' },
      };
    }
    const library = await this.ctx.getLibrary();
    if (choice.kind === 'context') {
      const active = await this.ctx.activeContext.get();
      if (!active)
        throw new UserError('systemPrompt: no prompt is applied to context any more: choose another system prompt.');
      return {
        text: active.text,
        source: { kind: 'library', versionId: active.id, ref: `${active.promptName}@${active.version}` },
      };
    }
    const v = library.getVersion(choice.versionId);
    if (!v) throw new UserError('systemPrompt: this library version no longer exists: choose another one.');
    return { text: v.text, source: { kind: 'library', versionId: v.id, ref: `${v.promptName}@${v.version}` } };
  }

  /** The engine's config for a form; throws ScaleConfigError / AgentFileProblem / UserError naming the field. */
  async configOf(form: ScaleForm, idempotencyKey?: string): Promise<{ config: ScaleConfig; agent: Agent }> {
    const agent = await this.agents.require(form.agentFile);
    const prompt = await this.resolvePrompt(form, agent);
    const { parseScaleConfig } = await import('../../core/scale/config');
    const config = parseScaleConfig({
      agentFile: agentLabel(form.agentFile),
      agentModel: form.agentModel,
      ...(form.userModel ? { userModel: form.userModel } : {}),
      ...(form.judgeModel ? { judgeModel: form.judgeModel } : {}),
      ...(form.summarizerModel ? { summarizerModel: form.summarizerModel } : {}),
      systemPrompt: prompt.text,
      promptSource: prompt.source,
      ...(form.goal ? { goal: form.goal } : {}),
      ...(form.userMessage ? { userMessage: form.userMessage } : {}),
      runs: form.runs,
      concurrency: form.concurrency,
      ...(form.maxBudgetUsd !== undefined ? { maxBudgetUsd: form.maxBudgetUsd } : {}),
      ...(idempotencyKey ? { idempotencyKey } : {}),
    });
    return { config, agent };
  }

  async estimate(form: ScaleForm): Promise<{ estimate: ScaleEstimate; text: string }> {
    const [{ config, agent }, { prices, priceProviderOf }, { estimateScale, formatScaleEstimate }] = await Promise.all([
      this.configOf(form),
      this.prices(),
      import('../../core/scale/estimate'),
    ]);
    // Latency measured before makes the seconds better; without a gateway the default is assumed and said so.
    const gateway = await this.ctx.getGateway().catch(() => undefined);
    const estimate = estimateScale(config, agent, prices, (m) => gateway?.measuredLatencyMs(m), priceProviderOf);
    return { estimate, text: formatScaleEstimate(estimate) };
  }

  private assertTrusted(): void {
    if (!vscode.workspace.isTrusted)
      throw new UserError('Scale tests are off in an untrusted workspace: trust the workspace first.');
  }

  private async deps(agent: Agent) {
    const [gateway, store, { prices, priceProviderOf }] = await Promise.all([
      this.ctx.getGateway(),
      this.ctx.getStore(),
      this.prices(),
    ]);
    const cwd = workspaceRoot();
    return { agent, gateway, store, prices, priceProviderOf, ...(cwd ? { cwd } : {}) };
  }

  /**
   * Starts a run (or, for a key used before, returns that run without a call). Over budget, `confirm` is asked
   * first; declined, nothing starts (UserError). Throws ScaleConfigError / UserError for the user.
   */
  async start(form: ScaleForm, idempotencyKey: string, confirm: ConfirmOverBudget): Promise<ScaleRunSnapshot> {
    this.assertTrusted();
    const repo = await this.repo();
    const earlier = repo.findByIdempotencyKey(idempotencyKey);
    if (earlier) {
      const s = await this.snapshot(earlier);
      if (s) {
        this.ctx.log.info(`Scale run ${earlier}: a start with the same idempotency key returned it (no call made)`);
        return s;
      }
    }
    const [{ config, agent }, { startScaleRun }] = await Promise.all([
      this.configOf(form, idempotencyKey),
      import('../../core/scale/engine'),
    ]);
    const deps = await this.deps(agent);
    const { estimateScale, formatScaleEstimate } = await import('../../core/scale/estimate');
    const estimate = estimateScale(
      config,
      agent,
      deps.prices,
      (m) => deps.gateway.measuredLatencyMs(m),
      deps.priceProviderOf,
    );
    if (estimate.overBudget && !(await confirm(estimate, formatScaleEstimate(estimate)))) {
      throw new UserError(
        `Not started: the estimate (${estimate.usd === null ? 'unknown' : `$${estimate.usd.toFixed(4)}`}) is over the budget of $${config.maxBudgetUsd}. Raise the budget or lower the runs.`,
      );
    }
    const job = startScaleRun(config, deps);
    this.lastRunId = job.runId;
    this.ctx.log.info(
      `Scale run ${job.runId} ${job.reused ? 'reused (same idempotency key)' : 'started'}: ${agent.name}, ${config.runs} runs × ${config.concurrency}, agent ${config.agentModel}, user ${config.userModel}, judge ${config.judgeModel}, summarizer ${config.summarizerModel}, ${job.estimate.calls} calls planned${config.maxBudgetUsd !== undefined ? `, cap $${config.maxBudgetUsd}` : ''}`,
    );
    this.track(job);
    return job.snapshot();
  }

  /** Verify Revised Prompt: the revised prompt on the same scenarios, seeds and models. Returns the verification's snapshot. */
  async verify(runId: string): Promise<ScaleRunSnapshot> {
    this.assertTrusted();
    if (this.verifying.has(runId)) throw new UserError('This run is being verified already.');
    const repo = await this.repo();
    const config = repo.config(runId);
    if (!config) throw new UserError('This scale run is no longer in the store.');
    const [agent, { startVerification }] = await Promise.all([
      this.agentOfRun(config),
      import('../../core/scale/verify'),
    ]);
    const job = startVerification(runId, await this.deps(agent));
    this.verifying.set(runId, job.runId);
    this.ctx.log.info(
      `Scale run ${runId}: verification ${job.runId} started (${config.runs} runs of the revised prompt)`,
    );
    this.track(job);
    return job.snapshot();
  }

  /** Resume: the conversations an interrupted, failed or cancelled run did not finish. */
  async resume(runId: string): Promise<ScaleRunSnapshot> {
    this.assertTrusted();
    if (this.jobs.has(runId)) throw new UserError('This run is still running.');
    const repo = await this.repo();
    const config = repo.config(runId);
    if (!config) throw new UserError('This scale run is no longer in the store.');
    const [agent, { resumeScaleRun }] = await Promise.all([this.agentOfRun(config), import('../../core/scale/engine')]);
    const job = await resumeScaleRun(runId, await this.deps(agent));
    this.ctx.log.info(`Scale run ${runId} resumed`);
    this.track(job);
    return job.snapshot();
  }

  private async agentOfRun(config: ScaleConfig): Promise<Agent> {
    const { resolve } = await import('node:path');
    const root = workspaceRoot();
    return this.agents.require(root ? resolve(root, config.agentFile) : config.agentFile);
  }

  private track(job: ScaleJob): void {
    if (this.jobs.has(job.runId)) return;
    const live = !job.reused || isLive(job.snapshot());
    if (live) this.jobs.set(job.runId, job);
    const off = job.onSnapshot((s) => this.fire(s));
    void job.done.then(async (final) => {
      off();
      this.jobs.delete(job.runId);
      const verified = final.verifiesRunId;
      if (verified && this.verifying.get(verified) === final.runId) this.verifying.delete(verified);
      this.fire(final);
      if (live && !job.reused) this.announce(final);
    });
  }

  private fire(s: ScaleRunSnapshot): void {
    this.didChange.fire(s);
    // A verification's progress shows on the run it verifies; when it ends, that run's report has `verification`.
    if (s.verifiesRunId) {
      void this.snapshot(s.verifiesRunId).then(
        (original) => original && this.didChange.fire(original),
        (e: unknown) => this.ctx.log.warn(`Reading scale run ${s.verifiesRunId} failed: ${String(e)}`),
      );
    }
  }

  private announce(s: ScaleRunSnapshot): void {
    const win = s.report?.stats.winRate;
    const rate = win === null || win === undefined ? 'no scored conversation' : `win rate ${Math.round(win * 100)}%`;
    this.ctx.log.info(`Scale run ${s.runId} ended: ${s.status}, ${rate}${s.error ? `: ${s.error}` : ''}`);
    const open = (choice: string | undefined) => {
      if (choice) void vscode.commands.executeCommand('promptTuner.scale.openRun', s.verifiesRunId ?? s.runId);
    };
    const what = s.verifiesRunId ? 'Verification' : 'Scale test';
    switch (s.status) {
      case 'completed':
        void vscode.window
          .showInformationMessage(
            `${what} finished: ${rate}${s.verifiesRunId ? ' with the revised prompt' : ''}.`,
            'Show Report',
          )
          .then(open);
        break;
      case 'failed':
        void vscode.window
          .showErrorMessage(`${what} failed: ${s.error ?? 'unknown reason (see the Prompt Tuner log)'}`, 'Show Report')
          .then(open);
        break;
      case 'budget_reached':
        void vscode.window
          .showWarningMessage(
            `${what} stopped: the budget was reached. The report covers the conversations finished before.`,
            'Show Report',
          )
          .then(open);
        break;
      case 'cancelled':
        void vscode.window.showInformationMessage(`${what} cancelled: finished conversations are kept.`);
        break;
      default:
        break;
    }
  }

  /** Cancels the run, or the verification of it; false when nothing of it runs in this window. */
  cancel(runId: string): boolean {
    const job = this.jobs.get(runId) ?? this.jobs.get(this.verifying.get(runId) ?? '');
    if (!job) return false;
    job.cancel('Cancelled by the user');
    return true;
  }

  /** The run started last in this window (running or not): a reopened panel shows it. */
  lastRun(): string | null {
    return this.lastRunId;
  }

  /** The latest snapshot: live for a running job, else the stored one, with a verification's progress. */
  async snapshot(runId: string): Promise<ScaleRunSnapshot | undefined> {
    const job = this.jobs.get(runId);
    let s = job ? job.snapshot() : (await this.repo()).getSnapshot(runId);
    if (!s) return undefined;
    if (!job && isLive(s)) {
      // Stored as running by a process that is alive, but not a job of this window: another window runs it.
      s = {
        ...s,
        etaSeconds: null,
        detail: `Not running in this window (another VS Code window or a prompt-tuner CLI runs it). Last: ${s.detail}`,
      };
    }
    const v = this.jobs.get(this.verifying.get(runId) ?? '');
    if (v) {
      const vs = v.snapshot();
      s = { ...s, verification: { runId: vs.runId, status: vs.status, completed: vs.completed, total: vs.total } };
    }
    return s;
  }

  async runConfig(runId: string): Promise<ScaleConfig | undefined> {
    return (await this.repo()).config(runId);
  }

  /** Stored runs, newest first. */
  async listRuns(): Promise<ScaleRunSummary[]> {
    return (await this.repo()).list();
  }

  /** A conversation as a readable document, and its summary; undefined when the run or conversation is unknown. */
  async transcript(
    runId: string,
    conversationId: string,
  ): Promise<{ text: string; summary: ConversationSummary } | undefined> {
    const s = await this.snapshot(runId);
    const summary =
      s?.conversations.find((c) => c.conversationId === conversationId) ??
      s?.report?.conversations.find((c) => c.conversationId === conversationId);
    if (!s || !summary) return undefined;
    const [{ transcriptText }, repo] = await Promise.all([import('../../core/scale/transcriptText'), this.repo()]);
    return { text: transcriptText(summary, repo.transcript(runId, conversationId)), summary };
  }

  /** A conversation's stored messages, in order. */
  async messages(runId: string, conversationId: string): Promise<TranscriptMessage[]> {
    return (await this.repo()).transcript(runId, conversationId);
  }

  /** Model ids used by recent runs, offered first in the form. */
  async recentModels(limit = 20): Promise<string[]> {
    try {
      const runs = (await this.listRuns()).slice(0, 10);
      return [...new Set(runs.map((r) => r.agentModel))].slice(0, limit);
    } catch (error) {
      this.ctx.log.warn(`Reading earlier scale runs failed: ${String(error)}`);
      return [];
    }
  }

  dispose(): void {
    for (const job of this.jobs.values()) job.cancel('VS Code window closed');
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
