// A small fake of the `vscode` module, enough to drive the library's host code under mocha: scripted
// answers for QuickPicks, input boxes and modal confirmations; recorded messages, diffs and editors.
// It is not VS Code: test/e2e drives the real one. Importing this module makes `require('vscode')` load it.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import Module from 'node:module';
import * as path from 'node:path';

type Listener<T> = (value: T) => void;

export class EventEmitter<T> {
  private listeners = new Set<Listener<T>>();
  event = (listener: Listener<T>): { dispose(): void } => {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  };
  fire(value: T): void {
    for (const l of [...this.listeners]) l(value);
  }
  dispose(): void {
    this.listeners.clear();
  }
}

export class Uri {
  private constructor(
    readonly scheme: string,
    readonly path: string,
    readonly query = '',
  ) {}
  static file(p: string): Uri {
    return new Uri('file', p);
  }
  static from(c: { scheme: string; path: string; query?: string }): Uri {
    return new Uri(c.scheme, c.path, c.query);
  }
  static joinPath(u: Uri, ...parts: string[]): Uri {
    return new Uri(u.scheme, path.posix.join(u.path, ...parts), u.query);
  }
  get fsPath(): string {
    return this.path;
  }
  toString(): string {
    return `${this.scheme}:${this.path}${this.query ? `?${this.query}` : ''}`;
  }
}

/** Offsets stand in for positions: `start`/`end` are character offsets into the document. */
export class Selection {
  constructor(
    readonly start: number,
    readonly end: number,
  ) {}
  get isEmpty(): boolean {
    return this.start === this.end;
  }
}

export class TextDocument {
  isClosed = false;
  constructor(
    readonly uri: Uri,
    public text: string,
  ) {}
  get fileName(): string {
    return this.uri.fsPath;
  }
  getText(sel?: Selection): string {
    return sel ? this.text.slice(sel.start, sel.end) : this.text;
  }
  offsetAt(pos: number): number {
    return pos;
  }
}

interface EditBuilder {
  replace(sel: Selection, text: string): void;
}

export class TextEditor {
  selections: Selection[] = [new Selection(0, 0)];
  viewColumn = 1;
  constructor(readonly document: TextDocument) {}
  async edit(cb: (b: EditBuilder) => void): Promise<boolean> {
    if (this.document.uri.scheme === 'prompt-tuner') return false;
    const edits: { sel: Selection; text: string }[] = [];
    cb({ replace: (sel, text) => edits.push({ sel, text }) });
    for (const e of edits.sort((a, b) => b.sel.start - a.sel.start)) {
      this.document.text = this.document.text.slice(0, e.sel.start) + e.text + this.document.text.slice(e.sel.end);
    }
    return true;
  }
}

export interface QuickPickItemLike {
  label: string;
  description?: string;
}
export type Answer = { kind: 'pick' | 'input' | 'confirm'; value: string | undefined };
export interface FakeTreeView {
  options: { treeDataProvider: FakeTreeProvider };
  message: string | undefined;
  description: string | undefined;
  selection: unknown[];
  revealed: unknown[];
}
export interface FakeTreeItem {
  label: string;
  description?: string;
  contextValue?: string;
  tooltip?: { value: string } | string;
  iconPath?: { id: string };
}
export interface FakeTreeProvider {
  getChildren(node?: unknown): Promise<unknown[]>;
  getTreeItem(node: unknown): FakeTreeItem;
  getParent?(node: unknown): unknown;
  onDidChangeTreeData: (l: Listener<unknown>) => { dispose(): void };
}
interface ContentProvider {
  provideTextDocumentContent(uri: Uri): Promise<string> | string;
}
interface StatusItem {
  text: string;
  tooltip: string;
  visible: boolean;
}

export const fake = {
  commands: new Map<string, (...args: unknown[]) => unknown>(),
  messages: [] as { kind: string; text: string; detail?: string }[],
  quickPicks: [] as { items: QuickPickItemLike[]; title?: string; placeHolder?: string }[],
  inputBoxes: [] as { prompt?: string; value?: string; title?: string }[],
  answers: [] as Answer[],
  statusBarItems: [] as (StatusItem & { id: string })[],
  treeViews: new Map<string, FakeTreeView>(),
  providers: new Map<string, ContentProvider>(),
  executed: [] as { id: string; args: unknown[] }[],
  clipboard: '',
  saveDialog: undefined as Uri | undefined,
  openDialog: undefined as Uri[] | undefined,
  documents: [] as TextDocument[],
  editors: [] as TextEditor[],
  activeEditor: undefined as TextEditor | undefined,
  workspaceFolders: undefined as { uri: Uri }[] | undefined,
  reset(): void {
    this.commands.clear();
    this.messages = [];
    this.quickPicks = [];
    this.inputBoxes = [];
    this.answers = [];
    this.statusBarItems = [];
    this.treeViews.clear();
    this.providers.clear();
    this.executed = [];
    this.clipboard = '';
    this.documents = [];
    this.editors = [];
    this.activeEditor = undefined;
  },
};

function nextAnswer(kind: Answer['kind'], asked: unknown): string | undefined {
  const a = fake.answers.shift();
  if (!a) throw new Error(`no scripted answer for a ${kind}: ${JSON.stringify(asked)}`);
  if (a.kind !== kind) throw new Error(`expected a ${a.kind}, the extension asked a ${kind}: ${JSON.stringify(asked)}`);
  return a.value;
}

const activeEditorChanged = new EventEmitter<TextEditor | undefined>();

async function openTextDocument(uri: Uri): Promise<TextDocument> {
  const open = fake.documents.find((d) => d.uri.toString() === uri.toString());
  if (open) return open;
  const provider = fake.providers.get(uri.scheme);
  const text = provider ? await provider.provideTextDocumentContent(uri) : readFileSync(uri.fsPath, 'utf8');
  const doc = new TextDocument(uri, text);
  fake.documents.push(doc);
  return doc;
}

async function showTextDocument(target: TextDocument | Uri): Promise<TextEditor> {
  const doc = target instanceof TextDocument ? target : await openTextDocument(target);
  let editor = fake.editors.find((e) => e.document === doc);
  if (!editor) {
    editor = new TextEditor(doc);
    fake.editors.push(editor);
  }
  fake.activeEditor = editor;
  activeEditorChanged.fire(editor);
  return editor;
}

const disposable = { dispose(): void {} };
const logTo =
  (kind: string) =>
  (...parts: unknown[]): void => {
    fake.messages.push({
      kind,
      text: parts.map((p) => (p instanceof Error ? (p.stack ?? p.message) : String(p))).join(' '),
    });
  };

const window = {
  get activeTextEditor(): TextEditor | undefined {
    return fake.activeEditor;
  },
  get visibleTextEditors(): TextEditor[] {
    return fake.editors;
  },
  onDidChangeActiveTextEditor: activeEditorChanged.event,
  createOutputChannel: () => ({
    info: logTo('log.info'),
    warn: logTo('log.warn'),
    error: logTo('log.error'),
    show() {},
    dispose() {},
  }),
  createTreeView: (id: string, options: { treeDataProvider: FakeTreeProvider }) => {
    const view: FakeTreeView & { reveal(n: unknown): Promise<void>; dispose(): void } = {
      options,
      message: undefined,
      description: undefined,
      selection: [],
      revealed: [],
      reveal: async (n) => void view.revealed.push(n),
      dispose() {},
    };
    fake.treeViews.set(id, view);
    return view;
  },
  createStatusBarItem: (id: string) => {
    const item = {
      id,
      text: '',
      tooltip: '',
      visible: false,
      show() {
        item.visible = true;
      },
      hide() {
        item.visible = false;
      },
      dispose() {},
    };
    fake.statusBarItems.push(item);
    return item;
  },
  showQuickPick: async (items: QuickPickItemLike[], options?: { title?: string; placeHolder?: string }) => {
    fake.quickPicks.push({ items, title: options?.title, placeHolder: options?.placeHolder });
    const label = nextAnswer('pick', { title: options?.title, labels: items.map((i) => i.label) });
    if (label === undefined) return undefined;
    const found = items.find((i) => i.label === label);
    if (!found) throw new Error(`no quick-pick item "${label}" among ${JSON.stringify(items.map((i) => i.label))}`);
    return found;
  },
  showInputBox: async (options: {
    prompt?: string;
    value?: string;
    title?: string;
    validateInput?: (v: string) => unknown;
  }) => {
    fake.inputBoxes.push({ prompt: options.prompt, value: options.value, title: options.title });
    const value = nextAnswer('input', { prompt: options.prompt });
    if (value === undefined) return undefined;
    const problem = options.validateInput?.(value);
    if (typeof problem === 'string') throw new Error(`the input box refused "${value}": ${problem}`);
    return value;
  },
  showInformationMessage: async (text: string) => void fake.messages.push({ kind: 'info', text }),
  showErrorMessage: async (text: string) => void fake.messages.push({ kind: 'error', text }),
  showWarningMessage: async (text: string, options?: { modal?: boolean; detail?: string }) => {
    fake.messages.push({ kind: 'warning', text, detail: options?.detail });
    return options?.modal ? nextAnswer('confirm', { text }) : undefined;
  },
  setStatusBarMessage: (text: string) => {
    fake.messages.push({ kind: 'status', text });
    return disposable;
  },
  withProgress: async <T>(_o: unknown, task: (p: { report(): void }) => Promise<T>) => task({ report() {} }),
  showTextDocument,
  showSaveDialog: async () => fake.saveDialog,
  showOpenDialog: async () => fake.openDialog,
};

const workspace = {
  get workspaceFolders(): { uri: Uri }[] | undefined {
    return fake.workspaceFolders;
  },
  get textDocuments(): TextDocument[] {
    return fake.documents;
  },
  registerTextDocumentContentProvider: (scheme: string, provider: ContentProvider) => {
    fake.providers.set(scheme, provider);
    return disposable;
  },
  openTextDocument,
  fs: {
    readFile: async (uri: Uri) => new Uint8Array(readFileSync(uri.fsPath)),
    writeFile: async (uri: Uri, data: Uint8Array) => writeFileSync(uri.fsPath, data),
    createDirectory: async (uri: Uri) => void mkdirSync(uri.fsPath, { recursive: true }),
  },
};

const commands = {
  registerCommand: (id: string, fn: (...args: unknown[]) => unknown) => {
    fake.commands.set(id, fn);
    return disposable;
  },
  executeCommand: async (id: string, ...args: unknown[]) => {
    fake.executed.push({ id, args });
    return fake.commands.get(id)?.(...args);
  },
};

class TreeItem {
  id?: string;
  constructor(
    readonly label: string,
    readonly collapsibleState: number,
  ) {}
}
class ThemeIcon {
  constructor(
    readonly id: string,
    readonly color?: unknown,
  ) {}
}
class ThemeColor {
  constructor(readonly id: string) {}
}
class MarkdownString {
  constructor(readonly value = '') {}
}

export const fakeVscodeModule = {
  EventEmitter,
  Uri,
  Selection,
  TreeItem,
  ThemeIcon,
  ThemeColor,
  MarkdownString,
  TreeItemCollapsibleState: { None: 0, Collapsed: 1, Expanded: 2 },
  StatusBarAlignment: { Left: 1, Right: 2 },
  ProgressLocation: { SourceControl: 1, Window: 10, Notification: 15 },
  InputBoxValidationSeverity: { Info: 1, Warning: 2, Error: 3 },
  window,
  workspace,
  commands,
  env: { clipboard: { writeText: async (t: string) => void (fake.clipboard = t) } },
};

// `require('vscode')` from the code under test resolves to this module's export.
const FAKE_ID = '\0fake-vscode';
const mod = Module as unknown as {
  _resolveFilename(request: string, ...rest: unknown[]): string;
  _cache: Record<string, { exports: unknown; loaded: boolean; id: string }>;
};
const resolve = mod._resolveFilename;
mod._resolveFilename = function (request: string, ...rest: unknown[]): string {
  return request === 'vscode' ? FAKE_ID : resolve.call(this, request, ...rest);
};
mod._cache[FAKE_ID] = { exports: fakeVscodeModule, loaded: true, id: FAKE_ID };
