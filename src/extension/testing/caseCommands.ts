// The commands behind a case's CodeLens: Run (every target model) and Run on… (pick models). Their arguments
// come from the lens (a URI and a case id) or from a keybinding/user, so they are checked.
import * as vscode from 'vscode';
import { z } from 'zod';
import type { HostCommand } from '../commandTypes';
import type * as EvaluateCommandModule from '../suites/evaluateCommand';
import type { SuiteTesting } from './suiteTesting';

// Lazy: the evaluation code loads on first use
const evaluateCommand = (): typeof EvaluateCommandModule =>
  require('../suites/evaluateCommand') as typeof EvaluateCommandModule;

const CaseArgs = z.tuple([
  z.custom<vscode.Uri>((v) => v instanceof vscode.Uri, 'expected the suite file URI'),
  z.string().min(1, 'expected a case id'),
]);

function parseArgs(command: string, args: unknown[]): [vscode.Uri, string] {
  const parsed = CaseArgs.safeParse(args.slice(0, 2));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const which = issue?.path[0] === 1 ? 'second argument (case id)' : 'first argument (suite file)';
    throw new Error(`${command}: ${which}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

/** Asks which models to run a case on: one target model, all of them, or others (typed or picked). */
async function pickRunModels(testing: SuiteTesting): Promise<string[] | undefined> {
  type Item = vscode.QuickPickItem & { models?: string[] };
  const targets = testing.profileModels;
  const items: Item[] = targets.map((m) => ({ label: m, models: [m] }));
  if (targets.length > 1) items.push({ label: 'All target models', description: targets.join(', '), models: targets });
  items.push({ label: '$(edit) Other models…', description: 'pick or type provider/model ids' });
  const picked = await vscode.window.showQuickPick(items, {
    title: 'Run on…',
    placeHolder: 'Models to run the case on',
  });
  if (!picked) return undefined;
  return picked.models ?? (await evaluateCommand().pickModels(testing.ctx, 'Run on…'));
}

export function caseCommands(testing: SuiteTesting): HostCommand[] {
  return [
    {
      id: 'testing.runCase',
      run: async (_c, ...args) => {
        const [uri, caseId] = parseArgs('Run case', args);
        const models = z.array(z.string()).optional().parse(args[2]);
        await testing.runCase(uri, caseId, models);
      },
    },
    {
      id: 'testing.runCaseOn',
      run: async (_c, ...args) => {
        const [uri, caseId] = parseArgs('Run case on…', args);
        const models = await pickRunModels(testing);
        if (models && models.length > 0) await testing.runCase(uri, caseId, models);
      },
    },
  ];
}
