// One test run: the cases the request names (a suite means all its cases), the prompt (the chosen one, else
// the active context, else asked once), the models (the profile's, or all target models), then every suite's
// evaluation at once through the gateway. Each case is reported when all its models answered; cancelling the
// run aborts the calls still in flight (the signal reaches the gateway) and skips what did not finish.
import * as vscode from 'vscode';
import { ModelError, type ModelGateway } from '../../core/models/types';
import { evaluatePrompt, type CaseResult } from '../../core/suites/evaluate';
import type { Suite } from '../../core/suites/suiteSchema';
import { versionTitle } from '../library/libraryPresentation';
import { pickModels, pickPrompt, type PromptChoice } from '../suites/evaluateCommand';
import { reportCase } from './caseReport';
import type { SuiteState, SuiteTesting } from './suiteTesting';

interface SuiteGroup {
  uri: vscode.Uri;
  state: SuiteState;
  /** Case items to run, in request order. */
  items: vscode.TestItem[];
}

/** The request's case items grouped by suite file; a suite item stands for all its cases. */
export async function collectCases(host: SuiteTesting, request: vscode.TestRunRequest): Promise<SuiteGroup[]> {
  const excluded = new Set((request.exclude ?? []).map((i) => i.id));
  const roots: vscode.TestItem[] = [];
  if (request.include) roots.push(...request.include);
  else host.controller.items.forEach((i) => roots.push(i));
  const groups = new Map<string, SuiteGroup>();
  const add = async (suiteItem: vscode.TestItem, cases: vscode.TestItem[]) => {
    const state = await host.state(suiteItem);
    if (!state || !suiteItem.uri) return;
    const group = groups.get(suiteItem.id) ?? { uri: suiteItem.uri, state, items: [] };
    for (const c of cases) if (!excluded.has(c.id) && !group.items.some((i) => i.id === c.id)) group.items.push(c);
    groups.set(suiteItem.id, group);
  };
  for (const item of roots) {
    if (excluded.has(item.id)) continue;
    if (item.parent) {
      await add(item.parent, [item]);
      continue;
    }
    await host.state(item);
    const cases: vscode.TestItem[] = [];
    item.children.forEach((c) => cases.push(c));
    await add(item, cases);
  }
  return [...groups.values()].filter((g) => g.items.length > 0);
}

async function choosePrompt(host: SuiteTesting, suiteUri: vscode.Uri): Promise<PromptChoice | undefined> {
  if (host.prompt) return host.prompt;
  const active = await host.ctx.activeContext.get().catch(() => undefined);
  if (active) return { title: versionTitle(active), text: active.text };
  const picked = await pickPrompt(host.ctx, suiteUri);
  host.prompt = picked;
  return picked;
}

async function chooseModels(host: SuiteTesting, fixed: string[] | undefined): Promise<string[] | undefined> {
  if (fixed) return fixed;
  const configured = host.syncProfiles();
  if (configured.length > 0) return configured;
  const picked = await pickModels(host.ctx, 'Run Suite Tests');
  // The pick is remembered as the last models, which makes them the target models: give them their profiles.
  host.syncProfiles();
  return picked;
}

const caseIdOf = (item: vscode.TestItem): string => item.label;

function problemMessage(text: string, item: vscode.TestItem): vscode.TestMessage {
  const message = new vscode.TestMessage(text);
  if (item.uri && item.range) message.location = new vscode.Location(item.uri, item.range);
  return message;
}

async function runGroup(
  host: SuiteTesting,
  run: vscode.TestRun,
  group: SuiteGroup,
  prompt: PromptChoice,
  models: string[],
  gateway: ModelGateway,
  signal: AbortSignal,
): Promise<void> {
  const suite: Suite | undefined = group.state.suite;
  if (!suite) {
    for (const item of group.items) run.errored(item, problemMessage(group.state.problems, item));
    return;
  }
  const byId = new Map(suite.cases.map((c) => [c.id, c]));
  const items = new Map(group.items.map((i) => [caseIdOf(i), i]));
  for (const item of group.items) run.started(item);
  const answers = new Map<string, CaseResult[]>();
  const done = new Set<string>();
  const onResult = (r: CaseResult) => {
    const list = [...(answers.get(r.caseId) ?? []), r];
    answers.set(r.caseId, list);
    if (list.length < models.length) return;
    const item = items.get(r.caseId);
    const testCase = byId.get(r.caseId);
    if (!item || !testCase) return;
    done.add(r.caseId);
    reportCase(run, item, testCase.expect, list);
    host.outcomes.set(
      group.uri,
      r.caseId,
      list.map((x) => ({ model: x.model, pass: x.pass, reason: x.reason, latencyMs: x.latencyMs })),
    );
  };
  try {
    await evaluatePrompt({
      suite,
      prompt: prompt.text,
      models,
      gateway,
      caseIds: [...items.keys()].filter((id) => byId.has(id)),
      // A test run asks the model again: rerunning a failed case is a new try, not the cached answer.
      cache: false,
      signal,
      onResult,
    });
  } catch (e) {
    const cancelled = signal.aborted || (e instanceof ModelError && e.kind === 'cancelled');
    for (const [id, item] of items) {
      if (done.has(id)) continue;
      if (cancelled) run.skipped(item);
      else run.errored(item, problemMessage(e instanceof Error ? e.message : String(e), item));
    }
  }
}

export async function runSuiteTests(
  host: SuiteTesting,
  request: vscode.TestRunRequest,
  token: vscode.CancellationToken,
  fixedModels: string[] | undefined,
): Promise<void> {
  const groups = await collectCases(host, request);
  if (groups.length === 0) return;
  if (!vscode.workspace.isTrusted) {
    void vscode.window.showErrorMessage(
      'Model calls are disabled in untrusted workspaces. Trust this workspace to run suite tests.',
    );
    return;
  }
  // A function, not the property: the checks run after awaits, where the token may have changed.
  const cancelled = (): boolean => token.isCancellationRequested;
  const models = await chooseModels(host, fixedModels);
  if (!models || models.length === 0 || cancelled()) return;
  const prompt = await choosePrompt(host, groups[0]!.uri);
  if (!prompt || cancelled()) return;

  const run = host.controller.createTestRun(request, `${prompt.title} on ${models.join(', ')}`);
  const abort = new AbortController();
  const stop = () => abort.abort(new Error('Test run cancelled'));
  const listening = [token.onCancellationRequested(stop), run.token.onCancellationRequested(stop)];
  try {
    for (const g of groups) for (const item of g.items) run.enqueued(item);
    let gateway: ModelGateway;
    try {
      gateway = await host.ctx.getGateway();
    } catch (e) {
      const text = `Could not reach the models: ${e instanceof Error ? e.message : String(e)}`;
      for (const g of groups) for (const item of g.items) run.errored(item, problemMessage(text, item));
      return;
    }
    run.appendOutput(`Prompt: ${prompt.title} · models: ${models.join(', ')}\r\n\r\n`);
    await Promise.all(groups.map((g) => runGroup(host, run, g, prompt, models, gateway, abort.signal)));
  } finally {
    for (const l of listening) l.dispose();
    run.end();
  }
}
