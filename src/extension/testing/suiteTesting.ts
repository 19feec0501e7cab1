// The Testing view's side of suites: a test controller whose items are the workspace's *.suite.json files
// (found when the view asks, then kept current by a file watcher and on save) and their cases; one run
// profile per target model plus one for all of them; the configure action picks the prompt. Running is in
// suiteRun.ts, loaded on the first run, like the suite loader (suiteItems.ts): activation only creates objects.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { HostContext } from '../hostContext';
import { reportError } from '../runCommand';
import type { PromptChoice } from '../suites/evaluateCommand';
import type * as EvaluateCommandModule from '../suites/evaluateCommand';
import { CaseOutcomes } from './caseOutcomes';
import type * as SuiteItemsModule from './suiteItems';
import type { SuiteRead } from './suiteItems';
import type * as SuiteRunModule from './suiteRun';
import { targetModels } from './targetModels';

export const SUITE_GLOB = '**/*.suite.json';
export const CONTROLLER_ID = 'promptTuner.suites';

// Lazy: the suite loader, zod schemas and the evaluator load on first use, not at activation (esbuild keeps a required module lazy).
const suiteItems = (): typeof SuiteItemsModule => require('./suiteItems') as typeof SuiteItemsModule;
const suiteRun = (): typeof SuiteRunModule => require('./suiteRun') as typeof SuiteRunModule;
const evaluateCommand = (): typeof EvaluateCommandModule =>
  require('../suites/evaluateCommand') as typeof EvaluateCommandModule;

export function isSuiteUri(uri: vscode.Uri): boolean {
  return uri.path.endsWith('.suite.json');
}

/** A suite file's last read, with the text it was read from. */
export interface SuiteState extends SuiteRead {
  text: string;
}

export class SuiteTesting implements vscode.Disposable {
  readonly controller: vscode.TestController;
  readonly outcomes = new CaseOutcomes();
  /** The prompt the configure action (or the first run that had to ask) chose; runs use it until changed. */
  prompt: PromptChoice | undefined;
  private readonly reads = new Map<string, SuiteState>();
  private readonly modelProfiles = new Map<string, vscode.TestRunProfile>();
  readonly allProfile: vscode.TestRunProfile;
  private watcher: vscode.FileSystemWatcher | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(readonly ctx: HostContext) {
    this.controller = vscode.tests.createTestController(CONTROLLER_ID, 'Prompt Tuner Suites');
    this.controller.resolveHandler = async (item) => {
      if (item) await this.resolve(item);
      else await this.scan();
    };
    this.controller.refreshHandler = () => this.refreshAll();
    this.allProfile = this.controller.createRunProfile(
      'Run on all target models',
      vscode.TestRunProfileKind.Run,
      (request, token) => this.run(request, token, undefined),
      true,
    );
    this.allProfile.configureHandler = () => this.configure();
    this.syncProfiles();
    this.disposables.push(
      this.controller,
      this.outcomes,
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('promptTuner.evaluation.models')) this.syncProfiles();
      }),
      vscode.workspace.onDidSaveTextDocument((doc) => {
        if (isSuiteUri(doc.uri)) this.update(doc.uri, doc.getText());
      }),
      vscode.workspace.onDidOpenTextDocument((doc) => {
        if (isSuiteUri(doc.uri) && !this.reads.has(doc.uri.toString())) this.update(doc.uri, doc.getText());
      }),
    );
  }

  /** Profiles for the target models as they are now: new models get one, removed models lose theirs. */
  syncProfiles(): string[] {
    const { models, problem } = targetModels(this.ctx.extension.workspaceState);
    if (problem) void vscode.window.showWarningMessage(`Prompt Tuner: ${problem}`);
    for (const [model, profile] of this.modelProfiles) {
      if (models.includes(model)) continue;
      profile.dispose();
      this.modelProfiles.delete(model);
    }
    for (const model of models) {
      if (this.modelProfiles.has(model)) continue;
      const profile = this.controller.createRunProfile(
        `Run on ${model}`,
        vscode.TestRunProfileKind.Run,
        (request, token) => this.run(request, token, [model]),
        false,
      );
      profile.configureHandler = () => this.configure();
      this.modelProfiles.set(model, profile);
    }
    return models;
  }

  /** The profile that runs exactly these models, when there is one (else the all-models profile). */
  profileFor(models: string[] | undefined): vscode.TestRunProfile {
    return (models?.length === 1 ? this.modelProfiles.get(models[0]!) : undefined) ?? this.allProfile;
  }

  get profileModels(): string[] {
    return [...this.modelProfiles.keys()];
  }

  /** Suite files already open in editors get their items (and gutter marks) without a scan. */
  updateOpenDocuments(): void {
    for (const doc of vscode.workspace.textDocuments) if (isSuiteUri(doc.uri)) this.update(doc.uri, doc.getText());
  }

  /**
   * Finds the workspace's suite files and reads them (the view shows suite names and cases, and Run All has
   * them); called when the Testing view first asks, never at activation. Suites already read are kept.
   */
  async scan(): Promise<void> {
    this.watch();
    const files = await vscode.workspace.findFiles(SUITE_GLOB, '**/node_modules/**', 500);
    const found = new Set(files.map((u) => u.toString()));
    const gone: string[] = [];
    this.controller.items.forEach((item) => {
      if (!found.has(item.id)) gone.push(item.id);
    });
    for (const id of gone) this.remove(id);
    const unread = files.filter((uri) => !this.reads.has(uri.toString()));
    await Promise.all(unread.map((uri) => this.resolve(this.fileItem(uri))));
  }

  /** The view's Refresh: every file found and read again. */
  private async refreshAll(): Promise<void> {
    this.reads.clear();
    await this.scan();
  }

  private watch(): void {
    if (this.watcher) return;
    this.watcher = vscode.workspace.createFileSystemWatcher(SUITE_GLOB);
    this.disposables.push(
      this.watcher,
      this.watcher.onDidCreate((uri) => void this.resolve(this.fileItem(uri))),
      this.watcher.onDidChange((uri) => {
        const item = this.controller.items.get(uri.toString());
        if (item) void this.resolve(item);
      }),
      this.watcher.onDidDelete((uri) => this.remove(uri.toString())),
    );
  }

  private fileItem(uri: vscode.Uri): vscode.TestItem {
    const existing = this.controller.items.get(uri.toString());
    if (existing) return existing;
    const item = this.controller.createTestItem(uri.toString(), path.basename(uri.path), uri);
    item.canResolveChildren = true;
    this.controller.items.add(item);
    return item;
  }

  private remove(id: string): void {
    this.controller.items.delete(id);
    this.reads.delete(id);
  }

  /** Rebuilds a suite's items from `text` (a save, an open editor, the file read from disk). */
  update(uri: vscode.Uri, text: string): SuiteState {
    const item = this.fileItem(uri);
    const state = { ...suiteItems().fillSuiteItem(this.controller, item, text), text };
    this.reads.set(item.id, state);
    return state;
  }

  /** Reads a suite item's file (an open editor's text wins: it is what the user sees). */
  async resolve(item: vscode.TestItem): Promise<SuiteState | undefined> {
    const uri = item.uri;
    if (!uri) return undefined;
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    let text: string;
    try {
      text = open ? open.getText() : new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
    } catch (e) {
      item.error = `${vscode.workspace.asRelativePath(uri, false)}: ${e instanceof Error ? e.message : String(e)}`;
      return undefined;
    }
    return this.update(uri, text);
  }

  /** The last read of a suite item, reading it first when it was never read. */
  async state(item: vscode.TestItem): Promise<SuiteState | undefined> {
    return this.reads.get(item.id) ?? (await this.resolve(item));
  }

  private configure(): void {
    this.configurePrompt().catch((e: unknown) => reportError(this.ctx, 'Choose the prompt for suite tests', e));
  }

  /** The configure action: pick the prompt the next runs use. */
  async configurePrompt(): Promise<PromptChoice | undefined> {
    // pickPrompt leaves out the suite's own editor as a prompt; the editor is a prompt unless it is a suite.
    const editor = vscode.window.activeTextEditor?.document.uri;
    const suite = editor && isSuiteUri(editor) ? editor : vscode.Uri.from({ scheme: 'untitled', path: 'no-suite' });
    const picked = await evaluateCommand().pickPrompt(this.ctx, suite);
    if (picked) this.prompt = picked;
    return picked;
  }

  run(request: vscode.TestRunRequest, token: vscode.CancellationToken, models: string[] | undefined): Promise<void> {
    return suiteRun().runSuiteTests(this, request, token, models);
  }

  /** Runs one case (the CodeLens): on `models`, or on every target model when absent. */
  async runCase(uri: vscode.Uri, caseId: string, models?: string[]): Promise<void> {
    const state = this.reads.get(uri.toString()) ?? (await this.resolve(this.fileItem(uri)));
    if (!state) return;
    const item = this.controller.items.get(uri.toString())?.children.get(suiteItems().caseItemId(uri, caseId));
    if (!item) throw new Error(`${vscode.workspace.asRelativePath(uri, false)}: no case "${caseId}"`);
    const request = new vscode.TestRunRequest([item], undefined, this.profileFor(models));
    const cancel = new vscode.CancellationTokenSource();
    try {
      await this.run(request, cancel.token, models);
    } finally {
      cancel.dispose();
    }
  }

  dispose(): void {
    for (const d of this.disposables.splice(0).reverse()) d.dispose();
    for (const p of this.modelProfiles.values()) p.dispose();
    this.allProfile.dispose();
  }
}
