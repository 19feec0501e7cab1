// The editor flow of an evaluation: which suite (the explorer item it was run on, the open suite file,
// or a pick of the workspace's *.suite.json), which prompt (active context, a library version, the
// current file or the selection), which models; then a cancellable run and a report.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { ModelError } from '../../core/models/types';
import { formatEvalReport, formatPercent } from '../../core/suites/evalReport';
import { evaluatePrompt, summarize, type CaseResult, type EvalSummary } from '../../core/suites/evaluate';
import { loadSuite, SuiteError } from '../../core/suites/loadSuite';
import type { Suite } from '../../core/suites/suiteSchema';
import type { HostContext } from '../hostContext';
import { pickVersion } from '../library/libraryPickers';
import { versionTitle } from '../library/libraryPresentation';
import { UserError } from '../runCommand';
import { openEvalReport, revealEvalReport } from '../evalReport/openReport';

const SUITE_GLOB = '**/*.suite.json';
const LAST_MODELS_KEY = 'promptTuner.suites.lastModels';
const MODEL_ID = /^[^/\s]+\/\S+$/;

export interface PromptChoice {
  /** Shown in the report header, e.g. "travel-desk v3" or "selection in agent.md". */
  title: string;
  text: string;
}

function relativeLabel(uri: vscode.Uri): string {
  return vscode.workspace.asRelativePath(uri, false);
}

export async function pickSuiteUri(arg: unknown, title = 'Evaluate Prompt on Suite'): Promise<vscode.Uri | undefined> {
  if (arg instanceof vscode.Uri && arg.path.endsWith('.suite.json')) return arg;
  const files = await vscode.workspace.findFiles(SUITE_GLOB, '**/node_modules/**', 200);
  if (files.length === 0) {
    throw new UserError(
      'No *.suite.json file in this workspace. Create one (see the README for the format), then run Evaluate Prompt on Suite again.',
    );
  }
  const open = vscode.window.activeTextEditor?.document.uri;
  files.sort((a, b) =>
    a.toString() === open?.toString()
      ? -1
      : b.toString() === open?.toString()
        ? 1
        : relativeLabel(a).localeCompare(relativeLabel(b)),
  );
  if (files.length === 1) return files[0];
  const picked = await vscode.window.showQuickPick(
    files.map((uri) => ({ label: path.basename(uri.fsPath), description: relativeLabel(uri), uri })),
    { title, placeHolder: 'Suite to run' },
  );
  return picked?.uri;
}

export async function readSuite(uri: vscode.Uri, output: vscode.OutputChannel): Promise<Suite> {
  try {
    return await loadSuite(uri.fsPath, relativeLabel(uri));
  } catch (e) {
    if (!(e instanceof SuiteError)) throw e;
    output.clear();
    output.appendLine(e.message);
    const more = e.issues.length > 1 ? ` (and ${e.issues.length - 1} more problem(s))` : '';
    void vscode.window.showErrorMessage(`${e.message.split('\n')[0] ?? e.message}${more}`, 'Show All').then((c) => {
      if (c) output.show(true);
    });
    throw new vscode.CancellationError();
  }
}

/** The suite to run (as pickSuiteUri picks it) and its contents; undefined when none was picked or it has problems (shown). */
export async function pickAndReadSuite(
  arg: unknown,
  output: vscode.OutputChannel,
  title?: string,
): Promise<{ suiteUri: vscode.Uri; suite: Suite } | undefined> {
  const suiteUri = await pickSuiteUri(arg, title);
  if (!suiteUri) return undefined;
  try {
    return { suiteUri, suite: await readSuite(suiteUri, output) };
  } catch (e) {
    if (e instanceof vscode.CancellationError) return undefined;
    throw e;
  }
}

/** A quick-pick item that yields a prompt when chosen (undefined when its own pick is dismissed). */
export type PromptItem = vscode.QuickPickItem & { choose: () => Promise<PromptChoice | undefined> };

/**
 * The prompts at hand: the active context, and the selection and the current file of the open editor unless
 * that editor is the suite itself.
 */
export async function promptsAtHand(ctx: HostContext, suiteUri: vscode.Uri): Promise<PromptItem[]> {
  const items: PromptItem[] = [];
  const active = await ctx.activeContext.get().catch(() => undefined);
  if (active) {
    items.push({
      label: `$(symbol-keyword) Active context: ${versionTitle(active)}`,
      description: active.label ?? undefined,
      choose: () => Promise.resolve({ title: versionTitle(active), text: active.text }),
    });
  }
  const editor = vscode.window.activeTextEditor;
  if (editor && editor.document.uri.toString() !== suiteUri.toString()) {
    const doc = editor.document;
    const selected = editor.selections
      .map((s) => doc.getText(s))
      .join('\n')
      .trim();
    const name = path.basename(doc.uri.path);
    if (selected) {
      items.push({
        label: '$(selection) Selection',
        description: `${selected.length} characters in ${name}`,
        choose: () => Promise.resolve({ title: `selection in ${name}`, text: selected }),
      });
    }
    items.push({
      label: '$(file) Current file',
      description: name,
      choose: () => Promise.resolve({ title: name, text: doc.getText() }),
    });
  }
  return items;
}

export async function pickPrompt(ctx: HostContext, suiteUri: vscode.Uri): Promise<PromptChoice | undefined> {
  const items = await promptsAtHand(ctx, suiteUri);
  items.push({
    label: '$(library) Library version…',
    description: 'a version from the Prompt Library',
    choose: async () => {
      const v = await pickVersion(ctx, 'Version to evaluate', { title: 'Evaluate Prompt on Suite' });
      return v ? { title: versionTitle(v), text: v.text } : undefined;
    },
  });
  const picked =
    items.length === 1
      ? items[0]
      : await vscode.window.showQuickPick(items, {
          title: 'Evaluate Prompt on Suite',
          placeHolder: 'System prompt to evaluate',
        });
  const choice = await picked?.choose();
  if (choice && !choice.text.trim()) throw new UserError(`The prompt "${choice.title}" is empty.`);
  return choice;
}

async function typeModels(ctx: HostContext, initial: string, title: string): Promise<string[] | undefined> {
  const value = await vscode.window.showInputBox({
    title,
    prompt: 'Models to run every case on (provider/model, separated by commas)',
    placeHolder: 'openai/gpt-4o-mini, anthropic/claude-haiku-4-5',
    value: initial,
    ignoreFocusOut: true,
    validateInput: (text) => {
      const ids = splitModels(text);
      if (ids.length === 0) return 'Give at least one model, e.g. openai/gpt-4o-mini';
      const bad = ids.find((id) => !MODEL_ID.test(id));
      return bad ? `"${bad}" must be written provider/model, e.g. openai/gpt-4o-mini` : undefined;
    },
  });
  return value === undefined ? undefined : splitModels(value);
}

/** Known models (providers with a key, endpoints) as a multi-pick, else typed ids; remembers the last choice. */
export async function pickModels(ctx: HostContext, title = 'Evaluate Prompt on Suite'): Promise<string[] | undefined> {
  const last = splitModels(ctx.extension.workspaceState.get<string>(LAST_MODELS_KEY) ?? '');
  const known = await ctx.listModels().catch(() => []);
  let models: string[] | undefined;
  if (known.length === 0) {
    models = await typeModels(ctx, last.join(', '), title);
  } else {
    type Item = vscode.QuickPickItem & { id?: string };
    const ids = [...new Set([...last, ...known.map((m) => m.id)])];
    const items: Item[] = ids.map((id) => ({
      label: id,
      description: known.find((m) => m.id === id)?.source,
      picked: last.includes(id),
      id,
    }));
    items.push({ label: '$(edit) Other model ids…', description: 'type provider/model ids' });
    const picked = await vscode.window.showQuickPick(items, {
      title,
      placeHolder: 'Models to run every case on',
      canPickMany: true,
      ignoreFocusOut: true,
    });
    if (!picked) return undefined;
    const chosen = picked.flatMap((i) => (i.id ? [i.id] : []));
    models = picked.some((i) => !i.id) ? await typeModels(ctx, chosen.join(', '), title) : chosen;
  }
  if (!models || models.length === 0) return undefined;
  await ctx.extension.workspaceState.update(LAST_MODELS_KEY, models.join(', '));
  return models;
}

export function splitModels(text: string): string[] {
  return [
    ...new Set(
      text
        .split(/[,\s]+/)
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ];
}

function writeReport(
  output: vscode.OutputChannel,
  summary: EvalSummary,
  suite: Suite,
  prompt: PromptChoice,
  models: string[],
  status: string,
): void {
  output.clear();
  output.appendLine(`Prompt: ${prompt.title} · suite file: ${suite.file} · ${new Date().toLocaleString()}`);
  if (status) output.appendLine(status);
  output.append(
    formatEvalReport(summary, {
      suiteName: suite.name,
      caseIds: suite.cases.map((c) => c.id),
      models,
      repeat: 1,
      expectedResults: suite.cases.length * models.length,
    }),
  );
  output.show(true);
}

export async function evaluateOnSuite(ctx: HostContext, output: vscode.OutputChannel, arg: unknown): Promise<void> {
  if (!vscode.workspace.isTrusted)
    throw new UserError('Model calls are disabled in untrusted workspaces. Trust this workspace to evaluate prompts.');
  const picked = await pickAndReadSuite(arg, output);
  if (!picked) return;
  const { suiteUri, suite } = picked;
  const prompt = await pickPrompt(ctx, suiteUri);
  if (!prompt) return;
  const models = await pickModels(ctx);
  if (!models) return;
  const gateway = await ctx.getGateway();

  const total = suite.cases.length * models.length;
  const results: CaseResult[] = [];
  const controller = new AbortController();
  try {
    const summary = await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: `Evaluating ${prompt.title} on ${suite.name}`,
        cancellable: true,
      },
      (progress, token) => {
        token.onCancellationRequested(() => controller.abort(new Error('Evaluation cancelled')));
        progress.report({ message: `0/${total} cases` });
        return evaluatePrompt({
          suite,
          prompt: prompt.text,
          models,
          gateway,
          signal: controller.signal,
          onResult: (r) => {
            results.push(r);
            const passed = results.filter((x) => x.pass).length;
            progress.report({ increment: 100 / total, message: `${results.length}/${total} cases · ${passed} passed` });
          },
        });
      },
    );
    writeReport(output, summary, suite, prompt, models, '');
    const run = { label: '', title: prompt.title, text: prompt.text, summary, partial: null };
    openEvalReport(ctx, { output, suiteUri, suite, models, repeat: 1, runs: [run] });
    // Not awaited, as Compare's: the command is done once the report shows, and a toast still open at a window
    // reload would hold it until the extension host ends.
    void vscode.window
      .showInformationMessage(
        `${prompt.title} scored ${formatPercent(summary.score)} on ${suite.name} (${summary.cases.filter((r) => r.pass).length}/${summary.cases.length} passed).`,
        'Show Report',
      )
      .then(
        (choice) => {
          if (choice && !revealEvalReport()) output.show(false);
        },
        () => undefined,
      );
  } catch (e) {
    const partial = summarize(
      results,
      models,
      suite.cases.map((c) => c.id),
      1,
    );
    if (controller.signal.aborted || (e instanceof ModelError && e.kind === 'cancelled')) {
      writeReport(
        output,
        partial,
        suite,
        prompt,
        models,
        `Cancelled after ${results.length} of ${total} results (partial).`,
      );
      const partialText = `Cancelled after ${results.length} of ${total} results.`;
      const run = { label: '', title: prompt.title, text: prompt.text, summary: partial, partial: partialText };
      openEvalReport(ctx, { output, suiteUri, suite, models, repeat: 1, runs: [run] });
      return;
    }
    if (e instanceof ModelError) {
      const what = e.kind === 'budget' ? 'Budget reached' : 'Evaluation failed';
      writeReport(
        output,
        partial,
        suite,
        prompt,
        models,
        `${what}: ${e.message} (${results.length} of ${total} results, partial).`,
      );
      const partialText = `${what}: ${e.message} (${results.length} of ${total} results).`;
      const run = { label: '', title: prompt.title, text: prompt.text, summary: partial, partial: partialText };
      openEvalReport(ctx, { output, suiteUri, suite, models, repeat: 1, runs: [run] });
      throw new UserError(`${what}: ${e.message}`);
    }
    throw e;
  }
}
