// Scale testing in the editor: the panel's commands (Run Scale Test, also on an *.agent.json in the
// explorer; Open Scale Test Run…), its serializer (panels come back after a reload), the run service that
// outlives the panel, and the read-only transcript and prompt documents.
import * as vscode from 'vscode';
import type { HostCommand } from '../commandTypes';
import type { HostContext } from '../hostContext';
import { pickRun } from '../runPicker';
import { SCALE_DOC_SCHEME, ScaleDocumentProvider } from './scaleDocuments';
import { SCALE_VIEW_TYPE } from './scalePage';
import { ScaleService } from './scaleService';

// The panel module (zod, the protocol) loads on first use, not at activation.
const panelModule = () => import('./scalePanel');

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

async function openRun(ctx: HostContext, service: ScaleService, arg: unknown): Promise<void> {
  const { ScalePanel } = await panelModule();
  // A run id passed by another command (a notification's "Show Report", a test) opens that run directly.
  await pickRun({
    arg,
    list: () => service.listRuns(),
    present: (r) => ({
      runId: r.runId,
      status: r.status,
      startedAt: r.startedAt,
      label: `${r.agentName}${r.verifiesRunId ? ' · verification' : ''}`,
      description: `${r.runs} runs · ${r.agentModel}${r.winRate !== null ? ` · win rate ${Math.round(r.winRate * 100)}%` : ''}`,
    }),
    open: (runId) => ScalePanel.show(ctx, service, runId ? { runId } : {}),
    title: 'Open Scale Test Run',
    placeHolder: 'A past or running scale test',
    noneYet: 'No scale test runs yet in this workspace.',
    startLabel: 'Run Scale Test',
  });
}
