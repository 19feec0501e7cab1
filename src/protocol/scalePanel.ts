// Messages between the host and the scale-test panel ("Scale Test"), each declared once.
// Names say direction and intent: `xxx/didYyy` host→webview notifications; imperative names webview→host.
// The webview imports only the types; the host validates everything the webview sends with the zod schemas
// below before acting on it. The webview never sends prompt or transcript text back: it names a run, a
// conversation or a library version, and the host acts on the text it holds.
import { z } from 'zod';
import { SCALE_LIMITS } from '../core/scale/config';
import type { ScaleEstimate, ScaleRole, ScaleRunSnapshot } from '../core/scale/types';
import {
  OptionsRefreshSchema,
  parsePanelMessage,
  requestIdSchema,
  runIdSchema as runId,
  WebviewReadySchema,
  type ActiveContextPrompt,
  type LibraryDidChangeVersions,
  type LibraryVersionItem,
  type ModelOption,
  type NumberRange,
  type OptionsDidChange,
  type RunDidChange,
} from './panelMessages';

export type { LibraryVersionItem, ModelOption, NumberRange, ScaleEstimate, ScaleRole, ScaleRunSnapshot };

// ─── shared payloads ────────────────────────────────────────────────────────────────────────────

/** A `*.agent.json` file the host found in the workspace, loaded (or the reason it does not load). */
export interface AgentOption {
  /** Absolute file path; the only agent identifiers the host accepts back. */
  file: string;
  /** Path relative to its workspace folder, shown in the dropdown. */
  relativePath: string;
  /** The agent's `name`; the file name when it does not load. */
  name: string;
  /** The agent's own system prompt text (resolved from `promptRef` when it has one); null when unknown. */
  systemPrompt: string | null;
  /** `promptRef` as written (NAME or NAME@V), when the agent takes its prompt from the library. */
  promptRef: string | null;
  /** Scenarios in the file; 0 means the form's goal and user message are used. */
  scenarioCount: number;
  /** Tools the agent is offered. */
  toolCount: number;
  /** User turns per conversation (the file's maxTurns or its default). */
  maxTurns: number;
  /** Why the file cannot be used (schema errors, a promptRef not in the library); null when it loads. */
  error: string | null;
}

/** Everything the form needs from the host; sent whole on ready and whenever it changes. */
export interface ScaleOptions {
  /** The workspace's `*.agent.json` files (workspace.findFiles), sorted by path. */
  agents: AgentOption[];
  /** Known model ids: providers with keys, configured endpoints, vscode-lm models, models used before. */
  models: ModelOption[];
  /** The version applied with "Apply to Context"; null when none. */
  activeContext: ActiveContextPrompt | null;
  /** Ranges of the numeric fields, from the engine's config (runs 1–10, concurrency 1–5). */
  limits: { runs: NumberRange; concurrency: NumberRange };
  /** Agent file to select in a new form (the explorer's "Run Scale Test" on a file); null when none. */
  preselectAgentFile: string | null;
  /** False in an untrusted workspace: runs cannot start (the reason is shown). */
  trusted: boolean;
}

/** Where the system prompt under test comes from; the host resolves the text. */
export const PromptChoiceSchema = z.discriminatedUnion('kind', [
  /** The agent file's systemPrompt (or its promptRef's library version). */
  z.object({ kind: z.literal('agent') }),
  /** The active context prompt ("Apply to Context"). */
  z.object({ kind: z.literal('context') }),
  /** A library version by row id. */
  z.object({
    kind: z.literal('library'),
    /** Version row id (LibraryVersionItem.id). */ versionId: z.number().int().positive(),
  }),
]);
export type PromptChoice = z.infer<typeof PromptChoiceSchema>;

const modelId = z.string().regex(/^[^/\s]+\/\S+$/, 'must be a model id "provider/model"');
/** Empty: the same model as the agent. */
const roleModel = z.union([z.literal(''), modelId]);

const intIn = (r: NumberRange, what: string) =>
  z
    .number()
    .int(`${what} must be a whole number`)
    .min(r.min, `${what}: at least ${r.min}`)
    .max(r.max, `${what}: at most ${r.max} (the cap)`);

/** The form as the host needs it for an estimate and a start (texts the host resolves are not sent). */
export const ScaleFormSchema = z.object({
  /** Absolute path of the chosen agent file (one of ScaleOptions.agents). */
  agentFile: z.string().min(1, 'choose an agent'),
  /** provider/model of the agent under test. */
  agentModel: modelId,
  /** Simulated user's model; empty = the agent model. */
  userModel: roleModel,
  /** Judge's model; empty = the agent model. */
  judgeModel: roleModel,
  /** Summarizer's model; empty = the agent model. */
  summarizerModel: roleModel,
  /** Which system prompt is tested. */
  prompt: PromptChoiceSchema,
  /** The simulated user's goal when the agent has no scenarios; empty when not given. */
  goal: z.string().max(4000),
  /** The first user message when the agent has no scenarios; empty when not given. */
  userMessage: z.string().max(20_000),
  /** Conversations to run. */
  runs: intIn(SCALE_LIMITS.runs, 'runs'),
  /** Conversations at a time. */
  concurrency: intIn(SCALE_LIMITS.concurrency, 'concurrency'),
  /** Total spending cap in USD; absent: no cap. */
  maxBudgetUsd: z.number().positive('maxBudgetUsd must be above 0').max(10_000).optional(),
});
export type ScaleForm = z.infer<typeof ScaleFormSchema>;

const conversationId = z.string().min(1).max(200);

export const WebviewMessageSchema = z.discriminatedUnion('type', [
  WebviewReadySchema,
  /** Find the agents and models again (the user pressed refresh). */
  OptionsRefreshSchema,
  /** Ask for an estimate; answered by exactly one `estimate/didCompute` with the same requestId. */
  z.object({
    type: z.literal('estimate/compute'),
    /** Increasing id chosen by the webview; a stale answer is ignored. */
    requestId: requestIdSchema,
    /** The form's current values. */
    form: ScaleFormSchema,
  }),
  /** Start a run; answered by `run/didChange` (reveal) or `scale/didFailToStart`. Over budget, the host asks first. */
  z.object({
    type: z.literal('scale/start'),
    /** Made by the webview once per submission: a repeated start with it returns the same run and calls nothing. */
    idempotencyKey: z.string().regex(/^[A-Za-z0-9_-]{8,100}$/, 'must be 8–100 letters, digits, _ or -'),
    /** The whole form. */
    form: ScaleFormSchema,
  }),
  /** Run again the conversations an interrupted, failed or cancelled run did not finish; the rest are kept. */
  z.object({ type: z.literal('scale/resume'), /** Run to resume. */ runId }),
  /** Cancel a running run (or its verification); finished conversations stay. */
  z.object({ type: z.literal('scale/cancel'), /** Run to cancel. */ runId }),
  /** Open a conversation's transcript as a read-only document (a citation passes its turn). */
  z.object({
    type: z.literal('transcript/open'),
    /** Run the conversation belongs to. */
    runId,
    /** Conversation to show. */
    conversationId,
    /** 1-based turn to reveal, when a citation names one. */
    turn: z.number().int().positive().optional(),
  }),
  /** Copy the run's revised prompt or its rationale to the clipboard (the host writes it). */
  z.object({
    type: z.literal('report/copy'),
    /** Run whose report is meant. */ runId,
    /** Which text. */ what: z.enum(['revisedPrompt', 'rationale']),
  }),
  /** Run the revised prompt on the same scenarios, seeds and models ("Verify Revised Prompt"). */
  z.object({ type: z.literal('report/verify'), /** Run whose revised prompt is verified. */ runId }),
  /** Save the revised prompt to the Prompt Library (source `scale`; the host asks for the name). */
  z.object({ type: z.literal('report/saveRevised'), /** Run whose revised prompt is saved. */ runId }),
  /** Open VS Code's diff editor: the tested prompt ↔ the revised prompt. */
  z.object({ type: z.literal('report/showDiff'), /** Run whose prompts are compared. */ runId }),
  /** Open the tuning panel with the revised prompt as its base prompt. */
  z.object({ type: z.literal('report/tuneFromRevised'), /** Run whose revised prompt is the base. */ runId }),
  /** Turn a conversation into a case of a `*.suite.json` (its last agent turn; the host asks which suite). */
  z.object({
    type: z.literal('conversation/addToSuite'),
    /** Run of the conversation. */ runId,
    /** Conversation to turn into a case. */ conversationId,
  }),
  /** Show another stored run in this panel (e.g. the verification run). */
  z.object({ type: z.literal('run/show'), /** Run to show. */ runId }),
]);
/** Every message the webview posts. */
export type WebviewMessage = z.input<typeof WebviewMessageSchema>;
/** A webview message after validation. */
export type ValidWebviewMessage = z.output<typeof WebviewMessageSchema>;

/** Validates a raw message from the webview; the error names the path and what is wrong. */
export function parseWebviewMessage(
  raw: unknown,
): { ok: true; message: ValidWebviewMessage } | { ok: false; error: string } {
  return parsePanelMessage(WebviewMessageSchema, raw);
}

// ─── host → webview ─────────────────────────────────────────────────────────────────────────────────

/** Buttons whose result the panel shows beside them. */
export type ScaleAction =
  'copy' | 'saveRevised' | 'showDiff' | 'tuneFromRevised' | 'verify' | 'addToSuite' | 'transcript';

export type HostMessage =
  /** Agents, models, defaults and ranges for the form (whole, latest wins). */
  | OptionsDidChange<ScaleOptions>
  /** Library versions for the system-prompt choice, newest first (whole list, latest wins). */
  | LibraryDidChangeVersions
  /** Answer to `estimate/compute`: exactly one per request. */
  | {
      type: 'estimate/didCompute';
      /** The request's id. */
      requestId: number;
      /** The estimate per role, or null when it could not be computed. */
      estimate: ScaleEstimate | null;
      /** The estimate as one paragraph (formatScaleEstimate), for screen readers and the CLI's wording; null on error. */
      text: string | null;
      /** Why it could not be computed (the agent does not load, a bad field); null on success. */
      error: string | null;
    }
  /** The start was refused or declined; nothing ran. */
  | {
      type: 'scale/didFailToStart';
      /** The key of the submission that did not start. */
      idempotencyKey: string;
      /** What is wrong, naming the field; or that the over-budget start was not confirmed. */
      message: string;
    }
  /** Full snapshot of the run this panel shows, with the report once it is folded (never a delta). */
  | RunDidChange<ScaleRunSnapshot>
  /** A button's action finished (shown next to it, then fades); errors go to VS Code's notifications. */
  | {
      type: 'action/didComplete';
      /** Run it was about. */
      runId: string;
      /** Which button. */
      action: ScaleAction;
      /** One line for the user, e.g. "Copied" or "Saved as hotel-desk v2". */
      message: string;
    };

export type HostMessageType = HostMessage['type'];
