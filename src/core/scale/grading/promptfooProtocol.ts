// Messages between the promptfoo evaluator (this process) and its worker (a child process under a Node
// that promptfoo supports), over the child's IPC channel. The worker makes no model call of its own: each
// llm-rubric grading request comes back here as `judge`, so the gateway's budget, ledger, cache, retries
// and seeds apply to promptfoo's judge calls too.
import type { AssertionType } from '../../agents/agentSchema';

/** One promptfoo test: one output and the one assertion graded on it. */
export interface WorkerTest {
  /** Unique within the job; the echo provider answers the test's prompt (its key) with `output`. */
  key: string;
  /** The text promptfoo grades (an agent reply, or the rendered transcript). */
  output: string;
  assert: {
    type: AssertionType;
    value?: unknown;
    threshold?: number;
    /** llm-rubric: promptfoo's rubricPrompt (a JSON chat array with {{ rubric }} and {{ output }}). */
    rubricPrompt?: string;
  };
}

/** What promptfoo concluded for one test. */
export interface WorkerResult {
  key: string;
  pass: boolean;
  score: number;
  reason: string;
  /** Set when promptfoo could not grade the test (an error, not a failed assertion). */
  error?: string;
}

export type ParentMessage =
  | { type: 'job'; jobId: number; tests: WorkerTest[] }
  | { type: 'judgeReply'; callId: number; output?: string; error?: string };

export type WorkerMessage =
  | { type: 'ready'; promptfooVersion: string; nodeVersion: string }
  | { type: 'fatal'; message: string }
  | { type: 'judge'; callId: number; jobId: number; key: string; prompt: string }
  | { type: 'result'; jobId: number; results: WorkerResult[] }
  | { type: 'jobError'; jobId: number; message: string };
