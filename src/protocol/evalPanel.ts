// Messages between the host and the evaluation report panel ("Evaluation Report"), each declared once.
// Names say direction and intent: `xxx/didYyy` host→webview notifications; imperative names webview→host.
// The host sends the finished report whole (one prompt, or two prompts compared); the webview only filters,
// opens a case and names a case id back. Prompt texts, answers and paths never travel webview→host in a
// message; only the saved state VS Code hands the serializer after a reload holds the report (validated below).
// The webview imports only the types; the zod schemas below run on the host.
import { z } from 'zod';
import { parsePanelMessage, WebviewReadySchema } from './panelMessages';

// ─── host → webview payloads ───────────────────────────────────────────────────────────────────────

/** One tool call as the panel shows it. */
export interface ToolCallView {
  /** Name of the called tool. */
  name: string;
  /** The arguments as JSON text (pretty when they parsed, else exactly what the model sent). */
  arguments: string;
  /** Why the arguments are not valid JSON; null when they are. */
  argumentsError: string | null;
}

/** One message of a case's conversation (after the system prompt). */
export interface MessageView {
  /** Who speaks. */
  role: 'user' | 'assistant' | 'tool';
  /** The message text (shown as text, never as markup). */
  content: string;
  /** Calls an assistant message made earlier in the conversation; empty otherwise. */
  toolCalls: ToolCallView[];
  /** The tool a tool message answers for; null for other roles. */
  toolName: string | null;
}

/** One case of the suite: what the model was sent and what it should have done. */
export interface CaseView {
  /** Unique id within the suite. */
  id: string;
  /** The case's description; null when it has none. */
  description: string | null;
  /** The conversation sent after the system prompt. */
  messages: MessageView[];
  /** The expected call(s), one line each as `tool(args JSON)`, or "no tool call". */
  expected: string[];
}

/** The outcome of one case on one model (one try). */
export interface ResultView {
  /** Case it belongs to. */
  caseId: string;
  /** `provider/model` it ran on. */
  model: string;
  /** 0-based try (0 without repeats). */
  repeat: number;
  /** Whether the case passed. */
  pass: boolean;
  /** Typed failure reason (`value_error`, `no_call`…); null when passed. */
  reason: string | null;
  /** What exactly went wrong; null when passed. */
  detail: string | null;
  /** The model's text answer (shown as text). */
  text: string;
  /** The calls the model made, in order. */
  toolCalls: ToolCallView[];
  /** Wall time of the call in ms (0 for a cache hit). */
  latencyMs: number;
  /** Input tokens of the call. */
  inputTokens: number;
  /** Output tokens of the call. */
  outputTokens: number;
  /** USD; null when the model's price is unknown (shown as unknown, never $0). */
  costUsd: number | null;
  /** Served from the response cache. */
  cached: boolean;
}

/** A model's share of one run. */
export interface ModelScoreView {
  /** `provider/model`. */
  model: string;
  /** passed / total. */
  score: number;
  /** Results that passed. */
  passed: number;
  /** Results in all. */
  total: number;
}

/** One prompt's evaluation on the suite. */
export interface RunView {
  /** Who this run is in a comparison ("A", "B"); "" for a single report. */
  label: string;
  /** The prompt's title, e.g. "travel-desk v3" or "agent.md". */
  promptTitle: string;
  /** The system prompt evaluated (shown as text). */
  promptText: string;
  /** Why results are missing (cancelled, budget, an error); null when the run completed. */
  partial: string | null;
  /** passed / results. */
  score: number;
  /** Per model, in the order the models were given. */
  perModel: ModelScoreView[];
  /** In suite order, then model order, then try. */
  results: ResultView[];
  /** Calls answered by a provider (not cache hits). */
  calls: number;
  /** Results served from the cache. */
  cacheHits: number;
  /** Input tokens of provider calls. */
  inputTokens: number;
  /** Output tokens of provider calls. */
  outputTokens: number;
  /** Summed cost of provider calls whose price is known. */
  costUsd: number;
  /** True when some call's price was unknown: `costUsd` is then a lower bound (or unknown when 0). */
  costIncomplete: boolean;
  /** With repeats: share of case × model pairs where every try passed; null without repeats. */
  passHatK: number | null;
}

/** What one pair of results (same case, model and try under A and B) did. */
export type PairChangeView = 'win' | 'loss' | 'bothPass' | 'bothFail';

/** Wins and losses of B against A, and the exact McNemar test on them. */
export interface TallyView {
  /** B passed where A failed. */
  wins: number;
  /** A passed where B failed. */
  losses: number;
  /** Both passed. */
  bothPass: number;
  /** Both failed. */
  bothFail: number;
  /** Two-sided exact McNemar p-value; 1 when there is no discordant pair. */
  pValue: number;
  /** pValue below the significance level. */
  significant: boolean;
}

/** One paired outcome of a comparison. */
export interface PairView {
  /** Case of the pair. */
  caseId: string;
  /** Model of the pair. */
  model: string;
  /** 0-based try. */
  repeat: number;
  /** What changed from A to B. */
  change: PairChangeView;
}

/** Two prompts compared on the same suite and models. */
export interface ComparisonView {
  /** Every pair together. */
  total: TallyView;
  /** Per model, in the order the models were given. */
  perModel: (TallyView & { /** `provider/model`. */ model: string })[];
  /** Every pair, in suite order. */
  pairs: PairView[];
  /** Results without a partner in the other run (one stopped early); not in the test. */
  unpaired: { /** A's results without B's. */ a: number; /** B's results without A's. */ b: number };
  /** The significance level (0.05). */
  alpha: number;
  /** One sentence: which prompt did better and whether it is significant. */
  verdict: string;
}

/** Everything the panel shows, sent whole. */
export interface EvalReportView {
  /** The suite's name. */
  suiteName: string;
  /** The suite file, relative to the workspace. */
  suiteFile: string;
  /** `provider/model` ids, in the order given (the grid's columns). */
  models: string[];
  /** Tries per case × model (1 without repeats). */
  repeat: number;
  /** The suite's cases, in suite order (the grid's rows). */
  cases: CaseView[];
  /** One run (a single report) or two (A then B, a comparison). */
  runs: RunView[];
  /** The comparison of runs[0] (A) and runs[1] (B); null for a single report. */
  comparison: ComparisonView | null;
  /** ISO time the report was made. */
  finishedAt: string;
}

// ─── webview → host (validated by the host) ────────────────────────────────────────────────────────

/** A case id as the webview sends it back (the host looks it up in the report it holds). */
const caseId = z.string().min(1, 'must not be empty').max(200, 'must be at most 200 characters');

export const WebviewMessageSchema = z.discriminatedUnion('type', [
  WebviewReadySchema,
  /** Open the suite file at this case (the host finds its range). */
  z.object({ type: z.literal('case/openInSuite'), /** Case to reveal. */ caseId }),
  /** Show the "Prompt Tuner: Evaluation" output channel (the text log of the same report). */
  z.object({ type: z.literal('log/show') }),
  /** Run Compare Two Prompts on this report's suite (the host asks for the prompts and models). */
  z.object({ type: z.literal('compare/start') }),
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

// ─── saved with the panel (webview setState → the host's serializer after a window reload) ─────────

/**
 * The part of the webview's saved state the host reads when VS Code brings the panel back after a reload:
 * the report shown, since the host keeps reports in memory only. The webview bounds it (long texts shortened,
 * or no report when even that is too large); the host validates it like any other webview data.
 */
export interface EvalSavedReport {
  /** Shape version: a state of another version brings no report back. */
  v: 2;
  /** The report shown, as it was saved; null when none was shown or it was too large to keep. */
  report: EvalReportView | null;
}

const count = z.number().int().nonnegative();
const ToolCallViewSchema = z.object({ name: z.string(), arguments: z.string(), argumentsError: z.string().nullable() });
const TallyViewSchema = z.object({
  wins: count,
  losses: count,
  bothPass: count,
  bothFail: count,
  pValue: z.number().min(0).max(1),
  significant: z.boolean(),
});

const EvalReportViewSchema: z.ZodType<EvalReportView> = z
  .object({
    suiteName: z.string(),
    suiteFile: z.string().min(1),
    models: z.array(z.string()),
    repeat: z.number().int().positive(),
    cases: z.array(
      z.object({
        id: z.string(),
        description: z.string().nullable(),
        messages: z.array(
          z.object({
            role: z.enum(['user', 'assistant', 'tool']),
            content: z.string(),
            toolCalls: z.array(ToolCallViewSchema),
            toolName: z.string().nullable(),
          }),
        ),
        expected: z.array(z.string()),
      }),
    ),
    runs: z
      .array(
        z.object({
          label: z.string(),
          promptTitle: z.string(),
          promptText: z.string(),
          partial: z.string().nullable(),
          score: z.number(),
          perModel: z.array(z.object({ model: z.string(), score: z.number(), passed: count, total: count })),
          results: z.array(
            z.object({
              caseId: z.string(),
              model: z.string(),
              repeat: count,
              pass: z.boolean(),
              reason: z.string().nullable(),
              detail: z.string().nullable(),
              text: z.string(),
              toolCalls: z.array(ToolCallViewSchema),
              latencyMs: z.number().nonnegative(),
              inputTokens: count,
              outputTokens: count,
              costUsd: z.number().nullable(),
              cached: z.boolean(),
            }),
          ),
          calls: count,
          cacheHits: count,
          inputTokens: count,
          outputTokens: count,
          costUsd: z.number(),
          costIncomplete: z.boolean(),
          passHatK: z.number().nullable(),
        }),
      )
      .min(1)
      .max(2),
    comparison: z
      .object({
        total: TallyViewSchema,
        perModel: z.array(TallyViewSchema.extend({ model: z.string() })),
        pairs: z.array(
          z.object({
            caseId: z.string(),
            model: z.string(),
            repeat: count,
            change: z.enum(['win', 'loss', 'bothPass', 'bothFail']),
          }),
        ),
        unpaired: z.object({ a: count, b: count }),
        alpha: z.number(),
        verdict: z.string(),
      })
      .nullable(),
    finishedAt: z.string(),
  })
  .refine((r) => (r.runs.length === 2) === (r.comparison !== null), {
    message: 'a comparison goes with two runs, a single report with one',
    path: ['comparison'],
  });

const EvalSavedReportSchema = z.object({ v: z.literal(2), report: EvalReportViewSchema.nullable() });

/**
 * The report a restored panel's saved state holds: null without one (nothing saved yet, an older state's
 * shape, or none shown); an error names what is wrong with a state that claims this shape but is not it.
 */
export function parseSavedReport(state: unknown): { report: EvalReportView | null; error: string | null } {
  const v = (state as { v?: unknown } | null | undefined)?.v;
  if (typeof state !== 'object' || state === null || v !== 2) return { report: null, error: null };
  const parsed = parsePanelMessage(EvalSavedReportSchema, state);
  return parsed.ok ? { report: parsed.message.report, error: null } : { report: null, error: parsed.error };
}

// ─── host → webview ─────────────────────────────────────────────────────────────────────────────────

export type HostMessage =
  /** The report to show (whole, latest wins); null when no evaluation ran in this window yet. */
  {
    type: 'report/didChange';
    /** What the panel shows. */
    report: EvalReportView | null;
  };

export type HostMessageType = HostMessage['type'];
