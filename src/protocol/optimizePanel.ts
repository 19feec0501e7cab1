// Messages between the host and the prompt-optimization panel ("Prompt Optimization"), each declared once.
// Names say direction and intent: `xxx/didYyy` host→webview notifications; imperative names webview→host.
// The panel is a view over one rollout store: the host reads the store's overview (runs, counters, workers,
// the queue timeline, alerts, the shown run's snapshot) and sends it whole. The webview never sends prompt
// text or paths back: it names a run, and the host acts on the store and the text it holds.
import { z } from 'zod';
import type { ApoCandidate, ApoRound, BestPrompt, OptimizeOverview, OptimizeRunSnapshot } from '../core/optimize/types';
import { parsePanelMessage, runIdSchema as runId, WebviewReadySchema } from './panelMessages';

export type { ApoCandidate, ApoRound, BestPrompt, OptimizeOverview, OptimizeRunSnapshot };

// ─── webview → host (validated by the host) ────────────────────────────────────────────────────────

export const WebviewMessageSchema = z.discriminatedUnion('type', [
  WebviewReadySchema,
  /** Read the store again now (the user pressed Refresh). */
  z.object({ type: z.literal('overview/refresh') }),
  /** Show another run of this store (a row of the runs list). */
  z.object({ type: z.literal('run/show'), /** Run to show. */ runId }),
  /** Pick another store file (the host shows an open dialog). */
  z.object({ type: z.literal('store/pick') }),
  /** Start a new run: the host asks for a config file and a model (Run Prompt Optimization). */
  z.object({ type: z.literal('optimize/start') }),
  /** Cancel a run this window is running; finished rollouts stay. */
  z.object({ type: z.literal('optimize/cancel'), /** Run to cancel. */ runId }),
  /** Continue an interrupted, failed or cancelled run of this store in this window. */
  z.object({ type: z.literal('optimize/resume'), /** Run to resume. */ runId }),
  /** Make the run's best prompt the active context (saved to the library first when it is not yet). */
  z.object({ type: z.literal('best/apply'), /** Run whose best prompt is meant. */ runId }),
  /** Save the run's best prompt to the Prompt Library (source `optimized`; the host asks for the name). */
  z.object({ type: z.literal('best/save'), /** Run whose best prompt is saved. */ runId }),
  /** Reveal the library version the best prompt was saved as. */
  z.object({ type: z.literal('best/view'), /** Run whose saved best prompt is shown. */ runId }),
  /** Copy the best prompt to the clipboard (the host writes it). */
  z.object({ type: z.literal('best/copy'), /** Run whose best prompt is copied. */ runId }),
  /** Open VS Code's diff editor: the run's initial prompt ↔ its best prompt. */
  z.object({ type: z.literal('best/diff'), /** Run whose prompts are compared. */ runId }),
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
export type OptimizeAction = 'apply' | 'save' | 'view' | 'copy' | 'diff' | 'cancel' | 'resume';

/** Everything the panel shows about its store, sent whole (latest wins). */
export interface OptimizeView {
  /** Absolute path of the store file the panel shows. */
  storePath: string;
  /** False when no store exists at the path yet (nothing has run there): the panel offers to start a run. */
  exists: boolean;
  /** The store read in one go; null when it does not exist or could not be read. */
  overview: OptimizeOverview | null;
  /** Why the store could not be read (corrupt file, locked…); null when it was read or does not exist. */
  error: string | null;
  /** Runs of this store that this window is running (Cancel is offered for them only). */
  runningHere: string[];
  /** False in an untrusted workspace: runs cannot start or resume (the reason is shown). */
  trusted: boolean;
  /** Date.now() of the host when it read the store. */
  readAtMs: number;
  /** The library version the shown run's best prompt is saved as (found by run id and text); null when not saved. */
  savedBest: { id: number; name: string; version: number } | null;
}

export type HostMessage =
  /** The store's overview (whole; sent on ready, on a run's progress and on an interval while visible). */
  | {
      type: 'overview/didChange';
      /** What the panel shows. */ view: OptimizeView;
      /** Switch to this run (just started or opened); null: keep the selection. */ reveal: string | null;
    }
  /** A button's action finished (shown next to it, then fades); errors go to VS Code's notifications. */
  | {
      type: 'action/didComplete';
      /** Run it was about. */
      runId: string;
      /** Which button. */
      action: OptimizeAction;
      /** One line for the user, e.g. "Copied" or "Saved as qa (optimized) v2". */
      message: string;
    };

export type HostMessageType = HostMessage['type'];
