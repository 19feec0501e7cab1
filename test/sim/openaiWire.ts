// OpenAI Chat Completions wire format: request parsing (zod) into a SimRequest, and the response and
// error bodies the real `openai` SDK parses.
import { z } from 'zod';
import type { SimMessage, SimReply, SimRequest, SimTool } from './behaviour';

const TextPart = z.object({ type: z.string(), text: z.string().optional() });
const Content = z.union([z.string(), z.array(TextPart), z.null()]).optional();

const ToolCallWire = z.object({
  id: z.string(),
  type: z.literal('function').optional(),
  function: z.object({ name: z.string(), arguments: z.string() }),
});

const MessageWire = z.discriminatedUnion('role', [
  z.object({ role: z.literal('system'), content: Content }),
  z.object({ role: z.literal('developer'), content: Content }),
  z.object({ role: z.literal('user'), content: Content }),
  z.object({ role: z.literal('assistant'), content: Content, tool_calls: z.array(ToolCallWire).optional() }),
  z.object({ role: z.literal('tool'), content: Content, tool_call_id: z.string() }),
]);

const ToolWire = z.object({
  type: z.literal('function'),
  function: z.object({
    name: z.string().min(1),
    description: z.string().optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
  }),
});

/** The part of a Chat Completions request body the simulator reads. */
export const OpenAiRequestSchema = z.object({
  model: z.string().min(1),
  messages: z.array(MessageWire).min(1),
  tools: z.array(ToolWire).optional(),
  stream: z.boolean().nullable().optional(),
  max_tokens: z.number().int().positive().nullable().optional(),
  max_completion_tokens: z.number().int().positive().nullable().optional(),
  temperature: z.number().min(0).max(2).nullable().optional(),
  tool_choice: z
    .union([
      z.enum(['auto', 'none', 'required']),
      z.object({ type: z.literal('function'), function: z.object({ name: z.string() }) }),
    ])
    .optional(),
  parallel_tool_calls: z.boolean().optional(),
  seed: z.number().int().nullable().optional(),
});
export type OpenAiRequest = z.infer<typeof OpenAiRequestSchema>;

function text(content: z.infer<typeof Content>): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((p) => p.text ?? '').join('');
  return '';
}

function parseArgs(raw: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(raw);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** A validated body as a SimRequest. */
export function openAiToSim(body: OpenAiRequest): SimRequest {
  const system: string[] = [];
  const messages: SimMessage[] = [];
  for (const m of body.messages) {
    if (m.role === 'system' || m.role === 'developer') system.push(text(m.content));
    else if (m.role === 'user') messages.push({ role: 'user', text: text(m.content) });
    else if (m.role === 'assistant')
      messages.push({
        role: 'assistant',
        text: text(m.content),
        toolCalls: (m.tool_calls ?? []).map((c) => ({
          name: c.function.name,
          arguments: parseArgs(c.function.arguments),
        })),
      });
    else messages.push({ role: 'tool', text: text(m.content) });
  }
  const tools: SimTool[] = (body.tools ?? []).map((t) => ({
    name: t.function.name,
    description: t.function.description ?? '',
    parameters: t.function.parameters ?? { type: 'object', properties: {} },
  }));
  const tc = body.tool_choice;
  const toolChoice = tc === undefined ? 'auto' : typeof tc === 'string' ? tc : { name: tc.function.name };
  return {
    model: body.model,
    system: system.join('\n'),
    messages,
    tools,
    toolChoice,
    parallelToolCalls: body.parallel_tool_calls ?? true,
    ...(typeof body.seed === 'number' ? { seed: body.seed } : {}),
  };
}

export interface WireUsage {
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
}

/** The Chat Completions response body. */
export function openAiResponse(
  reply: SimReply,
  model: string,
  seq: number,
  usage: WireUsage,
  malformedToolJson: boolean,
): Record<string, unknown> {
  const toolCalls = reply.toolCalls.map((c, i) => {
    const json = JSON.stringify(c.arguments);
    return {
      id: `call_sim_${seq}_${i}`,
      type: 'function',
      // Dropping the closing brace gives arguments that are not valid JSON, as models sometimes send.
      function: { name: c.name, arguments: malformedToolJson ? json.slice(0, -1) : json },
    };
  });
  return {
    id: `chatcmpl-sim-${seq}`,
    object: 'chat.completion',
    created: 1_790_000_000 + seq,
    model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: reply.text.length > 0 ? reply.text : null,
          refusal: null,
          ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
        },
        logprobs: null,
        finish_reason: toolCalls.length > 0 ? 'tool_calls' : 'stop',
      },
    ],
    usage: {
      prompt_tokens: usage.inputTokens,
      completion_tokens: usage.outputTokens,
      total_tokens: usage.inputTokens + usage.outputTokens,
      prompt_tokens_details: { cached_tokens: usage.cachedInputTokens },
      completion_tokens_details: { reasoning_tokens: 0 },
    },
    system_fingerprint: 'fp_simulator',
  };
}

const OPENAI_ERROR_TYPES: Record<number, { type: string; code: string | null }> = {
  400: { type: 'invalid_request_error', code: null },
  401: { type: 'invalid_request_error', code: 'invalid_api_key' },
  404: { type: 'invalid_request_error', code: 'not_found' },
  429: { type: 'requests', code: 'rate_limit_exceeded' },
  500: { type: 'server_error', code: null },
  503: { type: 'server_error', code: 'overloaded' },
};

/** The error body OpenAI sends. */
export function openAiError(status: number, message: string, param: string | null = null): Record<string, unknown> {
  const t = OPENAI_ERROR_TYPES[status] ?? { type: 'server_error', code: null };
  return { error: { message, type: t.type, param, code: t.code } };
}
