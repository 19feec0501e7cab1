// An evaluator grades one finished conversation into EvaluationResults. Three kinds: builtin (in
// process: the assertion registry and the judge), http (a DeepEval/TruLens-style worker behind the seed's
// `POST /eval` contract) and promptfoo (promptfoo's Node API in a child process). An http or promptfoo
// evaluator that cannot be reached when it is created becomes the built-in, with a warning saying why.
import type { Agent } from '../../agents/agentSchema';
import type { CallOptions, ModelGateway, ModelResult } from '../../models/types';
import type { EndedReason, EvaluationResult, EvaluatorKind, TranscriptMessage } from '../types';
import { createBuiltinEvaluator } from './builtinEvaluator';
import { createHttpEvaluator } from './httpEvaluator';
import { createPromptfooEvaluator } from './promptfooEvaluator';

export interface GradeInput {
  conversationId: string;
  agent: Agent;
  /** The goal the simulated user had (the scenario's, or the form's). */
  goal: string;
  messages: TranscriptMessage[];
  endedReason: EndedReason;
  /** The conversation's seed (config seed + run index), sent with judge calls. */
  seed?: number;
}

export interface GradeContext {
  gateway: ModelGateway;
  judgeModel: string;
  signal: AbortSignal;
  /** The engine's budget caps ride here. */
  callOptions: CallOptions;
  /** Every judge call's result, for the cost ledger. */
  onCall(r: ModelResult): void;
}

export interface ScaleEvaluator {
  kind: EvaluatorKind;
  /** Never a pass on error: what could not be graded is `pass: null`. Rethrows budget and cancel errors. */
  grade(input: GradeInput, ctx: GradeContext): Promise<EvaluationResult[]>;
  close?(): Promise<void>;
}

export interface EvaluatorOptions {
  /** http: the worker's base URL (POST {url}/eval). */
  url?: string;
  /** The workspace: where promptfoo and Node are looked for. */
  cwd?: string;
  /** promptfoo: the folder whose node_modules has promptfoo (default: looked for, see promptfooLocate.ts). */
  promptfooDir?: string;
  /** promptfoo: a Node ≥ 22.22 to run it with (default: looked for). */
  nodePath?: string;
  /** http: ms per request before it counts as failed (default 60 000; the probe waits 5 000). */
  timeoutMs?: number;
}

export async function createEvaluator(
  kind: EvaluatorKind,
  options: EvaluatorOptions,
): Promise<{ evaluator: ScaleEvaluator; warning?: string }> {
  if (kind === 'builtin') return { evaluator: createBuiltinEvaluator() };
  const made = kind === 'http' ? await createHttpEvaluator(options) : await createPromptfooEvaluator(options);
  if ('evaluator' in made) return { evaluator: made.evaluator };
  return {
    evaluator: createBuiltinEvaluator(),
    warning: `${made.unavailable}; grading with the built-in evaluator instead`,
  };
}
