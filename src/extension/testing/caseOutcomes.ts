// The last outcome of each case on each model, kept for the CodeLens above the case (the Testing view keeps
// its own copy of the results); cleared with the window.
import * as vscode from 'vscode';

/** One model's last result for one case. */
export interface CaseOutcome {
  /** `provider/model`. */
  model: string;
  pass: boolean;
  /** The typed failure reason; null when passed. */
  reason: string | null;
  /** Wall time of the call in ms. */
  latencyMs: number;
}

function key(uri: vscode.Uri, caseId: string): string {
  return `${uri.toString()}\u0000${caseId}`;
}

export class CaseOutcomes implements vscode.Disposable {
  private readonly byCase = new Map<string, Map<string, CaseOutcome>>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  /** Fires with the suite file whose outcomes changed. */
  readonly onDidChange = this.changed.event;

  /** Records one case's outcomes on the models it just ran on; other models keep their older outcome. */
  set(uri: vscode.Uri, caseId: string, outcomes: CaseOutcome[]): void {
    const k = key(uri, caseId);
    const models = this.byCase.get(k) ?? new Map<string, CaseOutcome>();
    for (const o of outcomes) models.set(o.model, o);
    this.byCase.set(k, models);
    this.changed.fire(uri);
  }

  /** The case's last outcomes, in the order the models first ran. */
  get(uri: vscode.Uri, caseId: string): CaseOutcome[] {
    return [...(this.byCase.get(key(uri, caseId))?.values() ?? [])];
  }

  dispose(): void {
    this.changed.dispose();
  }
}
