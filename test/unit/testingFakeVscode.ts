// What the suite Testing, diagnostics and CodeLens code needs of `vscode` beyond extensionFakeVscode: the
// Testing API (controller, items, profiles, runs recording every call), ranges, diagnostics, CodeLens,
// file watchers, configuration and document events. It adds to the shared fake module; importing it
// imports that first.
import { EventEmitter, fake, fakeVscodeModule, TextDocument, TextEditor, Uri } from './extensionFakeVscode';

export class Position {
  constructor(
    readonly line: number,
    readonly character: number,
  ) {}
}

export class Range {
  readonly start: Position;
  readonly end: Position;
  constructor(a: number | Position, b: number | Position, c?: number, d?: number) {
    this.start = typeof a === 'number' ? new Position(a, b as number) : a;
    this.end = typeof a === 'number' ? new Position(c!, d!) : (b as Position);
  }
}

export class Location {
  constructor(
    readonly uri: Uri,
    readonly range: Range,
  ) {}
}

export class TestMessage {
  expectedOutput?: string;
  actualOutput?: string;
  location?: Location;
  constructor(readonly message: string | { value: string }) {}
  static diff(message: string, expected: string, actual: string): TestMessage {
    const m = new TestMessage(message);
    m.expectedOutput = expected;
    m.actualOutput = actual;
    return m;
  }
}

export class FakeTestItemCollection {
  private readonly map = new Map<string, FakeTestItem>();
  constructor(private readonly owner: FakeTestItem | undefined) {}
  get size(): number {
    return this.map.size;
  }
  add(item: FakeTestItem): void {
    item.parent = this.owner;
    this.map.set(item.id, item);
  }
  delete(id: string): void {
    this.map.delete(id);
  }
  get(id: string): FakeTestItem | undefined {
    return this.map.get(id);
  }
  replace(items: FakeTestItem[]): void {
    this.map.clear();
    for (const i of items) this.add(i);
  }
  forEach(cb: (item: FakeTestItem) => void): void {
    [...this.map.values()].forEach(cb);
  }
  /** The items, in insertion order. */
  all(): FakeTestItem[] {
    return [...this.map.values()];
  }
}

export class FakeTestItem {
  parent: FakeTestItem | undefined;
  range: Range | undefined;
  description: string | undefined;
  sortText: string | undefined;
  error: string | { value: string } | undefined;
  canResolveChildren = false;
  readonly children: FakeTestItemCollection = new FakeTestItemCollection(this);
  constructor(
    readonly id: string,
    public label: string,
    readonly uri: Uri | undefined,
  ) {}
}

export class CancellationTokenSource {
  private readonly emitter = new EventEmitter<void>();
  private cancelled = false;
  readonly token: { readonly isCancellationRequested: boolean; onCancellationRequested: EventEmitter<void>['event'] };
  constructor() {
    const isCancelled = (): boolean => this.cancelled;
    this.token = {
      get isCancellationRequested(): boolean {
        return isCancelled();
      },
      onCancellationRequested: this.emitter.event,
    };
  }
  cancel(): void {
    this.cancelled = true;
    this.emitter.fire();
  }
  dispose(): void {}
}

export class TestRunRequest {
  constructor(
    readonly include: FakeTestItem[] | undefined,
    readonly exclude: FakeTestItem[] | undefined,
    readonly profile: FakeRunProfile | undefined,
  ) {}
}

/** Everything a run was told, in order: `[kind, item id, …]`. */
export type RunEvent =
  | { kind: 'enqueued' | 'started' | 'skipped'; id: string }
  | { kind: 'passed'; id: string; duration?: number }
  | { kind: 'failed' | 'errored'; id: string; messages: TestMessage[]; duration?: number }
  | { kind: 'output'; id: string | undefined; text: string; location?: Location };

export class FakeTestRun {
  readonly events: RunEvent[] = [];
  ended = false;
  readonly cancel = new CancellationTokenSource();
  readonly token = this.cancel.token;
  constructor(
    readonly request: TestRunRequest,
    readonly name: string | undefined,
  ) {}
  enqueued(item: FakeTestItem): void {
    this.events.push({ kind: 'enqueued', id: item.id });
  }
  started(item: FakeTestItem): void {
    this.events.push({ kind: 'started', id: item.id });
  }
  skipped(item: FakeTestItem): void {
    this.events.push({ kind: 'skipped', id: item.id });
  }
  passed(item: FakeTestItem, duration?: number): void {
    this.events.push({ kind: 'passed', id: item.id, duration });
  }
  failed(item: FakeTestItem, messages: TestMessage | TestMessage[], duration?: number): void {
    this.events.push({ kind: 'failed', id: item.id, messages: [messages].flat(), duration });
  }
  errored(item: FakeTestItem, messages: TestMessage | TestMessage[], duration?: number): void {
    this.events.push({ kind: 'errored', id: item.id, messages: [messages].flat(), duration });
  }
  appendOutput(text: string, location?: Location, item?: FakeTestItem): void {
    this.events.push({ kind: 'output', id: item?.id, text, location });
  }
  end(): void {
    if (this.ended) throw new Error('run.end() called twice');
    this.ended = true;
  }
  /** The last state event of an item. */
  stateOf(id: string): RunEvent | undefined {
    return this.events.filter((e) => e.id === id && e.kind !== 'output').at(-1);
  }
}

type RunHandler = (request: TestRunRequest, token: CancellationTokenSource['token']) => Promise<void> | void;

export class FakeRunProfile {
  configureHandler: (() => void) | undefined;
  disposed = false;
  constructor(
    readonly label: string,
    readonly kind: number,
    readonly runHandler: RunHandler,
    readonly isDefault: boolean,
  ) {}
  dispose(): void {
    this.disposed = true;
  }
}

export class FakeTestController {
  readonly items = new FakeTestItemCollection(undefined);
  readonly profiles: FakeRunProfile[] = [];
  readonly runs: FakeTestRun[] = [];
  resolveHandler: ((item: FakeTestItem | undefined) => Promise<void> | void) | undefined;
  refreshHandler: (() => Promise<void> | void) | undefined;
  constructor(
    readonly id: string,
    readonly label: string,
  ) {}
  createTestItem(id: string, label: string, uri?: Uri): FakeTestItem {
    return new FakeTestItem(id, label, uri);
  }
  createRunProfile(label: string, kind: number, handler: RunHandler, isDefault = false): FakeRunProfile {
    const p = new FakeRunProfile(label, kind, handler, isDefault);
    this.profiles.push(p);
    return p;
  }
  createTestRun(request: TestRunRequest, name?: string): FakeTestRun {
    const run = new FakeTestRun(request, name);
    this.runs.push(run);
    return run;
  }
  /** The profiles not disposed. */
  liveProfiles(): FakeRunProfile[] {
    return this.profiles.filter((p) => !p.disposed);
  }
  dispose(): void {}
}

export class Diagnostic {
  source?: string;
  constructor(
    readonly range: Range,
    readonly message: string,
    readonly severity: number,
  ) {}
}

export class CodeLens {
  constructor(
    readonly range: Range,
    readonly command?: { title: string; command: string; arguments?: unknown[]; tooltip?: string },
  ) {}
}

export class FakeWatcher {
  readonly created = new EventEmitter<Uri>();
  readonly changed = new EventEmitter<Uri>();
  readonly deleted = new EventEmitter<Uri>();
  onDidCreate = this.created.event;
  onDidChange = this.changed.event;
  onDidDelete = this.deleted.event;
  constructor(readonly glob: string) {}
  dispose(): void {}
}

export const testingFake = {
  controllers: [] as FakeTestController[],
  diagnostics: new Map<string, Diagnostic[]>(),
  codeLensProviders: [] as { selector: unknown; provider: unknown }[],
  watchers: [] as FakeWatcher[],
  /** `promptTuner.*` settings by key without the prefix. */
  settings: new Map<string, unknown>(),
  /** What findFiles returns. */
  files: [] as Uri[],
  trusted: true,
  /**
   * True between reset() and release(): only then do isTrusted, findFiles, getConfiguration and asRelativePath
   * answer from here. Other test files share the fake module and install their own; mocha loads every file
   * before any test runs, so an unconditional override would leak into their tests.
   */
  active: false,
  events: {
    save: new EventEmitter<TextDocument>(),
    open: new EventEmitter<TextDocument>(),
    close: new EventEmitter<TextDocument>(),
    change: new EventEmitter<{ document: TextDocument }>(),
    configuration: new EventEmitter<{ affectsConfiguration(s: string): boolean }>(),
  },
  reset(): void {
    fake.reset();
    this.controllers = [];
    this.diagnostics.clear();
    this.codeLensProviders = [];
    this.watchers = [];
    this.settings.clear();
    this.files = [];
    this.trusted = true;
    this.active = true;
  },
  /** Gives the shared workspace fake back to whoever installed it before (call in afterEach). */
  release(): void {
    this.active = false;
  },
  /** Changes a setting and fires the configuration event for it. */
  configure(key: string, value: unknown): void {
    this.settings.set(key, value);
    this.events.configuration.fire({ affectsConfiguration: (s) => s === `promptTuner.${key}` || s === 'promptTuner' });
  },
};

const disposable = { dispose(): void {} };

Object.assign(fakeVscodeModule, {
  Position,
  Range,
  Location,
  TestMessage,
  TestRunRequest,
  CancellationTokenSource,
  Diagnostic,
  CodeLens,
  DiagnosticSeverity: { Error: 0, Warning: 1, Information: 2, Hint: 3 },
  TestRunProfileKind: { Run: 1, Debug: 2, Coverage: 3 },
  tests: {
    createTestController: (id: string, label: string) => {
      const c = new FakeTestController(id, label);
      testingFake.controllers.push(c);
      return c;
    },
  },
  languages: {
    createDiagnosticCollection: () => ({
      set: (uri: Uri, d: Diagnostic[]) => void testingFake.diagnostics.set(uri.toString(), d),
      delete: (uri: Uri) => void testingFake.diagnostics.delete(uri.toString()),
      dispose() {},
    }),
    registerCodeLensProvider: (selector: unknown, provider: unknown) => {
      testingFake.codeLensProviders.push({ selector, provider });
      return disposable;
    },
  },
});

const workspace = fakeVscodeModule.workspace as Record<string, unknown>;
const before = {
  isTrusted: Object.getOwnPropertyDescriptor(workspace, 'isTrusted'),
  getConfiguration: workspace['getConfiguration'] as ((section: string) => unknown) | undefined,
  findFiles: workspace['findFiles'] as ((...args: unknown[]) => Promise<Uri[]>) | undefined,
  asRelativePath: workspace['asRelativePath'] as ((uri: Uri | string) => string) | undefined,
};
Object.defineProperty(workspace, 'isTrusted', {
  get: () =>
    testingFake.active || !before.isTrusted?.get ? testingFake.trusted : before.isTrusted.get.call(workspace),
  configurable: true,
});
Object.assign(workspace, {
  onDidSaveTextDocument: testingFake.events.save.event,
  onDidOpenTextDocument: testingFake.events.open.event,
  onDidCloseTextDocument: testingFake.events.close.event,
  onDidChangeTextDocument: testingFake.events.change.event,
  onDidChangeConfiguration: testingFake.events.configuration.event,
  getConfiguration: (section: string) =>
    testingFake.active || !before.getConfiguration
      ? {
          get: <T>(key: string, fallback?: T) =>
            (testingFake.settings.get(`${section}.${key}`.replace(/^promptTuner\./, '')) ?? fallback) as T,
        }
      : before.getConfiguration(section),
  findFiles: async (...args: unknown[]) =>
    testingFake.active || !before.findFiles ? testingFake.files : before.findFiles(...args),
  asRelativePath: (uri: Uri | string) => {
    if (!testingFake.active && before.asRelativePath) return before.asRelativePath(uri);
    const p = typeof uri === 'string' ? uri : uri.fsPath;
    const root = fake.workspaceFolders?.[0]?.uri.fsPath;
    return root && p.startsWith(`${root}/`) ? p.slice(root.length + 1) : p;
  },
  createFileSystemWatcher: (glob: string) => {
    const w = new FakeWatcher(glob);
    testingFake.watchers.push(w);
    return w;
  },
});

export { fake, TextDocument, TextEditor, Uri };
