// Anthropic Messages wire format (API version 2026-10-21, as @anthropic-ai/sdk 1.x sends): request
// parsing (zod) into a SimRequest, and the response and error bodies the real SDK parses.
import { z } from 'zod';
import type { SimMessage, SimReply, SimRequest, SimTool } from './behaviour';
import type { WireUsage } from './openaiWire';

/** The API version from which sampling parameters are refused (what SDK 1.x sends). */
export const ANTHROPIC_NO_SAMPLING_VERSION = '2026-10-21';

const TextBlock = z.object({ type: z.literal('text'), text: z.string() });
const ToolUseBlock = z.object({ type: z.literal('tool_use'), id: z.string(), name: z.string(), input: z.unknown() });
const ToolResultBlock = z.object({
  type: z.literal('tool_result'),
  tool_use_id: z.string(),
  content: z.union([z.string(), z.array(z.object({ type: z.string(), text: z.string().optional() }))]).optional(),
  is_error: z.boolean().optional(),
});
const OtherBlock = z.object({ type: z.string() });
const Block = z.union([TextBlock, ToolUseBlock, ToolResultBlock, OtherBlock]);

const MessageWire = z.object({
  role: z.enum(['user', 'assistant']),
  content: z.union([z.string(), z.array(Block)]),
});

const ToolWire = z.object({
  name: z.string().min(1),
  description: z.string().optional(),
  input_schema: z.record(z.string(), z.unknown()),
});

/** The part of a Messages request body the simulator reads. */
export const AnthropicRequestSchema = z.object({
  model: z.string().min(1),
  max_tokens: z.number().int().positive(),
  messages: z.array(MessageWire).min(1),
  system: z.union([z.string(), z.array(z.object({ type: z.literal('text'), text: z.string() }))]).optional(),
  tools: z.array(ToolWire).optional(),
  stream: z.boolean().optional(),
  tool_choice: z
    .object({
      type: z.enum(['auto', 'any', 'tool', 'none']),
      name: z.string().optional(),
      disable_parallel_tool_use: z.boolean().optional(),
    })
    .optional(),
});
export type AnthropicRequest = z.infer<typeof AnthropicRequestSchema>;

/** Sampling parameters the 1.x API refuses. */
export const ANTHROPIC_REFUSED_PARAMS = ['temperature', 'top_p', 'top_k'] as const;

type BlockT = z.infer<typeof Block>;

function blockText(b: BlockT): string {
  if (b.type === 'text' && 'text' in b) return b.text;
  if (b.type === 'tool_result' && 'tool_use_id' in b) {
    const c = b.content;
    if (typeof c === 'string') return c;
    return (c ?? []).map((p) => p.text ?? '').join('');
  }
  return '';
}

/** A validated body as a SimRequest. */
export function anthropicToSim(body: AnthropicRequest): SimRequest {
  const system = typeof body.system === 'string' ? body.system : (body.system ?? []).map((b) => b.text).join('\n');
  const messages: SimMessage[] = [];
  for (const m of body.messages) {
    if (typeof m.content === 'string') {
      messages.push(
        m.role === 'user' ? { role: 'user', text: m.content } : { role: 'assistant', text: m.content, toolCalls: [] },
      );
      continue;
    }
    if (m.role === 'assistant') {
      const calls = m.content.flatMap((b) =>
        b.type === 'tool_use' && 'input' in b
          ? [
              {
                name: b.name,
                arguments: b.input && typeof b.input === 'object' ? (b.input as Record<string, unknown>) : {},
              },
            ]
          : [],
      );
      messages.push({ role: 'assistant', text: m.content.map(blockText).join(''), toolCalls: calls });
      continue;
    }
    const results = m.content.filter((b) => b.type === 'tool_result');
    const texts = m.content.filter((b) => b.type === 'text');
    for (const r of results) messages.push({ role: 'tool', text: blockText(r) });
    if (texts.length > 0 || results.length === 0) messages.push({ role: 'user', text: texts.map(blockText).join('') });
  }
  const tools: SimTool[] = (body.tools ?? []).map((t) => ({
    name: t.name,
    description: t.description ?? '',
    parameters: t.input_schema,
  }));
  const tc = body.tool_choice;
  const toolChoice =
    !tc || tc.type === 'auto'
      ? 'auto'
      : tc.type === 'none'
        ? 'none'
        : tc.type === 'tool' && tc.name
          ? { name: tc.name }
          : 'required';
  return {
    model: body.model,
    system,
    messages,
    tools,
    toolChoice,
    parallelToolCalls: tc?.disable_parallel_tool_use !== true,
  };
}

/** The Messages response body. `input_tokens` excludes cache reads, as the real API counts them. */
export function anthropicResponse(
  reply: SimReply,
  model: string,
  seq: number,
  usage: WireUsage,
): Record<string, unknown> {
  const content: Record<string, unknown>[] = [];
  if (reply.text.length > 0 || reply.toolCalls.length === 0)
    content.push({ type: 'text', text: reply.text, citations: null });
  reply.toolCalls.forEach((c, i) =>
    content.push({ type: 'tool_use', id: `toolu_sim_${seq}_${i}`, name: c.name, input: c.arguments }),
  );
  return {
    id: `msg_sim_${seq}`,
    type: 'message',
    role: 'assistant',
    model,
    content,
    stop_reason: reply.toolCalls.length > 0 ? 'tool_use' : 'end_turn',
    stop_sequence: null,
    usage: {
      input_tokens: usage.inputTokens - usage.cachedInputTokens,
      output_tokens: usage.outputTokens,
      cache_read_input_tokens: usage.cachedInputTokens,
      cache_creation_input_tokens: 0,
      cache_creation: null,
      inference_geo: null,
      output_tokens_details: null,
      server_tool_use: null,
      service_tier: 'standard',
    },
  };
}

const ANTHROPIC_ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  429: 'rate_limit_error',
  500: 'api_error',
  503: 'overloaded_error',
};

/** The error body Anthropic sends. */
export function anthropicError(status: number, message: string, seq: number): Record<string, unknown> {
  return {
    type: 'error',
    error: { type: ANTHROPIC_ERROR_TYPES[status] ?? 'api_error', message },
    request_id: `req_sim_${seq}`,
  };
}
