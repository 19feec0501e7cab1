// Prompt tuning in the editor: the panel's commands, its serializer (panels come back after a reload),
// the run service that outlives the panel, and the read-only run texts the diff shows.
import * as vscode from 'vscode';
import type { HostCommand } from '../commandTypes';
import type { HostContext } from '../hostContext';
import { pickRun } from '../runPicker';
import { RUN_TEXT_SCHEME, RunTextProvider } from './bestActions';
import { TUNING_VIEW_TYPE } from './tuningPage';
import { TuningService } from './tuningService';

// The panel module (zod, the protocol) loads on first use, not at activation.
const panelModule = () => import('./tuningPanel');

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
        (await panelModule()).TuningPanel.show(
          ctx,
          service,
          undefined,
          typeof basePrompt === 'string' && basePrompt.trim() ? { basePrompt } : undefined,
        );
      },
    },
    { id: 'tuning.openRun', run: (_ctx, arg) => openRun(ctx, service, arg) },
  ];
}

async function openRun(ctx: HostContext, service: TuningService, arg: unknown): Promise<void> {
  const { TuningPanel } = await panelModule();
  // A run id passed by another command (or a test) opens that run directly.
  await pickRun({
    arg,
    list: () => service.listRuns(),
    present: (r) => ({
      runId: r.runId,
      status: r.status,
      startedAt: r.startedAt,
      label: `${r.suiteName} · ${r.mode === 'quick' ? 'Quick' : 'Evolutionary'}`,
      description: r.bestScore !== null ? `best ${Math.round(r.bestScore * 100)}%` : '',
    }),
    open: (runId) => TuningPanel.show(ctx, service, runId),
    title: 'Open Tuning Run',
    placeHolder: 'A past or running tuning run',
    noneYet: 'No tuning runs yet in this workspace.',
    startLabel: 'Run Prompt Tuning',
  });
}
