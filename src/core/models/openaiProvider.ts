// OpenAI Chat Completions, also the protocol of every OpenAI-compatible endpoint (Ollama, LM Studio, vLLM,
// OpenRouter, the simulator). The SDK is imported on the first call so activation stays cheap.
import type {
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionMessageParam,
} from 'openai/resources/chat/completions';
import type OpenAI from 'openai';
import type * as OpenAIModule from 'openai';
import {
  type ModelProvider,
  type ProviderResponse,
  type SdkProviderOptions,
  ProviderError,
  createSdkProvider,
  parseToolArguments,
} from './providerTypes';
import type { ModelRequest, ToolCall } from './types';

/** Options of an OpenAI-protocol provider (baseUrl includes `/v1`). */
export type OpenAiProviderOptions = SdkProviderOptions;

/** Maps the neutral request to a Chat Completions body. */
export function toOpenAiBody(model: string, request: ModelRequest): ChatCompletionCreateParamsNonStreaming {
  const messages: ChatCompletionMessageParam[] = [];
  if (request.system) messages.push({ role: 'system', content: request.system });
  for (const m of request.messages) {
    if (m.role === 'user') messages.push({ role: 'user', content: m.content });
    else if (m.role === 'assistant') {
      messages.push({
        role: 'assistant',
        content: m.content,
        ...(m.toolCalls && m.toolCalls.length > 0
          ? {
              tool_calls: m.toolCalls.map((c, i) => ({
                id: c.id ?? `call_${i}`,
                type: 'function' as const,
                function: { name: c.name, arguments: c.rawArguments },
              })),
            }
          : {}),
      });
    } else messages.push({ role: 'tool', tool_call_id: m.toolCallId, content: m.content });
  }
  const body: ChatCompletionCreateParamsNonStreaming = { model, messages };
  if (request.tools && request.tools.length > 0) {
    body.tools = request.tools.map((t) => ({
      type: 'function' as const,
      function: { name: t.name, ...(t.description ? { description: t.description } : {}), parameters: t.parameters },
    }));
  }
  if (request.maxTokens !== undefined) body.max_tokens = request.maxTokens;
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.seed !== undefined) body.seed = request.seed;
  return body;
}

type Completion = OpenAI.Chat.Completions.ChatCompletion;
type FunctionToolCall = OpenAI.Chat.Completions.ChatCompletionMessageFunctionToolCall;
/** A tool call as it may arrive: some compatible servers leave out `arguments` for a call without any. */
type WireToolCall =
  | (Omit<FunctionToolCall, 'function'> & {
      function: Omit<FunctionToolCall['function'], 'arguments'> & { arguments?: string | null };
    })
  | OpenAI.Chat.Completions.ChatCompletionMessageCustomToolCall;
/**
 * A completion as it may arrive. The SDK does not check responses, and an OpenAI-compatible server may leave out
 * what the SDK types as required: `choices`, a choice's `message`, a tool call's `arguments`.
 */
export type OpenAiWireCompletion = Omit<Completion, 'choices'> & {
  choices?:
    | (Omit<Completion['choices'][number], 'message'> & {
        message?:
          | (Omit<Completion['choices'][number]['message'], 'tool_calls'> & { tool_calls?: WireToolCall[] | null })
          | null;
      })[]
    | null;
};

/** Maps a Chat Completions response to the neutral result. */
export function fromOpenAiResponse(completion: OpenAiWireCompletion, providerId: string): ProviderResponse {
  const choice = completion.choices?.[0];
  if (!choice || !choice.message)
    throw new ProviderError('invalid_response', `${providerId} answered without a choice`);
  const toolCalls: ToolCall[] = [];
  for (const call of choice.message.tool_calls ?? []) {
    if (call.type !== 'function') continue;
    const raw = call.function.arguments ?? '';
    toolCalls.push({ id: call.id, name: call.function.name, rawArguments: raw, ...parseToolArguments(raw) });
  }
  const usage = completion.usage;
  return {
    text: typeof choice.message.content === 'string' ? choice.message.content : '',
    toolCalls,
    usage: {
      // prompt_tokens already includes cached tokens.
      inputTokens: usage?.prompt_tokens ?? 0,
      outputTokens: usage?.completion_tokens ?? 0,
      cachedInputTokens: usage?.prompt_tokens_details?.cached_tokens ?? 0,
    },
  };
}

export function createOpenAiProvider(options: OpenAiProviderOptions): ModelProvider {
  return createSdkProvider(
    options,
    'openai',
    async (key): Promise<OpenAI> => {
      // require, not import(): in the CommonJS bundle import() of the vendor file goes through Node's ESM loader,
      // which pre-parses the whole SDK for its exports (~100 ms on the first call of every run).
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: the SDK loads on the first call
      const { default: OpenAISdk } = require('openai') as typeof OpenAIModule;
      // Explicit baseURL and key: inside the editor the SDK's env defaults would be surprising.
      return new OpenAISdk({
        apiKey: key,
        baseURL: options.baseUrl ?? 'https://api.openai.com/v1',
        maxRetries: 0,
        timeout: 10 * 60_000,
      });
    },
    async (sdk, model, request, signal) =>
      fromOpenAiResponse(await sdk.chat.completions.create(toOpenAiBody(model, request), { signal }), options.id),
  );
}
