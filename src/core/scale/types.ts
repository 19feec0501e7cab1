// Scale testing's shared shapes: the run config, a conversation and its messages, grading results, the
// events (named as in the issue), the snapshot a panel renders and the stored report (the CLI's --json).
// Engine, repository, CLI, host and webview all speak these; nothing here does work.
import type { AssertionScope, AssertionType } from '../agents/agentSchema';
import type { RunStatus } from '../tuning/types';

export type { RunStatus };

/** The four roles that call models. */
export type ScaleRole = 'agent' | 'user' | 'judge' | 'summarizer';
export const SCALE_ROLES: readonly ScaleRole[] = ['agent', 'user', 'judge', 'summarizer'];

/** Why a conversation ended. */
export type EndedReason = 'user_stop' | 'max_turns' | 'budget' | 'error' | 'cancelled';

/** Three outcomes, never two: unscored ones are kept out of the win rate. */
export type Outcome = 'pass' | 'fail' | 'unscored';

export type EvaluatorKind = 'builtin' | 'promptfoo' | 'http';

/** Where the system prompt under test came from. */
export type PromptSource =
  | { kind: 'agent' } // the agent file's systemPrompt / promptRef
  | { kind: 'text' } // typed in the form or --system-prompt
  | { kind: 'file'; path: string } // --system-prompt-file
  | { kind: 'library'; versionId: number; ref: string } // a library version (NAME@V)
  | { kind: 'revised'; fromRunId: string }; // a verification run: the revised prompt of another run

/** A validated run configuration (zod at the boundary: scale/config.ts). */
export interface ScaleConfig {
  /** Path of the *.agent.json file. */
  agentFile: string;
  /** provider/model of the agent under test. */
  agentModel: string;
  /** Simulated user; default agentModel. */
  userModel: string;
  /** Judge of llm-rubric assertions; default agentModel. */
  judgeModel: string;
  /** Writes the summary and the revised prompt; default agentModel. */
  summarizerModel: string;
  /** The system prompt under test (resolved text). */
  systemPrompt: string;
  /** Where systemPrompt came from. */
  promptSource: PromptSource;
  /** Used when the agent has no scenarios: the simulated user's goal. */
  goal?: string;
  /** Used when the agent has no scenarios: the first user message. */
  userMessage?: string;
  /** Conversations, 1–10. */
  runs: number;
  /** Conversations at a time, 1–5 (default 3). */
  concurrency: number;
  /** Total cap in USD; no call starts that could exceed it. */
  maxBudgetUsd?: number;
  /** Cap per conversation in USD. */
  maxConversationUsd?: number;
  /** Conversation i passes seed + i to providers that accept a seed. */
  seed: number;
  /** Sampling temperature for agent and user (judge and summarizer use 0). */
  temperature: number;
  evaluator: EvaluatorKind;
  /** http evaluator base URL (POST {url}/eval). */
  evaluatorUrl?: string;
  /** A start with a key already used returns that run and makes no call. */
  idempotencyKey?: string;
  /** Run the revised prompt on the same scenarios and seeds afterwards. */
  verify: boolean;
}

/** One tool call as stored in a transcript. */
export interface TranscriptToolCall {
  id: string;
  name: string;
  /** Parsed arguments; null when they were not valid JSON. */
  arguments: Record<string, unknown> | null;
  /** The mock's result (JSON text) or the tool error sent back. */
  result: string;
  /** Set when the call was of an unknown tool or its arguments failed the schema (feeds "hallucinations"). */
  error?: string;
}

/** One message of a conversation, as stored and shown. */
export interface TranscriptMessage {
  /** 1-based user turn it belongs to. */
  turn: number;
  role: 'user' | 'assistant' | 'tool';
  content: string;
  /** Assistant messages: the tool calls made, with their results. */
  toolCalls?: TranscriptToolCall[];
  /** Assistant and user messages: the call's latency in ms. */
  latencyMs?: number;
  /** ISO time. */
  at: string;
}

/** One graded assertion on one conversation (the seed's EvaluationResult). */
export interface EvaluationResult {
  /** Label, e.g. "llm-rubric: goal adherence" or "not-contains: **". */
  assertion: string;
  type: AssertionType;
  scope: AssertionScope;
  /** Failure tag when it fails. */
  tag: string;
  /** null: could not be graded (judge reply not JSON after one re-ask, judge call failed): the conversation is unscored. */
  pass: boolean | null;
  /** In [0,1] when known. */
  score: number | null;
  /** Why: the judge's reason, the matching text, or the error. */
  details: string;
  /** Turn the finding is about, when one is. */
  turn?: number;
}

/** Tokens and cost per role. */
export interface RoleLedger {
  role: ScaleRole;
  model: string;
  /** Calls the preflight planned. */
  estimatedCalls: number;
  /** USD the preflight planned; null when the model's price is unknown. */
  estimatedUsd: number | null;
  /** Calls made (cache hits included). */
  calls: number;
  /** USD spent; null when any call's price was unknown (never shown as $0). */
  actualUsd: number | null;
  promptTokens: number;
  completionTokens: number;
}

/** A conversation as the snapshot and the report show it (messages are read from the store on demand). */
export interface ConversationSummary {
  conversationId: string;
  /** 0-based run index. */
  index: number;
  /** The scenario it played; null when the form's goal and message were used. */
  scenario: { id: string; persona: string; goal: string } | null;
  /** seed + index. */
  seed: number;
  status: 'pending' | 'running' | 'grading' | 'done';
  outcome: Outcome | null;
  endedReason: EndedReason | null;
  /** User turns so far. */
  turns: number;
  failureTags: string[];
  assertionResults: EvaluationResult[];
  /** null while unknown (an unknown price makes it unknown). */
  costUsd: number | null;
  promptTokens: number;
  completionTokens: number;
  /** Latency of each agent turn in ms. */
  turnLatencyMs: number[];
  /** Tool calls of unknown tools or with arguments that failed the schema. */
  toolErrors: number;
  /** Provider or engine error that ended it. */
  error?: string;
}

/** One finding of the summarizer, with where it was seen. */
export interface Finding {
  text: string;
  /** Conversation ids and turn numbers it cites. */
  citations: { conversationId: string; turn?: number }[];
}

/** The summarizer's findings; a section with nothing known is the exact string "information unavailable". */
export interface ScaleSummary {
  failureModes: Finding[] | 'information unavailable';
  hallucinations: Finding[] | 'information unavailable';
  goalFailures: Finding[] | 'information unavailable';
  characterInconsistency: Finding[] | 'information unavailable';
}

export interface Percentiles {
  avg: number;
  p95: number;
  max: number;
}

export interface ScaleStats {
  total: number;
  passed: number;
  failed: number;
  unscored: number;
  /** passed / (passed + failed); null when nothing was scored. */
  winRate: number | null;
  /** 95% Wilson interval of winRate; null when nothing was scored. */
  winRateInterval: { low: number; high: number } | null;
  averageTurns: number;
  turns: { p50: number; p95: number };
  tokenStats: {
    prompt: { avg: number; p95: number; sum: number };
    completion: { avg: number; p95: number; sum: number };
    total: { avg: number; p95: number; sum: number };
  };
  latencyStats: { perTurn: Percentiles; perRun: Percentiles };
  cost: { estimatedUsd: number | null; actualUsd: number | null; deltaUsd: number | null; byRole: RoleLedger[] };
  topFailureModes: { tag: string; count: number; sampleConversationIds: string[] }[];
  judgeStats: { assertion: string; pass: number; fail: number; error: number; passRate: number | null }[];
}

/** A verification run of the revised prompt, attached to the report of the run it verifies. */
export interface Verification {
  runId: string;
  prompt: string;
  status: RunStatus;
  stats: ScaleStats;
  conversations: ConversationSummary[];
  /** The original run's win rate. */
  winRateBefore: number | null;
  winRateIntervalBefore: { low: number; high: number } | null;
}

/** The stored report; the CLI's --json prints it. */
export interface ScaleReport {
  runId: string;
  status: RunStatus;
  idempotencyKey: string | null;
  summary: ScaleSummary | null;
  revisedPrompt: string | null;
  /** ≤ 100 words. */
  revisedPromptRationale: string | null;
  /** Why there is no summary (the summarizer's second bad reply, or its call failed). */
  summaryError?: string;
  /** What the digest sent to the summarizer left out to stay under its token cap. */
  digestNote?: string;
  stats: ScaleStats;
  conversations: ConversationSummary[];
  verification?: Verification;
}

/** Preflight: calls and USD per role before anything is spent. */
export interface ScaleEstimate {
  /** Per role; the token counts are the estimate's assumptions (see scale/estimate.ts), not a bound. */
  byRole: {
    role: ScaleRole;
    model: string;
    calls: number;
    usd: number | null;
    promptTokens?: number;
    completionTokens?: number;
  }[];
  calls: number;
  /** null when any role's price is unknown. */
  usd: number | null;
  /** Models with no known price. */
  unknownPrices: string[];
  seconds: number;
  /** True when usd exceeds maxBudgetUsd (the panel asks, the CLI needs --yes). */
  overBudget: boolean;
  /** USD of one conversation with its grading (agent + user + judge); null when a price is unknown. */
  perConversationUsd?: number | null;
  /** Latency per call the seconds assume, per model: measured by the gateway, or assumed. */
  latency?: { model: string; ms: number; measured: boolean }[];
  /** What the numbers rest on, one sentence each. */
  assumptions?: string[];
}

/** Everything a panel needs to draw a run, sent whole every time. */
export interface ScaleRunSnapshot {
  runId: string;
  status: RunStatus;
  phase: 'conversations' | 'grading' | 'summarizing' | 'verifying' | 'done';
  agent: { name: string; file: string };
  models: Record<ScaleRole, string>;
  systemPrompt: string;
  promptSource: PromptSource;
  runs: number;
  concurrency: number;
  idempotencyKey: string | null;
  /** The run this one verifies, for a verification run. */
  verifiesRunId: string | null;
  conversations: ConversationSummary[];
  /** Conversations done (graded). */
  completed: number;
  total: number;
  /** In [0,1]. */
  progress: number;
  etaSeconds: number | null;
  /** What is happening now, one line. */
  detail: string;
  budget: {
    estimatedUsd: number | null;
    actualUsd: number | null;
    capUsd: number | null;
    conversationCapUsd: number | null;
    byRole: RoleLedger[];
  };
  throttle: { provider: string; active: boolean; concurrency: number; queueDepth: number; retryInMs?: number } | null;
  /** Set once the report is folded (also for failed/cancelled/budget runs: the partial report). */
  report: ScaleReport | null;
  /** The verification run while it runs and after. */
  verification: { runId: string; status: RunStatus; completed: number; total: number } | null;
  error: string | null;
  /** Things a user should know (caps hit, evaluator fallback, digest trimmed). */
  notes: string[];
  startedAt: string;
  finishedAt: string | null;
  /** Where the ETA's pace is measured from: the latest scale_start (a resumed run restarts the clock). */
  paceFrom?: { at: string; completed: number };
  /**
   * ISO time of the latest resume. With activeSecondsBefore it keeps the time a run was stopped out of its
   * duration. Absent for a run never resumed, and for runs stored before it was kept.
   */
  resumedAt?: string;
  /** Seconds the run was running before the latest resume (the pauses between its stops and resumes not counted). */
  activeSecondsBefore?: number;
}

interface EventBase {
  runId: string;
  /** ISO time. */
  at: string;
}

/** Events, as in the issue; `--events` prints them as JSON lines. */
export type ScaleEvent =
  | (EventBase & {
      type: 'scale_start';
      agent: { name: string; file: string };
      models: Record<ScaleRole, string>;
      runs: number;
      concurrency: number;
      estimate: ScaleEstimate;
      resumed?: boolean;
      /**
       * With resumed: when the run stopped running before (its end, or its last write when its process died).
       * Absent in events stored before it was kept.
       */
      stoppedAt?: string;
      /** Things a user should know from the start (evaluator fallback). */ notes?: string[];
    })
  | (EventBase & {
      type: 'conversation_start';
      conversationId: string;
      index: number;
      scenario: ConversationSummary['scenario'];
      seed: number;
    })
  | (EventBase & {
      type: 'turn_complete';
      conversationId: string;
      turn: number;
      agentText: string;
      toolCalls: number;
      latencyMs: number;
      costUsd: number | null;
    })
  | (EventBase & {
      type: 'conversation_complete';
      conversationId: string;
      endedReason: EndedReason;
      turns: number;
      costUsd: number | null;
      error?: string;
      /** Tokens of the conversation's agent and user calls. */ promptTokens?: number;
      completionTokens?: number;
      /** Tool calls of unknown tools or with bad arguments. */ toolErrors?: number;
    })
  | (EventBase & {
      type: 'evaluation_complete';
      conversationId: string;
      outcome: Outcome;
      failureTags: string[];
      assertionResults: EvaluationResult[];
    })
  | (EventBase & {
      type: 'summary_complete';
      summary: ScaleSummary | null;
      revisedPrompt: string | null;
      revisedPromptRationale: string | null;
      summaryError?: string;
      /** What the digest left out. */ digestNote?: string;
    })
  | (EventBase & { type: 'verification_start'; verificationRunId: string })
  | (EventBase & { type: 'verification_complete'; verification: Verification })
  | (EventBase & { type: 'scale_complete'; report: ScaleReport })
  | (EventBase & {
      type: 'scale_error';
      error: string;
      status: 'failed' | 'budget_reached';
      report: ScaleReport | null;
    })
  | (EventBase & { type: 'scale_cancelled'; reason: string; report: ScaleReport | null })
  | (EventBase & { type: 'cap_reached'; scope: 'conversation' | 'total'; conversationId?: string; detail: string })
  | (EventBase & {
      type: 'throttle';
      provider: string;
      active: number;
      concurrency: number;
      queued: number;
      retryInMs?: number;
      status?: number;
    })
  | (EventBase & {
      type: 'progress';
      completed: number;
      total: number;
      detail: string;
      ledger: RoleLedger[];
      /** Set when the run enters a phase. */ phase?: ScaleRunSnapshot['phase'];
      /** The verification run's progress, while it runs. */ verification?: NonNullable<
        ScaleRunSnapshot['verification']
      >;
    });

/** One row of the run list. */
export interface ScaleRunSummary {
  runId: string;
  status: RunStatus;
  agentName: string;
  agentModel: string;
  runs: number;
  winRate: number | null;
  verifiesRunId: string | null;
  startedAt: string;
  finishedAt: string | null;
}
