// `vscode-lm/<id>`: VS Code's Language Model API (Copilot's models, no key, after the user's consent).
// It has no system role and reports no token usage: the system prompt goes first as a user message, usage is 0.
import * as vscode from 'vscode';
import {
  type ModelProvider,
  type ProviderResponse,
  ProviderError,
  parseToolArguments,
} from '../../core/models/providerTypes';
import type { ModelRequest, ToolCall } from '../../core/models/types';

async function findModel(id: string): Promise<vscode.LanguageModelChat> {
  const all = await vscode.lm.selectChatModels();
  const match =
    all.find((m) => m.id === id) ??
    all.find((m) => m.family === id) ??
    all.find((m) => `${m.vendor}/${m.family}` === id);
  if (!match) {
    const known = all.map((m) => m.id).join(', ') || 'none (is GitHub Copilot Chat installed and signed in?)';
    throw new ProviderError('http', `no VS Code language model "${id}"; available: ${known}`, 404);
  }
  return match;
}

function toMessages(request: ModelRequest): vscode.LanguageModelChatMessage[] {
  const out: vscode.LanguageModelChatMessage[] = [];
  if (request.system) out.push(vscode.LanguageModelChatMessage.User(request.system));
  for (const m of request.messages) {
    if (m.role === 'user') out.push(vscode.LanguageModelChatMessage.User(m.content));
    else if (m.role === 'assistant') {
      const parts: Array<vscode.LanguageModelTextPart | vscode.LanguageModelToolCallPart> = [];
      if (m.content) parts.push(new vscode.LanguageModelTextPart(m.content));
      for (const [i, c] of (m.toolCalls ?? []).entries())
        parts.push(new vscode.LanguageModelToolCallPart(c.id ?? `call_${i}`, c.name, c.arguments ?? {}));
      out.push(vscode.LanguageModelChatMessage.Assistant(parts));
    } else {
      out.push(
        vscode.LanguageModelChatMessage.User([
          new vscode.LanguageModelToolResultPart(m.toolCallId, [new vscode.LanguageModelTextPart(m.content)]),
        ]),
      );
    }
  }
  return out;
}

function mapError(error: unknown, signal: AbortSignal): ProviderError {
  if (error instanceof ProviderError) return error;
  if (signal.aborted || error instanceof vscode.CancellationError) return new ProviderError('aborted', 'cancelled');
  if (error instanceof vscode.LanguageModelError) {
    // NoPermissions: the user has not allowed access; Blocked: rate limit or quota; NotFound: no such model.
    const status =
      error.code === 'NoPermissions' ? 403 : error.code === 'Blocked' ? 429 : error.code === 'NotFound' ? 404 : 400;
    return new ProviderError('http', `${error.code}: ${error.message}`, status);
  }
  return new ProviderError(
    'invalid_response',
    `VS Code language model failed: ${error instanceof Error ? error.message : String(error)}`,
  );
}

export function createVscodeLmProvider(concurrency = 2): ModelProvider {
  return {
    id: 'vscode-lm',
    api: 'vscode-lm',
    concurrency,
    async send(modelId, request, signal): Promise<ProviderResponse> {
      const cancel = new vscode.CancellationTokenSource();
      const onAbort = (): void => cancel.cancel();
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        const model = await findModel(modelId);
        const options: vscode.LanguageModelChatRequestOptions = {
          justification: 'Prompt Tuner evaluates and tunes prompts with the model you chose.',
          ...(request.tools && request.tools.length > 0
            ? {
                tools: request.tools.map((t) => ({
                  name: t.name,
                  description: t.description ?? t.name,
                  inputSchema: t.parameters,
                })),
                toolMode: vscode.LanguageModelChatToolMode.Auto,
              }
            : {}),
        };
        const response = await model.sendRequest(toMessages(request), options, cancel.token);
        let text = '';
        const toolCalls: ToolCall[] = [];
        for await (const part of response.stream) {
          if (part instanceof vscode.LanguageModelTextPart) text += part.value;
          else if (part instanceof vscode.LanguageModelToolCallPart) {
            // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- input comes from another extension's model provider; VS Code does not check it
            const rawArguments = JSON.stringify(part.input ?? {});
            toolCalls.push({ id: part.callId, name: part.name, rawArguments, ...parseToolArguments(rawArguments) });
          }
        }
        return { text, toolCalls, usage: { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0 } };
      } catch (error) {
        throw mapError(error, signal);
      } finally {
        signal.removeEventListener('abort', onAbort);
        cancel.dispose();
      }
    },
  };
}
