// Show Response Cache and Clear Response Cache: the CLI's `prompt-tuner cache stats|clear` in the editor, over
// the same workspace store, so a comparison can start from fresh answers without leaving VS Code.
import * as vscode from 'vscode';
import type { HostCommand } from '../commandTypes';
import type { HostContext } from '../hostContext';
import { createStoreResponseCache, formatCacheStats } from '../../core/models/responseCache';

const CLEAR = 'Clear';

async function openCache(ctx: HostContext) {
  return createStoreResponseCache(await ctx.getStore());
}

async function showResponseCache(ctx: HostContext): Promise<void> {
  const stats = (await openCache(ctx)).stats();
  const [summary = '', ...perModel] = formatCacheStats(stats, new Date()).trimEnd().split('\n');
  ctx.log.info(`Response cache: ${summary}${perModel.length > 0 ? `\n${perModel.join('\n')}` : ''}`);
  if (perModel.length === 0) void vscode.window.showInformationMessage(summary);
  else
    void vscode.window.showInformationMessage(summary, {
      modal: true,
      detail: `Per model:\n${perModel.map((l) => l.trim()).join('\n')}`,
    });
}

async function clearResponseCache(ctx: HostContext): Promise<void> {
  const cache = await openCache(ctx);
  const { entries } = cache.stats();
  if (entries === 0) {
    void vscode.window.showInformationMessage('The response cache is empty.');
    return;
  }
  const choice = await vscode.window.showWarningMessage(
    `Clear the response cache? ${entries} cached answer${entries === 1 ? '' : 's'} will be removed.`,
    {
      modal: true,
      detail: 'Later evaluations ask the models again (and pay for it). Measured latencies are kept.',
    },
    CLEAR,
  );
  if (choice !== CLEAR) return;
  const removed = cache.clear();
  ctx.log.info(`Response cache cleared: ${removed} entries removed`);
  void vscode.window.showInformationMessage(`Removed ${removed} cached answer${removed === 1 ? '' : 's'}.`);
}

/** Registered by the models feature (modelCommands.ts). */
export function cacheCommands(): HostCommand[] {
  return [
    { id: 'models.showResponseCache', run: (ctx) => showResponseCache(ctx) },
    { id: 'models.clearResponseCache', run: (ctx) => clearResponseCache(ctx) },
  ];
}
