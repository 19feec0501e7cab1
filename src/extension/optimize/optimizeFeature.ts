// Prompt optimization in the editor: Run Prompt Optimization (also on a config file in the explorer) and
// Open Prompt Optimization (the workspace store, or a store file given), the panel's serializer (it comes back
// after a reload), the service that owns the runs and stores, and the read-only prompt documents for the diff.
import * as vscode from 'vscode';
import type { HostCommand } from '../commandTypes';
import type { HostContext } from '../hostContext';
import { OPTIMIZE_DOC_SCHEME, OptimizeDocumentProvider } from './optimizeActions';
import { OPTIMIZE_VIEW_TYPE } from './optimizePage';
import { OptimizeService, type OptimizeServiceOptions } from './optimizeService';
import type * as OptimizePanelModule from './optimizePanel';
import type * as OptimizeRunModule from './optimizeRun';

// The panel (zod, the protocol) and the run command load on first use, not at activation: require(), which
// esbuild keeps lazy and mocha's tsx/cjs resolves (it does not resolve a dynamic import()).
// Lazy: the panel loads on first use, not at activation
const panelModule = () => require('./optimizePanel') as typeof OptimizePanelModule;
// Lazy: the run command loads on first use
const runModule = () => require('./optimizeRun') as typeof OptimizeRunModule;

/** What the open command accepts: a store file (explorer), or the store and run to show (a notification's "Show Run"). */
function openArgsOf(arg: unknown): { storePath?: string; runId?: string } {
  if (arg instanceof vscode.Uri) return arg.scheme === 'file' ? { storePath: arg.fsPath } : {};
  if (typeof arg !== 'object' || arg === null) return {};
  const a = arg as Record<string, unknown>;
  return {
    ...(typeof a['storePath'] === 'string' ? { storePath: a['storePath'] } : {}),
    ...(typeof a['runId'] === 'string' ? { runId: a['runId'] } : {}),
  };
}

export function optimizeFeature(ctx: HostContext, options: OptimizeServiceOptions = {}): HostCommand[] {
  const service = new OptimizeService(ctx, options);
  const startRun = async (storePath: string): Promise<void> => {
    await vscode.commands.executeCommand('promptTuner.optimize.run', { storePath });
  };
  const show = (opts: { storePath?: string; runId?: string }) =>
    panelModule().OptimizePanel.show(ctx, service, startRun, opts);
  ctx.extension.subscriptions.push(
    service,
    vscode.window.registerWebviewPanelSerializer(OPTIMIZE_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel) => {
        panelModule().OptimizePanel.revive(ctx, service, startRun, panel);
      },
    }),
    vscode.workspace.registerTextDocumentContentProvider(OPTIMIZE_DOC_SCHEME, new OptimizeDocumentProvider(service)),
  );
  return [
    {
      id: 'optimize.run',
      run: async (_ctx, arg) => {
        const { runOptimization, runArgsOf } = runModule();
        return runOptimization(ctx, service, runArgsOf(arg), (storePath, runId) => show({ storePath, runId }));
      },
    },
    { id: 'optimize.open', run: (_ctx, arg) => show(openArgsOf(arg)) },
  ];
}
