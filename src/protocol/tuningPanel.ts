// Messages between the host and the tuning panel ("Prompt Tuning"), each declared once.
// Names say direction and intent: `xxx/didYyy` host→webview notifications; imperative names webview→host.
// The webview imports only the types; the host validates everything the webview sends with the zod schemas
// below before acting on it, because the webview renders model output and must not be trusted.
import { z } from 'zod';
import { TuneConfigSchema } from '../core/tuning/config';
import type { ScoreSeries } from '../core/tuning/scoreSeries';
import type { TuneMode, TuneRunSnapshot } from '../core/tuning/types';
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
  type PromptSource,
  type RunDidChange,
} from './panelMessages';

export type { LibraryVersionItem, ModelOption, NumberRange, PromptSource, ScoreSeries, TuneMode, TuneRunSnapshot };

// ─── shared payloads ────────────────────────────────────────────────────────────────────────────

/** A `*.suite.json` file the host found in the workspace. */
export interface SuiteOption {
  /** Absolute file path; the only suite identifiers the host accepts back. */
  file: string;
  /** Path relative to its workspace folder, shown in the dropdown. */
  relativePath: string;
}

/** A run as the panel draws it: the snapshot, and the score chart's series the host derived from it. */
export interface TuningRunView extends TuneRunSnapshot {
  /** Best and mean score per generation, overall and per target model, and the base prompt's (scoreSeries.ts). */
  scoreSeries: ScoreSeries;
}

/** Everything the config form needs from the host; sent whole on ready and whenever it changes. */
export interface TuningOptions {
  /** The workspace's `*.suite.json` files (found with workspace.findFiles), sorted by path. */
  suites: SuiteOption[];
  /** Known model ids: providers with keys, configured endpoints, vscode-lm models. */
  models: ModelOption[];
  /** Text of the base prompt for a new form when no context prompt is active. */
  defaultBasePrompt: string;
  /** The version applied with "Apply to Context", used as the base prompt of a new form; null when none. */
  activeContext: ActiveContextPrompt | null;
  /** Parameter ranges from the engine's config schema. */
  limits: {
    population: NumberRange;
    generations: NumberRange;
    selectionRatio: NumberRange;
    validationSplit: NumberRange;
  };
  /** Calls above which the estimate carries a warning. */
  callWarningThreshold: number;
  /** False in an untrusted workspace: runs cannot start (the reason is shown). */
  trusted: boolean;
}

/** The estimate the host computed for a form. */
export interface EstimateResult {
  /** Exact API calls: meta-model calls plus evaluations. */
  calls: number;
  /** Rough wall time in seconds. */
  seconds: number;
  /** Set when calls exceed the threshold; says how to spend less. */
  warning: string | null;
  /** True when some model was never measured and a default latency was assumed. */
  assumedDefaultLatency: boolean;
}

// ─── webview → host (validated by the host) ────────────────────────────────────────────────────────

/** The parameters the estimate depends on (a subset of the start config). */
export const EstimateParamsSchema = z.object({
  /** Absolute path of the chosen suite. */
  suiteFile: z.string().min(1),
  /** quick or evolutionary. */
  mode: z.enum(['quick', 'evolutionary']),
  /** Meta model id; empty when none is chosen yet. */
  metaModel: z.string(),
  /** Chosen target model ids. */
  targetModels: z.array(z.string()),
  /** Prompts per generation. */
  population: z.number(),
  /** Generations (ignored in quick mode). */
  generations: z.number(),
  /** Survivor share (ignored in quick mode). */
  selectionRatio: z.number(),
  /** Held-out share of the cases, when the split is on. */
  validationSplit: z.number().optional(),
});
export type EstimateParams = z.infer<typeof EstimateParamsSchema>;

/** The panel's start form, as the engine's schema validates it (ranges and messages come from there). */
export const StartConfigSchema = TuneConfigSchema.pick({
  suiteFile: true,
  mode: true,
  metaModel: true,
  targetModels: true,
  basePrompt: true,
  baseVersionId: true,
  population: true,
  generations: true,
  selectionRatio: true,
  validationSplit: true,
  budgetUsd: true,
});
export type StartConfig = z.input<typeof StartConfigSchema>;

export const WebviewMessageSchema = z.discriminatedUnion('type', [
  WebviewReadySchema,
  /** Ask for an estimate; answered by exactly one `estimate/didCompute` with the same requestId. */
  z.object({
    type: z.literal('estimate/compute'),
    /** Increasing id chosen by the webview; a stale answer is ignored. */
    requestId: requestIdSchema,
    /** The form's current parameters. */
    params: EstimateParamsSchema,
  }),
  /** Start a run with this form; the host answers with `run/didChange` (reveal) or `tuning/didFailToStart`. */
  z.object({ type: z.literal('tuning/start'), /** The whole form. */ config: StartConfigSchema }),
  /** Cancel a running run; partial results stay. */
  z.object({ type: z.literal('tuning/cancel'), /** Run to cancel. */ runId }),
  /** Go on with a cancelled, failed or interrupted run from what is stored; answered like `tuning/start`. */
  z.object({ type: z.literal('tuning/resume'), /** Run to resume. */ runId }),
  /** Find the suites and models again (the user pressed refresh). */
  OptionsRefreshSchema,
  /** Save the base prompt text as a library version (the host asks for the name and label). */
  z.object({
    type: z.literal('library/saveBasePrompt'),
    /** Text in the textarea. */ text: z.string().min(1).max(200_000),
  }),
  /** Make the run's best prompt the active context prompt (saving it first when not saved). */
  z.object({ type: z.literal('best/applyToContext'), /** Run whose best prompt is meant. */ runId }),
  /** Save the run's best prompt to the library (when the run did not auto-save it). */
  z.object({ type: z.literal('best/saveToLibrary'), /** Run whose best prompt is meant. */ runId }),
  /** Show the saved best prompt in the Prompt Library. */
  z.object({ type: z.literal('best/viewInLibrary'), /** Run whose best prompt is meant. */ runId }),
  /** Copy the run's best prompt to the clipboard. */
  z.object({ type: z.literal('best/copy'), /** Run whose best prompt is meant. */ runId }),
  /** Open VS Code's diff editor: base prompt ↔ best prompt. */
  z.object({ type: z.literal('best/showDiff'), /** Run whose best prompt is meant. */ runId }),
]);
/** Every message the webview posts. The host acts on text it holds, never on prompt text sent back. */
export type WebviewMessage = z.input<typeof WebviewMessageSchema>;
/** A webview message after validation (defaults filled in). */
export type ValidWebviewMessage = z.output<typeof WebviewMessageSchema>;

/** Validates a raw message from the webview; the error names the path and what is wrong. */
export function parseWebviewMessage(
  raw: unknown,
): { ok: true; message: ValidWebviewMessage } | { ok: false; error: string } {
  return parsePanelMessage(WebviewMessageSchema, raw);
}

// ─── host → webview ─────────────────────────────────────────────────────────────────────────────────

export type HostMessage =
  /** Suites, models, defaults and ranges for the form (whole, latest wins). */
  | OptionsDidChange<TuningOptions>
  /** Library versions for "Load from Library", newest first (whole list, latest wins). */
  | LibraryDidChangeVersions
  /** The base prompt was saved as this version: the form now refers to it. */
  | { type: 'library/didSaveBasePrompt'; /** The stored version. */ version: LibraryVersionItem }
  /** Answer to `estimate/compute`: exactly one per request. */
  | {
      type: 'estimate/didCompute';
      /** The request's id. */
      requestId: number;
      /** The estimate, or null when it could not be computed. */
      estimate: EstimateResult | null;
      /** Why it could not be computed (e.g. the suite does not load); null on success. */
      error: string | null;
    }
  /** The start request was refused; nothing ran. */
  | { type: 'tuning/didFailToStart'; /** What is wrong, naming the field. */ message: string }
  /** Full snapshot of the run this panel shows (never a delta), with its chart series. */
  | RunDidChange<TuningRunView>;

export type HostMessageType = HostMessage['type'];
