// The "Scale Test" WebviewPanel: the form's agents and models, and the scale actions (estimate, start with
// an idempotency key, resume, verify, the report's buttons). The handshake, the queue, the run it follows and
// the validation of every webview message are RunPanel's. Closing the panel stops nothing: the service owns the jobs.
import * as vscode from 'vscode';
import type { ScaleRunSnapshot } from '../../core/scale/types';
import {
  parseWebviewMessage,
  type HostMessage,
  type ScaleAction,
  type ValidWebviewMessage,
} from '../../protocol/scalePanel';
import type { HostContext } from '../hostContext';
import { isUserFacing, UserError } from '../runCommand';
import { messageOf, RunPanel, runIdOfState, type RunPanelKind } from '../runPanel';
import * as actions from './scaleActions';
import { buildScaleOptions } from './scaleOptions';
import { SCALE_PAGE } from './scalePage';
import type { ScaleService } from './scaleService';

const SCALE_PANEL: RunPanelKind<ValidWebviewMessage> = { page: SCALE_PAGE, noun: 'Scale', parse: parseWebviewMessage };

export interface ShowOptions {
  /** Show this run (a run id from Open Scale Test Run… or a notification). */
  runId?: string;
  /** Select this agent file in the form (the explorer's Run Scale Test). */
  agentFile?: string;
}

export class ScalePanel extends RunPanel<HostMessage, ValidWebviewMessage, ScaleRunSnapshot> {
  private static current: ScalePanel | undefined;

  /** Opens the panel or brings it to the front; with a run id it switches to that run. */
  static show(ctx: HostContext, service: ScaleService, opts: ShowOptions = {}): ScalePanel {
    const existing = ScalePanel.current;
    if (existing) {
      existing.panel.reveal(RunPanel.column());
      if (opts.runId) existing.follow(opts.runId, true);
      if (opts.agentFile) existing.preselect(opts.agentFile);
      return existing;
    }
    const panel = RunPanel.createPanel(ctx, SCALE_PAGE);
    ScalePanel.current = new ScalePanel(
      panel,
      ctx,
      service,
      opts.runId ?? null,
      opts.runId !== undefined,
      opts.agentFile ?? null,
    );
    return ScalePanel.current;
  }

  /** The serializer's entry: a panel VS Code restored after a reload, with the webview's saved state. */
  static revive(ctx: HostContext, service: ScaleService, panel: vscode.WebviewPanel, state: unknown): ScalePanel {
    ScalePanel.current?.dispose();
    panel.webview.options = RunPanel.webviewOptions(ctx);
    ScalePanel.current = new ScalePanel(panel, ctx, service, runIdOfState(state), false, null);
    return ScalePanel.current;
  }

  /** Agent files offered in the last options: the only files an estimate or a start may read. */
  private agentFiles = new Set<string>();

  private constructor(
    panel: vscode.WebviewPanel,
    ctx: HostContext,
    private readonly service: ScaleService,
    runId: string | null,
    revealRun: boolean,
    /** Agent file a new form selects; sent once with the options. */
    private preselectAgentFile: string | null,
  ) {
    super(SCALE_PANEL, panel, ctx, service, { runId, reveal: revealRun, orLastRun: preselectAgentFile === null });
  }

  private preselect(agentFile: string): void {
    this.preselectAgentFile = agentFile;
    void this.sendOptions().catch((e: unknown) => this.fail('Options', e));
  }

  protected override async sendOptions(): Promise<void> {
    const options = await buildScaleOptions(
      this.ctx,
      this.service.agents,
      await this.service.recentModels(),
      this.preselectAgentFile,
    );
    // The preselection applies to the form once; later options leave the user's choice alone.
    this.preselectAgentFile = null;
    this.agentFiles = new Set(options.agents.map((a) => a.file));
    this.post({ type: 'options/didChange', options });
  }

  private assertAgent(file: string): void {
    // Only an agent file the host itself found may be read: the webview does not pick files.
    if (!this.agentFiles.has(file))
      throw new UserError(`agentFile: ${file} is not a *.agent.json file of this workspace: refresh the list.`);
  }

  private done(runId: string, action: ScaleAction, message: string | undefined): void {
    if (message) this.post({ type: 'action/didComplete', runId, action, message });
  }

  protected override async handle(m: ValidWebviewMessage): Promise<void> {
    switch (m.type) {
      case 'estimate/compute':
        try {
          this.assertAgent(m.form.agentFile);
          const { estimate, text } = await this.service.estimate(m.form);
          this.post({ type: 'estimate/didCompute', requestId: m.requestId, estimate, text, error: null });
        } catch (error) {
          if (!isUserFacing(error)) this.ctx.log.error('Scale estimate failed', error);
          this.post({
            type: 'estimate/didCompute',
            requestId: m.requestId,
            estimate: null,
            text: null,
            error: messageOf(error),
          });
        }
        return;
      case 'scale/start':
        try {
          this.assertAgent(m.form.agentFile);
          const snapshot = await this.service.start(m.form, m.idempotencyKey, (estimate, text) =>
            this.confirmOverBudget(estimate.usd, m.form.maxBudgetUsd, text),
          );
          this.showStarted(snapshot);
        } catch (error) {
          this.post({ type: 'scale/didFailToStart', idempotencyKey: m.idempotencyKey, message: messageOf(error) });
          if (!isUserFacing(error)) this.ctx.log.error('Starting a scale run failed', error);
        }
        return;
      case 'scale/cancel':
        if (!this.service.cancel(m.runId))
          void vscode.window.showInformationMessage('This run is not running in this window any more.');
        return;
      case 'scale/resume': {
        const s = await this.service.resume(m.runId);
        this.follow(s.runId, true);
        return;
      }
      case 'run/show':
        this.follow(m.runId, true);
        return;
      case 'transcript/open':
        this.done(m.runId, 'transcript', await actions.openTranscript(this.service, m.runId, m.conversationId, m.turn));
        return;
      case 'report/copy':
        this.done(m.runId, 'copy', await actions.copy(this.service, m.runId, m.what));
        return;
      case 'report/verify': {
        const v = await this.service.verify(m.runId);
        this.done(m.runId, 'verify', `Verification started (${v.total} conversations)`);
        // The original run's snapshot now carries the verification's progress.
        await this.sendRun();
        return;
      }
      case 'report/saveRevised':
        this.done(m.runId, 'saveRevised', await actions.saveRevised(this.ctx, this.service, m.runId));
        return;
      case 'report/showDiff':
        this.done(m.runId, 'showDiff', await actions.showDiff(this.service, m.runId));
        return;
      case 'report/tuneFromRevised':
        this.done(m.runId, 'tuneFromRevised', await actions.tuneFromRevised(this.service, m.runId));
        return;
      case 'conversation/addToSuite':
        this.done(m.runId, 'addToSuite', await actions.addToSuite(this.service, m.runId, m.conversationId));
        return;
      case 'webview/ready':
      case 'options/refresh':
        // Handled by RunPanel.onMessage before handle() is called: these never arrive here.
        return;
    }
  }

  private async confirmOverBudget(usd: number | null, cap: number | undefined, text: string): Promise<boolean> {
    const start = 'Start Anyway';
    const choice = await vscode.window.showWarningMessage(
      `The estimate (${usd === null ? 'unknown' : `$${usd.toFixed(4)}`}) is over the budget of $${cap ?? '?'}. Start anyway? No call starts that would exceed the cap, so the run may stop early with a partial report.`,
      { modal: true, detail: text },
      start,
    );
    return choice === start;
  }

  override dispose(): void {
    if (ScalePanel.current === this) ScalePanel.current = undefined;
    super.dispose();
  }
}
