// One summarizer step of a scale run: digest the conversations, ask the analyst, read its reply strictly, ask
// once more after a rejected reply. Only parsed fields leave here, so no free text of the model is ever shown.
import {
  ModelError,
  type CallOptions,
  type ChatMessage,
  type ModelGateway,
  type ModelResult,
} from '../../models/types';
import type { ConversationSummary, ScaleSummary, TranscriptMessage } from '../types';
import { buildDigest } from './digest';
import { parseSummarizerReply } from './parse';
import { rejectionMessage, summarizerRequest } from './prompt';

export interface SummarizeInput {
  /** provider/model of the summarizer. */
  model: string;
  /** The system prompt under test. */
  agentPrompt: string;
  conversations: { summary: ConversationSummary; messages: TranscriptMessage[] }[];
  gateway: ModelGateway;
  signal: AbortSignal;
  /** The engine's budget caps ride here; the cache is always off (a re-run must ask again). */
  callOptions: CallOptions;
  /** Every model call's result, for the cost ledger. */
  onCall(r: ModelResult): void;
  /** Token cap of the digest; default DEFAULT_MAX_DIGEST_TOKENS. */
  maxDigestTokens?: number;
  /** The form's goal, for conversations that played no scenario. */
  goal?: string;
  /** The agent file's `character`, what character consistency is judged against. */
  character?: string;
}

export type SummarizeOutcome =
  | { summary: ScaleSummary; revisedPrompt: string; revisedPromptRationale: string; digestNote?: string }
  | { summaryError: string; digestNote?: string };

/** Budget and cancel end the run (the engine handles them); every other failure leaves a summaryError. */
function isRunEnding(e: unknown): boolean {
  return e instanceof ModelError && (e.kind === 'budget' || e.kind === 'cancelled');
}

export async function summarize(input: SummarizeInput): Promise<SummarizeOutcome> {
  const digest = buildDigest(input.conversations, { maxTokens: input.maxDigestTokens, goal: input.goal });
  const noted = digest.note ? { digestNote: digest.note } : {};
  if (digest.includedIds.length === 0) return { summaryError: 'There were no conversations to summarize.', ...noted };

  const request = summarizerRequest({
    model: input.model,
    agentPrompt: input.agentPrompt,
    digest: digest.text,
    conversations: digest.includedIds.length,
    ...(input.character ? { character: input.character } : {}),
  });
  const options: CallOptions = { ...input.callOptions, signal: input.signal, cache: false };
  let messages: ChatMessage[] = request.messages;
  let problem = '';
  for (let attempt = 0; attempt < 2; attempt++) {
    let result: ModelResult;
    try {
      result = await input.gateway.call({ ...request, messages }, options);
    } catch (e) {
      if (isRunEnding(e)) throw e;
      const message = e instanceof Error ? e.message : String(e);
      return { summaryError: `The summarizer's call failed: ${message}`, ...noted };
    }
    input.onCall(result);
    const parsed = parseSummarizerReply(result.text, digest.includedIds);
    if (parsed.ok) return { ...parsed.value, ...noted };
    problem = parsed.problem;
    messages = [
      ...messages,
      { role: 'assistant', content: result.text },
      { role: 'user', content: rejectionMessage(problem) },
    ];
  }
  return { summaryError: `The summarizer's reply was rejected twice: ${problem}`, ...noted };
}
