// Set API Key, Clear API Key and Test Model Connection. Keys go to SecretStorage only; nothing logs them.
import * as vscode from 'vscode';
import type { HostCommand } from '../commandTypes';
import type { HostContext } from '../hostContext';
import { UserError } from '../runCommand';
import { keyProviders, readModelSettings, secretName } from './modelSettings';
import { cacheCommands } from './cacheCommands';

/** Runs with an optional provider id argument (tests and other commands pass one). */
async function setApiKey(ctx: HostContext, arg?: unknown): Promise<void> {
  const settings = readModelSettings();
  const secrets = ctx.extension.secrets;
  let provider = typeof arg === 'string' ? arg : undefined;
  if (!provider) {
    const items = await Promise.all(
      keyProviders(settings).map(async (p) => ({
        label: p.id,
        description: (await secrets.get(secretName(p.id))) ? 'key stored' : '',
        detail: p.detail,
      })),
    );
    provider = (
      await vscode.window.showQuickPick(items, {
        title: 'Set API Key',
        placeHolder: 'Provider or endpoint the key is for',
      })
    )?.label;
  }
  if (!provider) return;
  const key = await vscode.window.showInputBox({
    title: `API key for ${provider}`,
    prompt: `Stored in VS Code's secret storage, never in settings or files.`,
    password: true,
    ignoreFocusOut: true,
    validateInput: (v) => (v.trim() === '' ? 'Enter the key' : /\s/.test(v.trim()) ? 'A key has no spaces' : undefined),
  });
  if (key === undefined) return;
  await secrets.store(secretName(provider), key.trim());
  ctx.log.info(`API key for ${provider} stored in secret storage`);
  void vscode.window.showInformationMessage(`Saved the API key for ${provider}.`);
}

async function clearApiKey(ctx: HostContext, arg?: unknown): Promise<void> {
  const secrets = ctx.extension.secrets;
  let provider = typeof arg === 'string' ? arg : undefined;
  if (!provider) {
    const stored: string[] = [];
    for (const p of keyProviders(readModelSettings())) if (await secrets.get(secretName(p.id))) stored.push(p.id);
    if (stored.length === 0) {
      void vscode.window.showInformationMessage('No API keys are stored.');
      return;
    }
    provider = await vscode.window.showQuickPick(stored, {
      title: 'Clear API Key',
      placeHolder: 'Provider whose key to remove',
    });
  }
  if (!provider) return;
  await secrets.delete(secretName(provider));
  ctx.log.info(`API key for ${provider} removed from secret storage`);
  void vscode.window.showInformationMessage(`Removed the API key for ${provider}.`);
}

const OTHER = 'Enter a model id…';

async function pickModel(ctx: HostContext): Promise<string | undefined> {
  const { editorModelsFor } = await import('./editorModels');
  const suggestions = await editorModelsFor(ctx).listModels();
  const items: vscode.QuickPickItem[] = suggestions
    .filter((s) => !s.id.endsWith('/'))
    .map((s) => ({ label: s.id, description: s.source }));
  try {
    for (const m of await vscode.lm.selectChatModels())
      items.push({ label: `vscode-lm/${m.id}`, description: `VS Code · ${m.vendor}` });
  } catch {
    // No language-model API here (older VS Code, code-server without Copilot).
  }
  items.push({
    label: OTHER,
    description: 'provider/model, e.g. openai/gpt-4o-mini, ollama/llama3.1, vscode-lm/gpt-4o',
  });
  const picked = await vscode.window.showQuickPick(items, {
    title: 'Test Model Connection',
    placeHolder: 'Model to test',
  });
  if (!picked) return undefined;
  if (picked.label !== OTHER) return picked.label;
  const prefill = suggestions.find((s) => s.id.endsWith('/'))?.id;
  return vscode.window.showInputBox({
    title: 'Test Model Connection',
    prompt: 'Model id as provider/model',
    ...(prefill ? { value: prefill } : {}),
    validateInput: (v) =>
      /^[^/\s]+\/\S+$/.test(v.trim()) ? undefined : 'Write provider/model, e.g. openai/gpt-4o-mini',
  });
}

async function testConnection(ctx: HostContext, arg?: unknown): Promise<string | undefined> {
  const model = typeof arg === 'string' ? arg : await pickModel(ctx);
  if (!model) return undefined;
  const gateway = await ctx.getGateway();
  const { ModelError } = await import('../../core/models/types');
  try {
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Testing ${model}…`, cancellable: true },
      (_progress, token) => {
        const controller = new AbortController();
        token.onCancellationRequested(() => controller.abort());
        return gateway.call(
          {
            model: model.trim(),
            messages: [{ role: 'user', content: 'Reply with the single word OK.' }],
            maxTokens: 16,
          },
          { cache: false, signal: controller.signal },
        );
      },
    );
    const message = `Connected to ${result.model} in ${result.latencyMs} ms`;
    ctx.log.info(message);
    void vscode.window.showInformationMessage(message);
    return message;
  } catch (error) {
    if (error instanceof ModelError) {
      if (error.kind === 'cancelled') return undefined;
      ctx.log.warn(`Test Model Connection: ${error.message}`);
      const fix = error.kind === 'auth' || error.kind === 'config' ? 'Set API Key' : undefined;
      void vscode.window.showErrorMessage(error.message, ...(fix ? [fix] : [])).then((choice) => {
        if (choice === 'Set API Key')
          void vscode.commands.executeCommand('promptTuner.models.setApiKey', error.provider);
      });
      return error.message;
    }
    throw error instanceof Error ? error : new UserError(String(error));
  }
}

export function modelsFeature(_ctx: HostContext): HostCommand[] {
  return [
    { id: 'models.setApiKey', run: (ctx, arg) => setApiKey(ctx, arg) },
    { id: 'models.clearApiKey', run: (ctx, arg) => clearApiKey(ctx, arg) },
    { id: 'models.testConnection', run: (ctx, arg) => testConnection(ctx, arg) },
    ...cacheCommands(),
  ];
}
