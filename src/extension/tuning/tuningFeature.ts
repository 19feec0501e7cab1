// Prompt tuning in the editor: the panel's commands, its serializer (panels come back after a reload),
// the run service that outlives the panel, and the read-only run texts the diff shows.
import * as vscode from 'vscode';
import type { HostCommand } from '../commandTypes';
import type { HostContext } from '../hostContext';
import { RUN_TEXT_SCHEME, RunTextProvider } from './bestActions';
import { TUNING_VIEW_TYPE } from './tuningPage';
import { TuningService } from './tuningService';

// The panel module (zod, the protocol) loads on first use, not at activation.
const panelModule = () => import('./tuningPanel');

const STATUS_ICON: Record<string, string> = {
  running: '$(sync~spin)',
  pending: '$(sync~spin)',
  completed: '$(pass)',
  failed: '$(error)',
  cancelled: '$(circle-slash)',
  budget_reached: '$(warning)',
};

export function tuningFeature(ctx: HostContext): HostCommand[] {
  const service = new TuningService(ctx);
  ctx.extension.subscriptions.push(
    service,
    vscode.window.registerWebviewPanelSerializer(TUNING_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel, state) => {
        (await panelModule()).TuningPanel.revive(ctx, service, panel, state);
      },
    }),
    vscode.workspace.registerTextDocumentContentProvider(RUN_TEXT_SCHEME, new RunTextProvider(service)),
  );
  return [
    {
      id: 'tuning.open',
      // `{ basePrompt }` from another feature (Tune from Revised Prompt) opens a form starting from that prompt.
      run: async (_ctx, arg) => {
        const basePrompt = (arg as { basePrompt?: unknown } | undefined)?.basePrompt;
        (await panelModule()).TuningPanel.show(ctx, service, undefined, typeof basePrompt === 'string' && basePrompt.trim() ? { basePrompt } : undefined);
      },
    },
    { id: 'tuning.openRun', run: (_ctx, arg) => openRun(ctx, service, arg) },
  ];
}

interface RunItem extends vscode.QuickPickItem {
  runId: string;
}

async function openRun(ctx: HostContext, service: TuningService, arg: unknown): Promise<void> {
  // A run id passed by another command (or a test) opens that run directly.
  const { TuningPanel } = await panelModule();
  if (typeof arg === 'string' && arg.length > 0) {
    TuningPanel.show(ctx, service, arg);
    return;
  }
  const runs = await service.listRuns();
  if (runs.length === 0) {
    const choice = await vscode.window.showInformationMessage('No tuning runs yet in this workspace.', 'Run Prompt Tuning');
    if (choice) TuningPanel.show(ctx, service);
    return;
  }
  const items: RunItem[] = runs.map((r) => ({
    runId: r.runId,
    label: `${STATUS_ICON[r.status] ?? ''} ${r.suiteName} · ${r.mode === 'quick' ? 'Quick' : 'Evolutionary'}`.trim(),
    description: `${r.status.replace('_', ' ')}${r.bestScore !== null ? ` · best ${Math.round(r.bestScore * 100)}%` : ''}`,
    detail: `${new Date(r.startedAt).toLocaleString()} · ${r.runId}`,
  }));
  const pick = await vscode.window.showQuickPick(items, { title: 'Open Tuning Run', placeHolder: 'A past or running tuning run', matchOnDetail: true });
  if (pick) TuningPanel.show(ctx, service, pick.runId);
}
