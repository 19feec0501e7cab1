// Run-view pieces both panels draw the same way.
import { html, type TemplateResult } from 'lit';

/** Progress in [0,1] as a whole percentage for the progress bar. */
export function progressPercent(progress: number): number {
  return Math.round(Math.max(0, Math.min(1, progress)) * 100);
}

/** Cancel for a running run; it stays disabled ("Cancelling…") until a snapshot says the run stopped. */
export function renderCancelButton(
  app: { cancelRequested: string | null; cancel(runId: string): void },
  runId: string,
): TemplateResult {
  const requested = app.cancelRequested === runId;
  return html`<vscode-button
    secondary
    icon="debug-stop"
    data-testid="cancel"
    ?disabled=${requested}
    @click=${() => app.cancel(runId)}
    >${requested ? 'Cancelling…' : 'Cancel'}</vscode-button
  >`;
}
