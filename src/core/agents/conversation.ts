// One conversation between the agent under test and a simulated user. Each user turn: the agent is
// called (its tool calls answered from the mocks and fed back, at most MAX_TOOL_ROUNDS rounds), then the
// simulated user replies or ends with ###STOP###. After the last allowed turn the simulated user is asked
// once more, so a goal met on that turn still ends as `user_stop` rather than `max_turns`; that reply is
// never sent. Tool calls and their results are recorded on the assistant message that made them.
import {
  ModelError,
  type CallOptions,
  type ChatMessage,
  type ModelGateway,
  type ModelRequest,
  type ModelResult,
  type ToolCall,
  type ToolSpec,
} from '../models/types';
import type { EndedReason, TranscriptMessage, TranscriptToolCall } from '../scale/types';
import type { Agent } from './agentSchema';
import { answerToolCall } from './mocks';
import type { RunScenario } from './personas';
import { parseUserReply, userRequest, type UserReply } from './userSimulator';

/** Agent calls answered with tool results per user turn; a further round of tool calls ends the turn. */
export const MAX_TOOL_ROUNDS = 5;

const ROUND_LIMIT_RESULT = JSON.stringify({
  error: `not run: at most ${MAX_TOOL_ROUNDS} rounds of tool calls per turn; reply to the user`,
});

export interface ConversationInput {
  agent: Agent;
  systemPrompt: string;
  scenario: RunScenario;
  models: { agent: string; user: string };
  /** Sent with every call of this conversation (config seed + run index). */
  seed: number;
  /** For the agent and the simulated user. */
  temperature: number;
  gateway: ModelGateway;
  signal: AbortSignal;
  /** Call options per role (the engine's budget caps ride here). */
  callOptions(role: 'agent' | 'user'): CallOptions;
  /** Every message, as it happens (the engine stores it). */
  onMessage(m: TranscriptMessage): void;
  /** Every model call's result, for the cost ledger. */
  onCall(role: 'agent' | 'user', r: ModelResult): void;
  /** After each agent reply. */
  onTurn(t: { turn: number; agentText: string; toolCalls: number; latencyMs: number; costUsd: number | null }): void;
}

export interface ConversationOutcome {
  messages: TranscriptMessage[];
  endedReason: EndedReason;
  /** User turns sent to the agent. */
  turns: number;
  /** Tool calls of unknown tools or with arguments that failed the schema. */
  toolErrors: number;
  /** What ended it, for `error` and `budget`. */
  error?: string;
}

/** Upper bound of model calls per conversation, for the budget estimate. */
export function maxCallsPerConversation(maxTurns: number, hasOpeningMessage: boolean): { agent: number; user: number } {
  return { agent: maxTurns * (MAX_TOOL_ROUNDS + 1), user: maxTurns + (hasOpeningMessage ? 0 : 1) };
}

/** Never rejects: a refused budget ends it as `budget`, an abort as `cancelled`, anything else as `error`, with the messages so far. */
export async function runConversation(input: ConversationInput): Promise<ConversationOutcome> {
  const { agent, scenario, signal } = input;
  const messages: TranscriptMessage[] = [];
  const agentView: ChatMessage[] = [];
  const tools: ToolSpec[] = agent.tools.map((t) => ({
    name: t.name,
    ...(t.description !== undefined ? { description: t.description } : {}),
    parameters: t.parameters,
  }));
  let turns = 0;
  let toolErrors = 0;
  let callIds = 0;

  const end = (endedReason: EndedReason, error?: string): ConversationOutcome => ({
    messages,
    endedReason,
    turns,
    toolErrors,
    ...(error !== undefined ? { error } : {}),
  });
  const record = (m: Omit<TranscriptMessage, 'at'>) => {
    const full: TranscriptMessage = { ...m, at: new Date().toISOString() };
    messages.push(full);
    input.onMessage(full);
  };
  const call = async (role: 'agent' | 'user', request: ModelRequest): Promise<ModelResult> => {
    if (signal.aborted) throw new ModelError('cancelled', 'the run was cancelled');
    const result = await input.gateway.call(request, { signal, ...input.callOptions(role) });
    input.onCall(role, result);
    return result;
  };
  const askUser = async (): Promise<{ reply: UserReply; latencyMs: number }> => {
    const r = await call(
      'user',
      userRequest({
        model: input.models.user,
        scenario,
        transcript: messages,
        seed: input.seed,
        temperature: input.temperature,
      }),
    );
    return { reply: parseUserReply(r.text), latencyMs: r.latencyMs };
  };

  const agentTurn = async (turn: number): Promise<void> => {
    let rounds = 0;
    let latencyMs = 0;
    let costUsd: number | null = 0;
    let toolCalls = 0;
    const texts: string[] = [];
    for (;;) {
      const r = await call('agent', {
        model: input.models.agent,
        system: input.systemPrompt,
        messages: agentView,
        ...(tools.length > 0 ? { tools } : {}),
        seed: input.seed,
        temperature: input.temperature,
      });
      latencyMs += r.latencyMs;
      costUsd = costUsd === null || r.costUsd === null ? null : costUsd + r.costUsd;
      if (r.text.trim() !== '') texts.push(r.text);
      if (r.toolCalls.length === 0) {
        record({ turn, role: 'assistant', content: r.text, latencyMs: r.latencyMs });
        agentView.push({ role: 'assistant', content: r.text });
        break;
      }
      rounds += 1;
      const overLimit = rounds > MAX_TOOL_ROUNDS;
      const answered = r.toolCalls.map((tc) => {
        const answer = overLimit ? { result: ROUND_LIMIT_RESULT } : answerToolCall(agent, tc);
        if (answer.error !== undefined) toolErrors += 1;
        return { call: { ...tc, id: tc.id ?? `call_${(callIds += 1)}` } satisfies ToolCall, answer };
      });
      toolCalls += answered.length;
      record({
        turn,
        role: 'assistant',
        content: r.text,
        toolCalls: answered.map(toTranscriptCall),
        latencyMs: r.latencyMs,
      });
      agentView.push({ role: 'assistant', content: r.text, toolCalls: answered.map((a) => a.call) });
      for (const a of answered)
        agentView.push({ role: 'tool', toolCallId: a.call.id, name: a.call.name, content: a.answer.result });
      if (overLimit) break;
    }
    input.onTurn({ turn, agentText: texts.join('\n\n'), toolCalls, latencyMs, costUsd });
  };

  try {
    let next: { text: string; latencyMs?: number };
    if (scenario.openingMessage !== undefined) {
      next = { text: scenario.openingMessage };
    } else {
      const opening = await askUser();
      if (opening.reply.kind === 'stop') return end('user_stop');
      if (opening.reply.kind === 'empty') return end('error', 'the simulated user sent an empty message');
      next = { text: opening.reply.text, latencyMs: opening.latencyMs };
    }
    for (;;) {
      turns += 1;
      record({
        turn: turns,
        role: 'user',
        content: next.text,
        ...(next.latencyMs !== undefined ? { latencyMs: next.latencyMs } : {}),
      });
      agentView.push({ role: 'user', content: next.text });
      await agentTurn(turns);
      const { reply, latencyMs } = await askUser();
      if (reply.kind === 'stop') return end('user_stop');
      if (turns >= agent.maxTurns) return end('max_turns');
      if (reply.kind === 'empty') return end('error', 'the simulated user sent an empty message');
      next = { text: reply.text, latencyMs };
    }
  } catch (e) {
    if (e instanceof ModelError && e.kind === 'budget') return end('budget', e.message);
    if ((e instanceof ModelError && e.kind === 'cancelled') || signal.aborted) return end('cancelled');
    return end('error', e instanceof Error ? e.message : String(e));
  }
}

function toTranscriptCall(a: {
  call: ToolCall & { id: string };
  answer: { result: string; error?: string };
}): TranscriptToolCall {
  return {
    id: a.call.id,
    name: a.call.name,
    arguments: a.call.arguments ?? null,
    result: a.answer.result,
    ...(a.answer.error !== undefined ? { error: a.answer.error } : {}),
  };
}
