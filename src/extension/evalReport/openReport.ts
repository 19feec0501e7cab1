// Opening the report panel on a finished (or stopped) evaluation: the view is built here so the commands
// only say what they ran.
import * as vscode from 'vscode';
import type { Suite } from '../../core/suites/suiteSchema';
import type { HostContext } from '../hostContext';
import { EvalPanel } from './evalPanel';
import { buildReportView, type RunInput } from './reportView';

export interface OpenReportInput {
  /** The text log of the same report (the panel's Show Log). */
  output: vscode.OutputChannel;
  suiteUri: vscode.Uri;
  suite: Suite;
  models: string[];
  repeat: number;
  /** One run, or A then B. */
  runs: RunInput[];
}

export function openEvalReport(ctx: HostContext, input: OpenReportInput): void {
  const view = buildReportView({
    suite: input.suite,
    suiteFile: vscode.workspace.asRelativePath(input.suiteUri, false),
    models: input.models,
    repeat: input.repeat,
    runs: input.runs,
    finishedAt: new Date(),
  });
  EvalPanel.show(ctx, { view, suiteUri: input.suiteUri, output: input.output });
}

/** Brings the report panel to the front (the toast's Show Report); false when it was closed. */
export function revealEvalReport(): boolean {
  const shown = EvalPanel.shown;
  if (!shown) return false;
  shown.panel.reveal(undefined, false);
  return true;
}
