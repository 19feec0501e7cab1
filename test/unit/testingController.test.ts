import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  CancellationTokenSource,
  fake,
  TestRunRequest,
  testingFake,
  TextDocument,
  TextEditor,
  Uri,
  type FakeTestController,
  type FakeTestItem,
  type FakeTestRun,
  type RunEvent,
} from './testingFakeVscode';
import type { ModelGateway, ModelRequest, ModelResult, ToolCall } from '../../src/core/models/types';
import type { HostContext } from '../../src/extension/hostContext';
import { SuiteTesting } from '../../src/extension/testing/suiteTesting';
import { SuiteCodeLensProvider } from '../../src/extension/suites/suiteCodeLens';

const SUITE = {
  name: 'Mini desk',
  tools: [
    {
      name: 'get_weather',
      parameters: {
        type: 'object',
        properties: { city: { type: 'string' }, date: { type: 'string' } },
        required: ['city'],
      },
    },
  ],
  cases: [
    {
      id: 'lisbon',
      description: 'a city',
      prompt: 'Weather in Lisbon',
      expect: { tool: 'get_weather', args: { city: 'Lisbon' } },
    },
    {
      id: 'porto',
      prompt: 'Weather in Porto on December 5',
      expect: { tool: 'get_weather', args: { city: 'Porto', date: '2026-12-05' } },
    },
    { id: 'hello', prompt: 'Hello', expect: { noToolCall: true } },
  ],
};
const TEXT = JSON.stringify(SUITE, null, 2);

function call(name: string, args: Record<string, unknown>): ToolCall {
  return { name, arguments: args, rawArguments: JSON.stringify(args) };
}

/** Answers per user prompt; `slow` models wait for the abort signal. */
class FakeGateway {
  requests: ModelRequest[] = [];
  cacheOptions: (boolean | undefined)[] = [];
  aborted = 0;
  slow = new Set<string>();
  answers = new Map<string, { text?: string; calls: ToolCall[]; latencyMs?: number }>([
    ['Weather in Lisbon', { calls: [call('get_weather', { city: 'Lisbon' })], latencyMs: 120 }],
    [
      'Weather in Porto on December 5',
      { calls: [call('get_weather', { date: 'December 5', city: 'Porto' })], latencyMs: 340 },
    ],
    ['Hello', { text: 'Hi! How can I help?', calls: [], latencyMs: 80 }],
  ]);
  call(request: ModelRequest, options?: { signal?: AbortSignal; cache?: boolean }): Promise<ModelResult> {
    this.requests.push(request);
    this.cacheOptions.push(options?.cache);
    const last = request.messages.at(-1);
    const prompt = last?.role === 'user' ? last.content : '';
    if (this.slow.has(request.model)) {
      return new Promise((_, reject) => {
        options?.signal?.addEventListener('abort', () => {
          this.aborted += 1;
          reject(new Error('aborted'));
        });
      });
    }
    const a = this.answers.get(prompt) ?? { calls: [] };
    const wrongOnB = request.model === 'sim/b' && prompt === 'Weather in Lisbon';
    return Promise.resolve({
      model: request.model,
      text: a.text ?? '',
      toolCalls: wrongOnB ? [call('get_weather', { city: 'Lisboa' })] : a.calls,
      usage: { inputTokens: 10, outputTokens: 5, cachedInputTokens: 0 },
      latencyMs: (a.latencyMs ?? 10) + (request.model === 'sim/b' ? 1000 : 0),
      costUsd: null,
      cached: false,
    });
  }
}

interface Fixture {
  dir: string;
  uri: Uri;
  testing: SuiteTesting;
  controller: FakeTestController;
  gateway: FakeGateway;
  state: Map<string, unknown>;
  active: { text: string; promptName: string; version: number } | undefined;
}

let fx: Fixture;

function setup(models: string[] = ['sim/a']): Fixture {
  testingFake.reset();
  const dir = mkdtempSync(path.join(tmpdir(), 'pt-testing-'));
  fake.workspaceFolders = [{ uri: Uri.file(dir) }];
  const file = path.join(dir, 'mini.suite.json');
  writeFileSync(file, TEXT);
  const uri = Uri.file(file);
  testingFake.files = [uri];
  testingFake.settings.set('evaluation.models', models);
  const gateway = new FakeGateway();
  const state = new Map<string, unknown>();
  const f = { dir, uri, gateway, state, active: undefined } as Partial<Fixture> as Fixture;
  const ctx = {
    extension: {
      workspaceState: {
        get: (k: string) => state.get(k),
        update: async (k: string, v: unknown) => void state.set(k, v),
      },
    },
    activeContext: { get: async () => f.active },
    getGateway: async () => gateway as unknown as ModelGateway,
    listModels: async () => [],
  } as unknown as HostContext;
  f.testing = new SuiteTesting(ctx);
  f.controller = testingFake.controllers.at(-1)!;
  f.active = { text: 'You are a weather assistant.', promptName: 'weather', version: 2 };
  return f;
}

async function resolveAll(): Promise<FakeTestItem> {
  await fx.controller.resolveHandler!(undefined);
  const suite = fx.controller.items.get(fx.uri.toString())!;
  await fx.controller.resolveHandler!(suite);
  return suite;
}

function caseItem(suite: FakeTestItem, id: string): FakeTestItem {
  const item = suite.children.all().find((c) => c.label === id);
  assert.ok(item, `case ${id} is an item`);
  return item;
}

async function runWith(
  profileLabel: string,
  include?: FakeTestItem[],
  exclude?: FakeTestItem[],
  cancel = new CancellationTokenSource(),
): Promise<FakeTestRun> {
  const profile = fx.controller.liveProfiles().find((p) => p.label === profileLabel);
  assert.ok(
    profile,
    `a profile "${profileLabel}" among ${fx.controller
      .liveProfiles()
      .map((p) => p.label)
      .join(', ')}`,
  );
  const before = fx.controller.runs.length;
  await profile.runHandler(new TestRunRequest(include, exclude, profile), cancel.token);
  assert.equal(fx.controller.runs.length, before + 1, 'one test run was created');
  const run = fx.controller.runs.at(-1)!;
  assert.ok(run.ended, 'the run ended');
  return run;
}

function states(run: FakeTestRun): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of run.events) if (e.kind !== 'output' && e.id) out[e.id.split('#')[1]!] = e.kind;
  return out;
}

function failure(run: FakeTestRun, id: string): Extract<RunEvent, { messages: unknown }> {
  const e = run.events.find((x) => x.kind === 'failed' && x.id.endsWith(`#${id}`));
  assert.ok(e?.kind === 'failed', `${id} failed`);
  return e;
}

describe('suite Testing view (controller mapping)', () => {
  beforeEach(() => {
    fx = setup();
  });
  afterEach(() => {
    testingFake.release();
    fx.testing.dispose();
    rmSync(fx.dir, { recursive: true, force: true });
  });

  it('lists suite files and their cases (with the case object’s range) when the view asks, not before', async () => {
    assert.equal(fx.controller.items.size, 0, 'nothing is read at construction');
    await fx.controller.resolveHandler!(undefined);
    const suite = fx.controller.items.get(fx.uri.toString())!;
    assert.equal(suite.canResolveChildren, false);
    assert.equal(suite.label, 'Mini desk');
    assert.equal(suite.description, 'mini.suite.json');
    assert.deepEqual(
      suite.children.all().map((c) => [c.label, c.description]),
      [
        ['lisbon', 'a city'],
        ['porto', undefined],
        ['hello', undefined],
      ],
    );
    const lines = TEXT.split('\n');
    const porto = caseItem(suite, 'porto');
    // The range starts at the case's `{` and ends at its `}`.
    assert.equal(lines[porto.range!.start.line]!.trim(), '{');
    assert.match(lines[porto.range!.start.line + 1]!, /"id": "porto"/);
    assert.equal(lines[porto.range!.end.line]!.trim().replace(/,$/, ''), '}');
    assert.equal(porto.uri?.toString(), fx.uri.toString());
  });

  it('has a Run on <model> profile per target model and one for all, following the setting', () => {
    testingFake.configure('evaluation.models', ['sim/a', 'sim/b']);
    assert.deepEqual(
      fx.controller.liveProfiles().map((p) => [p.label, p.isDefault]),
      [
        ['Run on all target models', true],
        ['Run on sim/a', false],
        ['Run on sim/b', false],
      ],
    );
    testingFake.configure('evaluation.models', ['sim/b']);
    assert.deepEqual(
      fx.controller.liveProfiles().map((p) => p.label),
      ['Run on all target models', 'Run on sim/b'],
    );
    testingFake.configure('evaluation.models', ['not a model id']);
    assert.ok(
      fake.messages.some(
        (m) =>
          m.kind === 'warning' && /promptTuner\.evaluation\.models\[0\]: must be written provider\/model/.test(m.text),
      ),
      'a bad setting names the entry and what is wrong',
    );
  });

  it('reports passed and failed cases with duration, typed reason, detail, a diff and the raw answer', async () => {
    const suite = await resolveAll();
    const run = await runWith('Run on all target models');
    assert.deepEqual(states(run), { lisbon: 'passed', porto: 'failed', hello: 'passed' });
    assert.equal(run.name, 'weather v2 on sim/a', 'the active context is the prompt');
    assert.equal(fx.gateway.requests[0]?.system, 'You are a weather assistant.');
    const passed = run.events.find((e) => e.kind === 'passed' && e.id.endsWith('#lisbon'));
    assert.ok(passed?.kind === 'passed' && passed.duration === 120);
    const porto = failure(run, 'porto');
    assert.equal(porto.duration, 340);
    assert.equal(porto.messages.length, 1);
    const m = porto.messages[0]!;
    assert.equal(m.message, '[sim/a] value_error: args.date: expected "2026-12-05", got "December 5"');
    assert.deepEqual(JSON.parse(m.expectedOutput!), [
      { tool: 'get_weather', args: { city: 'Porto', date: '2026-12-05' } },
    ]);
    assert.deepEqual(JSON.parse(m.actualOutput!), [
      { tool: 'get_weather', args: { city: 'Porto', date: 'December 5' } },
    ]);
    // The actual arguments follow the expected key order, so the diff shows only the value that differs.
    assert.ok(m.actualOutput!.indexOf('"city"') < m.actualOutput!.indexOf('"date"'));
    assert.equal(m.location?.range.start.line, caseItem(suite, 'porto').range!.start.line);
    const output = run.events.filter((e) => e.kind === 'output' && e.id?.endsWith('#hello'));
    assert.equal(output.length, 1);
    assert.equal(output[0]!.kind === 'output' ? output[0]!.location : 'none', undefined, 'not printed inline');
    assert.match(
      output[0]!.kind === 'output' ? output[0]!.text : '',
      /PASS hello on sim\/a .*\r\ntext: Hi! How can I help\?\r\n/,
    );
    const started = run.events.findIndex((e) => e.kind === 'started');
    const enqueued = run.events.findIndex((e) => e.kind === 'enqueued');
    assert.ok(enqueued >= 0 && enqueued < started);
  });

  it('runs a case on each model and reports every model’s outcome (CodeLens too)', async () => {
    testingFake.configure('evaluation.models', ['sim/a', 'sim/b']);
    const suite = await resolveAll();
    const run = await runWith('Run on all target models', [caseItem(suite, 'lisbon')]);
    assert.deepEqual(states(run), { lisbon: 'failed' });
    assert.deepEqual(
      fx.gateway.requests.map((r) => r.model),
      ['sim/a', 'sim/b'],
    );
    const lisbon = failure(run, 'lisbon');
    assert.deepEqual(
      lisbon.messages.map((m) => m.message),
      ['[sim/b] value_error: args.city: expected "Lisbon", got "Lisboa"'],
    );
    assert.equal(lisbon.duration, 1120, 'the slowest model: the calls run at once');
    const outputs = run.events.filter((e) => e.kind === 'output' && e.id?.endsWith('#lisbon'));
    assert.equal(outputs.length, 2, 'one raw answer per model');

    const lenses = new SuiteCodeLensProvider(fx.testing.outcomes);
    const doc = new TextDocument(fx.uri, TEXT);
    const titles = lenses.provideCodeLenses(doc as never).map((l) => l.command?.title);
    assert.deepEqual(titles, [
      'Run',
      'Run on…',
      '✓ sim/a 0.12 s',
      '✗ sim/b value_error',
      'Run',
      'Run on…',
      'Run',
      'Run on…',
    ]);
    const single = await runWith('Run on sim/b', [caseItem(suite, 'porto')]);
    assert.deepEqual(states(single), { porto: 'failed' });
    assert.equal(fx.gateway.requests.at(-1)?.model, 'sim/b');
  });

  it('runs only what the request includes minus what it excludes (Rerun Failed Tests sends the failed ones)', async () => {
    const suite = await resolveAll();
    const first = await runWith('Run on all target models');
    const failed = first.events.flatMap((e) => (e.kind === 'failed' ? [suite.children.get(e.id)!] : []));
    fx.gateway.requests = [];
    const rerun = await runWith('Run on all target models', failed);
    assert.deepEqual(states(rerun), { porto: 'failed' });
    assert.deepEqual(fx.gateway.cacheOptions.slice(-1), [false], 'a rerun asks the model again');
    assert.deepEqual(
      fx.gateway.requests.map((r) => (r.messages[0] as { content: string }).content),
      ['Weather in Porto on December 5'],
    );
    fx.gateway.requests = [];
    const some = await runWith('Run on all target models', [suite], [caseItem(suite, 'porto')]);
    assert.deepEqual(states(some), { lisbon: 'passed', hello: 'passed' });
  });

  it('asks for the prompt once when there is no active context, and the configure action changes it', async () => {
    fx.active = undefined;
    const promptDoc = new TextDocument(Uri.file(path.join(fx.dir, 'agent.md')), 'You are terse.');
    fake.documents.push(promptDoc);
    fake.activeEditor = new TextEditor(promptDoc);
    const suite = await resolveAll();
    fake.answers.push({ kind: 'pick', value: '$(file) Current file' });
    const run = await runWith('Run on sim/a', [caseItem(suite, 'hello')]);
    assert.equal(run.name, 'agent.md on sim/a');
    assert.equal(fx.gateway.requests.at(-1)?.system, 'You are terse.');
    await runWith('Run on sim/a', [caseItem(suite, 'hello')]);
    assert.equal(fake.answers.length, 0, 'the second run did not ask');
    promptDoc.text = 'You are verbose.';
    fake.answers.push({ kind: 'pick', value: '$(file) Current file' });
    fx.controller.liveProfiles()[0]!.configureHandler!();
    await new Promise((r) => setTimeout(r, 20));
    const third = await runWith('Run on sim/a', [caseItem(suite, 'hello')]);
    assert.equal(fx.gateway.requests.at(-1)?.system, 'You are verbose.');
    assert.equal(third.name, 'agent.md on sim/a');
  });

  it('cancelling the run aborts the calls in flight and skips the cases that did not finish', async () => {
    testingFake.configure('evaluation.models', ['sim/a', 'sim/slow']);
    fx.gateway.slow.add('sim/slow');
    const suite = await resolveAll();
    const cancel = new CancellationTokenSource();
    const running = runWith('Run on all target models', [suite], undefined, cancel);
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(fx.gateway.requests.length, 6);
    cancel.cancel();
    const run = await running;
    assert.equal(fx.gateway.aborted, 3, 'every slow call saw the abort signal');
    assert.deepEqual(states(run), { lisbon: 'skipped', porto: 'skipped', hello: 'skipped' });
  });

  it('marks cases errored with the CLI’s messages when the suite has problems, and keeps them listed', async () => {
    writeFileSync(
      fx.uri.fsPath,
      TEXT.replace(
        '"get_weather",\n        "args": {\n          "city": "Lisbon"',
        '"get_wether",\n        "args": {\n          "city": "Lisbon"',
      ),
    );
    const suite = await resolveAll();
    assert.deepEqual(
      suite.children.all().map((c) => c.label),
      ['lisbon', 'porto', 'hello'],
    );
    const error = typeof suite.error === 'string' ? suite.error : suite.error?.value;
    assert.match(error ?? '', /^mini\.suite\.json: cases\[0\]\.expect\.tool: unknown tool "get_wether"/);
    const run = await runWith('Run on all target models');
    assert.deepEqual(states(run), { lisbon: 'errored', porto: 'errored', hello: 'errored' });
    assert.equal(fx.gateway.requests.length, 0, 'no model call for a broken suite');
  });

  it('follows the files: a new suite appears, a saved one is read again, a deleted one goes', async () => {
    const suite = await resolveAll();
    const watcher = testingFake.watchers.at(-1)!;
    assert.equal(watcher.glob, '**/*.suite.json');
    const second = Uri.file(path.join(fx.dir, 'two.suite.json'));
    writeFileSync(second.fsPath, JSON.stringify({ ...SUITE, name: 'Two', cases: [SUITE.cases[2]] }));
    watcher.created.fire(second);
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(
      fx.controller.items
        .get(second.toString())
        ?.children.all()
        .map((c) => c.label),
      ['hello'],
    );
    const before = caseItem(suite, 'hello').range!.start.line;
    const edited = TEXT.replace('"cases": [', '"cases": [\n\n');
    testingFake.events.save.fire(new TextDocument(fx.uri, edited));
    assert.equal(caseItem(suite, 'hello').range!.start.line, before + 2, 'the range follows the saved text');
    watcher.deleted.fire(second);
    assert.equal(fx.controller.items.get(second.toString()), undefined);
    // The view's Refresh reads every file again.
    writeFileSync(fx.uri.fsPath, JSON.stringify({ ...SUITE, cases: SUITE.cases.slice(1) }));
    await fx.controller.refreshHandler!();
    assert.deepEqual(
      fx.controller.items
        .get(fx.uri.toString())
        ?.children.all()
        .map((c) => c.label),
      ['porto', 'hello'],
    );
  });

  it('does not call models in an untrusted workspace', async () => {
    testingFake.trusted = false;
    const profile = fx.controller.liveProfiles()[0]!;
    await resolveAll();
    await profile.runHandler(new TestRunRequest(undefined, undefined, profile), new CancellationTokenSource().token);
    assert.equal(fx.controller.runs.length, 0);
    assert.equal(fx.gateway.requests.length, 0);
    assert.ok(fake.messages.some((m) => m.kind === 'error' && /untrusted/.test(m.text)));
  });
});
