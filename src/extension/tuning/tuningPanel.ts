// The "Prompt Tuning" WebviewPanel: the form's suites and models, and the tuning actions (estimate, start,
// cancel, the best prompt's buttons). The handshake, the queue, the run it follows and the validation of every
// webview message are RunPanel's.
import * as vscode from 'vscode';
import { parseTuneConfig } from '../../core/tuning/config';
import { scoreSeries } from '../../core/tuning/scoreSeries';
import type { TuneRunSnapshot } from '../../core/tuning/types';
import {
  parseWebviewMessage,
  type HostMessage,
  type TuningRunView,
  type ValidWebviewMessage,
} from '../../protocol/tuningPanel';
import type { HostContext } from '../hostContext';
import { isUserFacing, UserError } from '../runCommand';
import { messageOf, RunPanel, runIdOfState, type RunPanelKind, type RunSource } from '../runPanel';
import { bestActions } from './bestActions';
import { buildOptions } from './tuningOptions';
import { TUNING_PAGE } from './tuningPage';
import type { TuningService } from './tuningService';

const TUNING_PANEL: RunPanelKind<ValidWebviewMessage> = {
  page: TUNING_PAGE,
  noun: 'Tuning',
  parse: parseWebviewMessage,
};

const runView = (s: TuneRunSnapshot): TuningRunView => ({ ...s, scoreSeries: scoreSeries(s) });

// The panel draws the chart from series derived here, so the webview only renders what it is sent.
function withScoreSeries(runs: RunSource<TuneRunSnapshot>): RunSource<TuningRunView> {
  return {
    onDidChangeRun: (listener, thisArgs?: unknown, disposables?: vscode.Disposable[]) =>
      runs.onDidChangeRun((s) => listener.call(thisArgs, runView(s)) as unknown, undefined, disposables),
    snapshot: async (runId) => {
      const s = await runs.snapshot(runId);
      return s && runView(s);
    },
    lastRun: () => runs.lastRun(),
  };
}

export class TuningPanel extends RunPanel<HostMessage, ValidWebviewMessage, TuningRunView> {
  private static current: TuningPanel | undefined;

  /**
   * Opens the panel or brings it to the front; with a run id it switches to that run. With a base prompt
   * (Tune from Revised Prompt) it opens a fresh form that starts from that prompt.
   */
  static show(ctx: HostContext, service: TuningService, runId?: string, init?: { basePrompt: string }): TuningPanel {
    // A form's draft lives in its webview's state: only a new panel's form starts from the given prompt.
    if (init) TuningPanel.current?.dispose();
    if (TuningPanel.current) {
      TuningPanel.current.panel.reveal(RunPanel.column());
      if (runId) TuningPanel.current.follow(runId, true);
      return TuningPanel.current;
    }
    const panel = RunPanel.createPanel(ctx, TUNING_PAGE);
    TuningPanel.current = new TuningPanel(
      panel,
      ctx,
      service,
      runId ?? null,
      runId !== undefined,
      init?.basePrompt ?? null,
    );
    return TuningPanel.current;
  }

  /** The serializer's entry: a panel VS Code restored after a reload, with the webview's saved state. */
  static revive(ctx: HostContext, service: TuningService, panel: vscode.WebviewPanel, state: unknown): TuningPanel {
    TuningPanel.current?.dispose();
    panel.webview.options = RunPanel.webviewOptions(ctx);
    TuningPanel.current = new TuningPanel(panel, ctx, service, runIdOfState(state), false);
    return TuningPanel.current;
  }

  /** Suites offered in the last options: the only files an estimate may read. */
  private suiteFiles = new Set<string>();

  private constructor(
    panel: vscode.WebviewPanel,
    ctx: HostContext,
    private readonly service: TuningService,
    runId: string | null,
    revealRun: boolean,
    /** The base prompt a new form starts from (instead of the active context or the default); null: none given. */
    private readonly initialBasePrompt: string | null = null,
  ) {
    super(TUNING_PANEL, panel, ctx, withScoreSeries(service), {
      runId,
      reveal: revealRun,
      orLastRun: initialBasePrompt === null,
    });
  }

  protected override async sendOptions(): Promise<void> {
    const built = await buildOptions(this.ctx, await this.service.recentModels());
    // A form the user has not edited takes the default base prompt: here, the one this panel was opened with.
    const options =
      this.initialBasePrompt !== null
        ? { ...built, defaultBasePrompt: this.initialBasePrompt, activeContext: null }
        : built;
    this.suiteFiles = new Set(options.suites.map((s) => s.file));
    this.post({ type: 'options/didChange', options });
  }

  protected override async handle(m: ValidWebviewMessage): Promise<void> {
    switch (m.type) {
      case 'estimate/compute':
        try {
          if (!this.suiteFiles.has(m.params.suiteFile))
            throw new UserError('This suite is no longer in the workspace: refresh the list.');
          const estimate = await this.service.estimate(m.params);
          this.post({ type: 'estimate/didCompute', requestId: m.requestId, estimate, error: null });
        } catch (error) {
          this.post({ type: 'estimate/didCompute', requestId: m.requestId, estimate: null, error: messageOf(error) });
        }
        return;
      case 'tuning/start':
        try {
          await this.start(m.config);
        } catch (error) {
          this.post({ type: 'tuning/didFailToStart', message: messageOf(error) });
          if (!isUserFacing(error)) this.ctx.log.error('Starting a tuning run failed', error);
        }
        return;
      case 'tuning/resume':
        try {
          this.showStarted(runView(await this.service.resume(m.runId)));
        } catch (error) {
          this.post({ type: 'tuning/didFailToStart', message: messageOf(error) });
          if (!isUserFacing(error)) this.ctx.log.error('Resuming a tuning run failed', error);
        }
        return;
      case 'tuning/cancel':
        if (!this.service.cancel(m.runId))
          void vscode.window.showInformationMessage('This run is not running any more.');
        return;
      case 'library/saveBasePrompt': {
        const saved = await bestActions.saveText(this.ctx, m.text);
        if (saved) {
          this.post({
            type: 'library/didSaveBasePrompt',
            version: {
              id: saved.id,
              promptName: saved.promptName,
              version: saved.version,
              label: saved.label,
              source: saved.source,
              createdAt: saved.createdAt,
              score: saved.score,
              text: saved.text,
            },
          });
          await this.sendVersions();
        }
        return;
      }
      case 'best/applyToContext':
        await bestActions.apply(this.ctx, this.service, m.runId);
        return;
      case 'best/saveToLibrary':
        await bestActions.save(this.ctx, this.service, m.runId);
        return;
      case 'best/viewInLibrary':
        await bestActions.view(this.ctx, this.service, m.runId);
        return;
      case 'best/copy':
        await bestActions.copy(this.service, m.runId);
        return;
      case 'best/showDiff':
        await bestActions.diff(this.service, m.runId);
        return;
      case 'webview/ready':
      case 'options/refresh':
        // Handled by RunPanel.onMessage before handle() is called: these never arrive here.
        return;
    }
  }

  private async start(config: unknown): Promise<void> {
    const parsed = parseTuneConfig(config);
    // Only a suite the host itself found may be opened: the webview does not pick files.
    const suites = (
      await vscode.workspace.findFiles('**/*.suite.json', '**/{node_modules,.git,.prompt-tuner}/**', 500)
    ).map((u) => u.fsPath);
    if (!suites.includes(parsed.suiteFile))
      throw new UserError(`suiteFile: ${parsed.suiteFile} is not a *.suite.json file of this workspace.`);
    this.showStarted(runView(await this.service.start(parsed)));
  }

  override dispose(): void {
    if (TuningPanel.current === this) TuningPanel.current = undefined;
    super.dispose();
  }
}
