// "Prompt Tuner: Evaluate Prompt on Suite": pick a suite, a prompt and models, run the evaluation with
// cancellable progress, and show the report in the "Prompt Tuner: Evaluation" output channel.
import * as vscode from 'vscode';
import type { HostCommand } from '../commandTypes';
import type { HostContext } from '../hostContext';

export function suitesFeature(ctx: HostContext): HostCommand[] {
  const output = vscode.window.createOutputChannel('Prompt Tuner: Evaluation');
  ctx.extension.subscriptions.push(output);
  // Loaded on first use: zod and the scorer stay out of activation.
  return [
    {
      id: 'suites.evaluate',
      run: async (c, arg) => (await import('./evaluateCommand')).evaluateOnSuite(c, output, arg),
    },
  ];
}
