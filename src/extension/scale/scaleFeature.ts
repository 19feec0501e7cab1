// Scale testing in the editor: the panel's commands (Run Scale Test, also on an *.agent.json in the
// explorer; Open Scale Test Run…), its serializer (panels come back after a reload), the run service that
// outlives the panel, and the read-only transcript and prompt documents.
import * as vscode from 'vscode';
import type { HostCommand } from '../commandTypes';
import type { HostContext } from '../hostContext';
import { SCALE_DOC_SCHEME, ScaleDocumentProvider } from './scaleDocuments';
import { SCALE_VIEW_TYPE } from './scalePage';
import { ScaleService } from './scaleService';

// The panel module (zod, the protocol) loads on first use, not at activation.
const panelModule = () => import('./scalePanel');

const STATUS_ICON: Record<string, string> = {
  running: '$(sync~spin)',
  pending: '$(sync~spin)',
  completed: '$(pass)',
  failed: '$(error)',
  cancelled: '$(circle-slash)',
  budget_reached: '$(warning)',
};

export function scaleFeature(ctx: HostContext): HostCommand[] {
  const service = new ScaleService(ctx);
  const documents = new ScaleDocumentProvider(service);
  ctx.extension.subscriptions.push(
    service,
    documents,
    vscode.window.registerWebviewPanelSerializer(SCALE_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel, state) => {
        (await panelModule()).ScalePanel.revive(ctx, service, panel, state);
      },
    }),
    vscode.workspace.registerTextDocumentContentProvider(SCALE_DOC_SCHEME, documents),
  );
  return [
    {
      id: 'scale.open',
      // From the explorer's context menu the argument is the agent file's URI.
      run: async (_ctx, arg) => {
        const agentFile = arg instanceof vscode.Uri && arg.scheme === 'file' ? arg.fsPath : undefined;
        (await panelModule()).ScalePanel.show(ctx, service, agentFile ? { agentFile } : {});
      },
    },
    { id: 'scale.openRun', run: (_ctx, arg) => openRun(ctx, service, arg) },
  ];
}

interface RunItem extends vscode.QuickPickItem {
  runId: string;
}

async function openRun(ctx: HostContext, service: ScaleService, arg: unknown): Promise<void> {
  const { ScalePanel } = await panelModule();
  // A run id passed by another command (a notification's "Show Report", a test) opens that run directly.
  if (typeof arg === 'string' && arg.length > 0) {
    ScalePanel.show(ctx, service, { runId: arg });
    return;
  }
  const runs = await service.listRuns();
  if (runs.length === 0) {
    const choice = await vscode.window.showInformationMessage('No scale test runs yet in this workspace.', 'Run Scale Test');
    if (choice) ScalePanel.show(ctx, service);
    return;
  }
  const items: RunItem[] = runs.map((r) => ({
    runId: r.runId,
    label: `${STATUS_ICON[r.status] ?? ''} ${r.agentName}${r.verifiesRunId ? ' · verification' : ''}`.trim(),
    description: `${r.status.replace('_', ' ')} · ${r.runs} runs · ${r.agentModel}${r.winRate !== null ? ` · win rate ${Math.round(r.winRate * 100)}%` : ''}`,
    detail: `${new Date(r.startedAt).toLocaleString()} · ${r.runId}`,
  }));
  const pick = await vscode.window.showQuickPick(items, { title: 'Open Scale Test Run', placeHolder: 'A past or running scale test', matchOnDetail: true, matchOnDescription: true });
  if (pick) ScalePanel.show(ctx, service, { runId: pick.runId });
}
