import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fake, testingFake, TextDocument, Uri, type FakeTestController } from './testingFakeVscode';
import type { ModelGateway, ModelRequest, ModelResult } from '../../src/core/models/types';
import type { HostContext } from '../../src/extension/hostContext';
import { caseCommands } from '../../src/extension/testing/caseCommands';
import { SuiteTesting } from '../../src/extension/testing/suiteTesting';
import { RUN_CASE_COMMAND, RUN_CASE_ON_COMMAND, SuiteCodeLensProvider } from '../../src/extension/suites/suiteCodeLens';

const TEXT = JSON.stringify(
  {
    name: 'Greetings',
    tools: [{ name: 'lookup', parameters: { type: 'object', properties: { q: { type: 'string' } } } }],
    cases: [
      { id: 'hi', prompt: 'Hi', expect: { noToolCall: true } },
      { id: 'bye', prompt: 'Bye', expect: { noToolCall: true } },
    ],
  },
  null,
  2,
);

describe('suite CodeLens and its commands', () => {
  let dir: string;
  let uri: Uri;
  let testing: SuiteTesting;
  let controller: FakeTestController;
  let requests: ModelRequest[];

  beforeEach(() => {
    testingFake.reset();
    dir = mkdtempSync(path.join(tmpdir(), 'pt-lens-'));
    fake.workspaceFolders = [{ uri: Uri.file(dir) }];
    uri = Uri.file(path.join(dir, 'greet.suite.json'));
    writeFileSync(uri.fsPath, TEXT);
    testingFake.files = [uri];
    testingFake.settings.set('evaluation.models', ['sim/a', 'sim/b']);
    requests = [];
    const gateway = {
      call: async (request: ModelRequest): Promise<ModelResult> => {
        requests.push(request);
        return {
          model: request.model,
          text: 'Hello!',
          toolCalls: [],
          usage: { inputTokens: 1, outputTokens: 1, cachedInputTokens: 0 },
          latencyMs: 5,
          costUsd: null,
          cached: false,
        };
      },
    };
    const ctx = {
      extension: { workspaceState: { get: () => undefined, update: async () => undefined } },
      activeContext: { get: async () => ({ text: 'Be kind.', promptName: 'kind', version: 1 }) },
      getGateway: async () => gateway as unknown as ModelGateway,
      listModels: async () => [],
    } as unknown as HostContext;
    testing = new SuiteTesting(ctx);
    controller = testingFake.controllers.at(-1)!;
  });
  afterEach(() => {
    testingFake.release();
    testing.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  const command = (id: string) => {
    const c = caseCommands(testing).find((x) => `promptTuner.${x.id}` === id);
    assert.ok(c, `a command ${id}`);
    return async (...args: unknown[]): Promise<void> => {
      await c.run({} as HostContext, ...args);
    };
  };

  it('puts Run and Run on… above each case, pointing at the case', () => {
    const lenses = new SuiteCodeLensProvider(testing.outcomes).provideCodeLenses(new TextDocument(uri, TEXT) as never);
    assert.deepEqual(
      lenses.map((l) => [l.command?.title, l.command?.command, l.command?.arguments?.[1], l.range.start.line]),
      [
        ['Run', RUN_CASE_COMMAND, 'hi', TEXT.split('\n').findIndex((l) => l.includes('"hi"')) - 1],
        ['Run on…', RUN_CASE_ON_COMMAND, 'hi', TEXT.split('\n').findIndex((l) => l.includes('"hi"')) - 1],
        ['Run', RUN_CASE_COMMAND, 'bye', TEXT.split('\n').findIndex((l) => l.includes('"bye"')) - 1],
        ['Run on…', RUN_CASE_ON_COMMAND, 'bye', TEXT.split('\n').findIndex((l) => l.includes('"bye"')) - 1],
      ],
    );
  });

  it('Run runs that one case on every target model, as a test run of the all-models profile', async () => {
    await command(RUN_CASE_COMMAND)(uri, 'bye');
    assert.deepEqual(
      requests.map((r) => [r.model, (r.messages[0] as { content: string }).content]),
      [
        ['sim/a', 'Bye'],
        ['sim/b', 'Bye'],
      ],
    );
    const run = controller.runs.at(-1)!;
    assert.equal(run.request.profile?.label, 'Run on all target models');
    assert.deepEqual(
      run.request.include?.map((i) => i.label),
      ['bye'],
    );
    assert.equal(run.stateOf(`${uri.toString()}#bye`)?.kind, 'passed');
    const lens = new SuiteCodeLensProvider(testing.outcomes)
      .provideCodeLenses(new TextDocument(uri, TEXT) as never)
      .map((l) => l.command?.title);
    assert.deepEqual(lens.slice(2), ['Run', 'Run on…', '✓ sim/a 0.01 s', '✓ sim/b 0.01 s']);
  });

  it('Run on… asks for the models and runs with that model’s profile', async () => {
    fake.answers.push({ kind: 'pick', value: 'sim/b' });
    await command(RUN_CASE_ON_COMMAND)(uri, 'hi');
    assert.deepEqual(
      fake.quickPicks[0]?.items.map((i) => i.label),
      ['sim/a', 'sim/b', 'All target models', '$(edit) Other models…'],
    );
    assert.deepEqual(
      requests.map((r) => r.model),
      ['sim/b'],
    );
    assert.equal(controller.runs.at(-1)?.request.profile?.label, 'Run on sim/b');
    fake.answers.push({ kind: 'pick', value: undefined });
    await command(RUN_CASE_ON_COMMAND)(uri, 'hi');
    assert.equal(requests.length, 1, 'a closed pick runs nothing');
  });

  it('names the bad argument, and an unknown case', async () => {
    await assert.rejects(
      command(RUN_CASE_COMMAND)('greet.suite.json', 'hi'),
      /first argument \(suite file\): expected the suite file URI/,
    );
    await assert.rejects(command(RUN_CASE_COMMAND)(uri, ''), /second argument \(case id\): expected a case id/);
    await assert.rejects(command(RUN_CASE_COMMAND)(uri, 'nope'), /greet\.suite\.json: no case "nope"/);
  });

  it('an open suite editor gets its items without a workspace scan, from its unsaved text', () => {
    const typed = TEXT.replace('"cases": [', '"cases": [\n');
    fake.documents.push(new TextDocument(uri, typed));
    testing.updateOpenDocuments();
    const item = controller.items.get(uri.toString());
    assert.ok(item);
    assert.deepEqual(
      item.children.all().map((c) => c.label),
      ['hi', 'bye'],
    );
    const hi = item.children.get(`${uri.toString()}#hi`);
    assert.equal(hi?.range?.start.line, typed.split('\n').findIndex((l) => l.includes('"hi"')) - 1);
  });
});
