// "Prompt Tuner: Evaluate Prompt on Suite": pick a suite, a prompt and models, run the evaluation with
// cancellable progress, and show the report in the "Prompt Tuner: Evaluation" output channel.
import * as vscode from 'vscode';
import type { HostCommand } from '../commandTypes';
import { registerEvalReportSerializer } from '../evalReport/evalSerializer';
import type { HostContext } from '../hostContext';
import { SuiteTesting } from '../testing/suiteTesting';
import { caseCommands } from '../testing/caseCommands';
import { SuiteCodeLensProvider } from './suiteCodeLens';
import { startSuiteDiagnostics } from './suiteDiagnostics';

export function suitesFeature(ctx: HostContext): HostCommand[] {
  const output = vscode.window.createOutputChannel('Prompt Tuner: Evaluation');
  ctx.extension.subscriptions.push(output, registerEvalReportSerializer(ctx, output));
  // The Testing view, diagnostics and CodeLens of *.suite.json: objects and listeners only; suites are read
  // when the Testing view asks or a suite file is open, after activate() returns.
  const testing = new SuiteTesting(ctx);
  const firstRead = setTimeout(() => testing.updateOpenDocuments(), 0);
  ctx.extension.subscriptions.push(
    testing,
    { dispose: () => clearTimeout(firstRead) },
    startSuiteDiagnostics(),
    vscode.languages.registerCodeLensProvider(
      { pattern: '**/*.suite.json' },
      new SuiteCodeLensProvider(testing.outcomes),
    ),
  );
  // Loaded on first use: zod and the scorer stay out of activation.
  return [
    ...caseCommands(testing),
    {
      id: 'suites.evaluate',
      run: async (c, arg) => (await import('./evaluateCommand')).evaluateOnSuite(c, output, arg),
    },
    {
      id: 'suites.compare',
      run: async (c, arg) => (await import('../evalReport/compareCommand')).compareTwoPrompts(c, output, arg),
    },
  ];
}
