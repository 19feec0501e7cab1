// What every panel's protocol has in common: the ready handshake, the refresh request, the payloads both
// forms show (models, ranges, library versions), the host messages every panel sends whole, and how the host
// validates what a webview posts. Each panel's own file (tuningPanel.ts, scalePanel.ts) adds its messages.
// The webview imports only the types; the zod schemas below run on the host.
import { z } from 'zod';
import type { PromptSource } from '../core/library/types';

export type { PromptSource };

// ─── shared payloads ────────────────────────────────────────────────────────────────────────────

/** A model the user can pick in a form (meta, target, agent, simulated user, judge, summarizer). */
export interface ModelOption {
  /** `provider/model`, e.g. `anthropic/claude-opus-4-6`. */
  id: string;
  /** Shown text, e.g. `claude-opus-4-6 (anthropic)`. */
  label: string;
  /** Where the host learnt of it (`API key`, `endpoint`, `VS Code`, `measured`…), shown as a hint. */
  source: string;
}

/** Allowed range of a numeric parameter, as the engine validates it. */
export interface NumberRange {
  /** Smallest allowed value. */
  min: number;
  /** Largest allowed value. */
  max: number;
  /** Value a new form starts with. */
  default: number;
}

/** One library version a form offers (tuning's "Load from Library", the scale panel's system-prompt choice). */
export interface LibraryVersionItem {
  /** Version row id (what `baseVersionId` and a library prompt choice refer to). */
  id: number;
  /** Owning prompt's name. */
  promptName: string;
  /** Version number within the prompt (1, 2, 3…). */
  version: number;
  /** Optional label, null when none. */
  label: string | null;
  /** Where the version came from; shown as a badge. */
  source: PromptSource;
  /** ISO time the version was stored. */
  createdAt: string;
  /** Score in [0,1] when it came from a measured run. */
  score: number | null;
  /** The prompt text (rendered as text only). */
  text: string;
}

/** The version applied with "Apply to Context", as a form offers it. */
export interface ActiveContextPrompt {
  /** Version row id. */
  versionId: number;
  /** Owning prompt's name. */
  name: string;
  /** Version number within the prompt. */
  version: number;
  /** The prompt text. */
  text: string;
}

// ─── webview → host (validated by the host) ────────────────────────────────────────────────────────

/** The webview has loaded and listens: the host may post (ready handshake). */
export const WebviewReadySchema = z.object({ type: z.literal('webview/ready') });
/** The first message every webview posts; the host posts nothing before it. */
export type WebviewReady = z.infer<typeof WebviewReadySchema>;

/** Find the form's files and models again (the user pressed refresh). */
export const OptionsRefreshSchema = z.object({ type: z.literal('options/refresh') });

/** A run id as the webview sends it back. */
export const runIdSchema = z.string().min(1).max(100);

/** Increasing id of an estimate request, chosen by the webview; a stale answer is ignored. */
export const requestIdSchema = z.number().int().nonnegative();

/** Validates a raw message from a webview against its panel's schema; the error names the path and what is wrong. */
export function parsePanelMessage<S extends z.ZodType>(
  schema: S,
  raw: unknown,
): { ok: true; message: z.output<S> } | { ok: false; error: string } {
  const r = schema.safeParse(raw);
  if (r.success) return { ok: true, message: r.data };
  const issue = r.error.issues[0];
  const path = issue && issue.path.length ? issue.path.map(String).join('.') : 'message';
  return { ok: false, error: `${path}: ${issue?.message ?? 'invalid message'}` };
}

// ─── host → webview ─────────────────────────────────────────────────────────────────────────────────

/** The form's choices, defaults and ranges (whole, latest wins). */
export interface OptionsDidChange<O> {
  type: 'options/didChange';
  /** Everything the form offers. */
  options: O;
}

/** Library versions the form offers, newest first (whole list, latest wins). */
export interface LibraryDidChangeVersions {
  type: 'library/didChangeVersions';
  /** Newest first, at most a few hundred. */
  versions: LibraryVersionItem[];
}

/** Full snapshot of the run the panel shows (never a delta). */
export interface RunDidChange<S> {
  type: 'run/didChange';
  /** The whole run state. */
  snapshot: S;
  /** True when the panel should switch to the run view (a run was just started or opened). */
  reveal: boolean;
}

/** What a run snapshot has that the panel plumbing on both sides relies on. */
export interface PanelRunSnapshot {
  /** The run's id. */
  runId: string;
  /** Its status (`pending`, `running`, then a final one). */
  status: string;
}
