// "Prompt Tuner: Compare Two Prompts": prompt A (the baseline) and prompt B (the candidate) on the same suite
// and models, both at once through the gateway, then the paired outcomes and the exact McNemar test in the
// report panel (and the text in the Evaluation output, as a log). One cancel stops both runs.
import * as vscode from 'vscode';
import { ModelError } from '../../core/models/types';
import { comparePrompts, comparisonVerdict, formatComparison } from '../../core/suites/compare';
import { formatEvalReport } from '../../core/suites/evalReport';
import { evaluatePrompt, summarize, type CaseResult, type EvalSummary } from '../../core/suites/evaluate';
import type { Suite } from '../../core/suites/suiteSchema';
import type { HostContext } from '../hostContext';
import { UserError } from '../runCommand';
import { pickAndReadSuite, pickModels } from '../suites/evaluateCommand';
import { pickComparedPrompt, type ComparedPrompt } from './comparePickers';
import { openEvalReport, revealEvalReport } from './openReport';
import type { RunInput } from './reportView';

const TITLE = 'Compare Two Prompts';

function writeLog(
  output: vscode.OutputChannel,
  suite: Suite,
  models: string[],
  sides: readonly { label: string; prompt: ComparedPrompt; summary: EvalSummary }[],
  status: string,
): void {
  output.clear();
  output.appendLine(`${TITLE} on ${suite.file} · ${new Date().toLocaleString()}`);
  if (status) output.appendLine(status);
  for (const side of sides) {
    output.appendLine('');
    output.appendLine(`── Prompt ${side.label}: ${side.prompt.title}`);
    output.append(
      formatEvalReport(side.summary, {
        suiteName: suite.name,
        caseIds: suite.cases.map((c) => c.id),
        models,
        repeat: 1,
        expectedResults: suite.cases.length * models.length,
      }),
    );
  }
  const [a, b] = sides;
  if (a && b) {
    output.appendLine('');
    output.append(
      formatComparison(comparePrompts(a.summary.cases, b.summary.cases, models), a.prompt.title, b.prompt.title),
    );
  }
}

export async function compareTwoPrompts(ctx: HostContext, output: vscode.OutputChannel, arg: unknown): Promise<void> {
  if (!vscode.workspace.isTrusted)
    throw new UserError('Model calls are disabled in untrusted workspaces. Trust this workspace to compare prompts.');
  const picked = await pickAndReadSuite(arg, output, TITLE);
  if (!picked) return;
  const { suiteUri, suite } = picked;
  const a = await pickComparedPrompt(ctx, suiteUri, `${TITLE} (1/3)`, 'Prompt A: the baseline (what you use now)');
  if (!a) return;
  const b = await pickComparedPrompt(ctx, suiteUri, `${TITLE} (2/3)`, 'Prompt B: the candidate (the change)');
  if (!b) return;
  if (a.text.trim() === b.text.trim())
    throw new UserError(
      `Prompt A (${a.title}) and prompt B (${b.title}) are the same text: pick two different prompts.`,
    );
  const models = await pickModels(ctx, `${TITLE} (3/3)`);
  if (!models) return;
  const gateway = await ctx.getGateway();

  const perRun = suite.cases.length * models.length;
  const results: { a: CaseResult[]; b: CaseResult[] } = { a: [], b: [] };
  const controller = new AbortController();
  const caseIds = suite.cases.map((c) => c.id);
  type Side = { label: string; prompt: ComparedPrompt; summary: EvalSummary };
  // Finished summaries when the runs completed, else what came back before they stopped.
  const sidesOf = (sa?: EvalSummary, sb?: EvalSummary): Side[] => [
    { label: 'A', prompt: a, summary: sa ?? summarize(results.a, models, caseIds, 1) },
    { label: 'B', prompt: b, summary: sb ?? summarize(results.b, models, caseIds, 1) },
  ];
  const show = (list: Side[], partial: string | null) => {
    const runs: RunInput[] = list.map((s) => ({
      label: s.label,
      title: s.prompt.title,
      text: s.prompt.text,
      summary: s.summary,
      partial,
    }));
    openEvalReport(ctx, { output, suiteUri, suite, models, repeat: 1, runs });
  };

  try {
    const [sa, sb] = await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: `Comparing ${a.title} and ${b.title} on ${suite.name}`,
        cancellable: true,
      },
      (progress, token) => {
        token.onCancellationRequested(() => controller.abort(new Error('Comparison cancelled')));
        const done = () => results.a.length + results.b.length;
        progress.report({ message: `0/${2 * perRun} cases` });
        const run = (prompt: ComparedPrompt, into: CaseResult[]) =>
          evaluatePrompt({
            suite,
            prompt: prompt.text,
            models,
            gateway,
            signal: controller.signal,
            onResult: (r) => {
              into.push(r);
              progress.report({ increment: 100 / (2 * perRun), message: `${done()}/${2 * perRun} cases` });
            },
          });
        const both = Promise.all([run(a, results.a), run(b, results.b)]);
        // The first failure stops the other run too: half a comparison has nothing to pair.
        both.catch((e: unknown) => controller.abort(e instanceof Error ? e : new Error(String(e))));
        return both;
      },
    );
    const list = sidesOf(sa, sb);
    writeLog(output, suite, models, list, '');
    show(list, null);
    const verdict = comparisonVerdict(comparePrompts(sa.cases, sb.cases, models).total);
    // Not awaited: the command is done once the report shows. A toast still open when the window reloads would
    // hold it until the extension host ends, whose pending call then fails as if the comparison had.
    void vscode.window.showInformationMessage(`${TITLE}: ${verdict}`, 'Show Report').then(
      (choice) => {
        if (choice && !revealEvalReport()) output.show(false);
      },
      () => undefined,
    );
  } catch (e) {
    const list = sidesOf();
    const got = `${results.a.length + results.b.length} of ${2 * perRun} results`;
    if (controller.signal.aborted && !(e instanceof ModelError && e.kind !== 'cancelled')) {
      writeLog(output, suite, models, list, `Cancelled after ${got} (partial).`);
      show(list, `Cancelled after ${got}.`);
      return;
    }
    if (e instanceof ModelError) {
      const what = e.kind === 'budget' ? 'Budget reached' : 'Comparison failed';
      writeLog(output, suite, models, list, `${what}: ${e.message} (${got}, partial).`);
      show(list, `${what}: ${e.message} (${got}).`);
      throw new UserError(`${what}: ${e.message}`);
    }
    throw e;
  }
}
