// CodeLens above each case of a *.suite.json: Run (every target model) and Run on… (pick the models), then,
// once the case ran, its last outcome on each model. Case positions come from the editor's text as typed.
import * as vscode from 'vscode';
import type * as SuiteRangesModule from '../../core/suites/suiteRanges';
import type { CaseOutcome } from '../testing/caseOutcomes';

// Lazy: jsonc-parser loads with the first lens
const suiteRanges = (): typeof SuiteRangesModule =>
  require('../../core/suites/suiteRanges') as typeof SuiteRangesModule;

export const RUN_CASE_COMMAND = 'promptTuner.testing.runCase';
export const RUN_CASE_ON_COMMAND = 'promptTuner.testing.runCaseOn';

/** Where the lenses read the last outcomes. */
export interface OutcomeSource {
  get(uri: vscode.Uri, caseId: string): CaseOutcome[];
  readonly onDidChange: vscode.Event<vscode.Uri>;
}

/** A model's last outcome in a few words: `✓ openai/gpt-4o 0.84 s` or `✗ openai/gpt-4o value_error`. */
export function outcomeTitle(o: CaseOutcome): string {
  return o.pass ? `✓ ${o.model} ${(o.latencyMs / 1000).toFixed(2)} s` : `✗ ${o.model} ${o.reason ?? 'failed'}`;
}

export class SuiteCodeLensProvider implements vscode.CodeLensProvider {
  readonly onDidChangeCodeLenses: vscode.Event<void>;

  constructor(private readonly outcomes: OutcomeSource) {
    const changed = new vscode.EventEmitter<void>();
    outcomes.onDidChange(() => changed.fire());
    this.onDidChangeCodeLenses = changed.event;
  }

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    const text = doc.getText();
    const { caseSpans, lineColumn } = suiteRanges();
    const lenses: vscode.CodeLens[] = [];
    const seen = new Set<string>();
    for (const span of caseSpans(text)) {
      if (span.id === undefined || seen.has(span.id)) continue;
      seen.add(span.id);
      const at = lineColumn(text, span.offset);
      const range = new vscode.Range(at.line, at.character, at.line, at.character);
      lenses.push(
        new vscode.CodeLens(range, {
          title: 'Run',
          tooltip: `Run ${span.id} on every target model`,
          command: RUN_CASE_COMMAND,
          arguments: [doc.uri, span.id],
        }),
        new vscode.CodeLens(range, {
          title: 'Run on…',
          tooltip: `Pick the models to run ${span.id} on`,
          command: RUN_CASE_ON_COMMAND,
          arguments: [doc.uri, span.id],
        }),
      );
      for (const o of this.outcomes.get(doc.uri, span.id)) {
        // An outcome is information, not an action: a lens without a command is shown as plain text.
        lenses.push(new vscode.CodeLens(range, { title: outcomeTitle(o), command: '' }));
      }
    }
    return lenses;
  }
}
