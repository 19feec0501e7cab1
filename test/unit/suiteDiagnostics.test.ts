import { strict as assert } from 'node:assert';
import { testingFake, TextDocument, Uri } from './testingFakeVscode';
import { parseSuite, SuiteError } from '../../src/core/suites/loadSuite';
import { startSuiteDiagnostics, suiteProblems } from '../../src/extension/suites/suiteDiagnostics';
import type { Diagnostic } from './testingFakeVscode';

/** A suite with the four problems JSON Schema cannot see. */
const BROKEN = JSON.stringify(
  {
    name: 'Mini',
    tools: [
      {
        name: 'get_weather',
        parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
      },
    ],
    cases: [
      { id: 'a', prompt: 'Weather in Lisbon', expect: { tool: 'get_weather', args: { town: 'Lisbon' } } },
      { id: 'b', prompt: 'Hi', expect: { tool: 'book_hotel' } },
      { id: 'a', prompt: 'Again', expect: { tool: 'get_weather', args: { city: { regex: 5 } } } },
    ],
  },
  null,
  2,
);

/** 0-based line of the first occurrence of `needle`. */
function lineOf(text: string, needle: string): number {
  const at = text.indexOf(needle);
  assert.ok(at >= 0, `${needle} is in the text`);
  return text.slice(0, at).split('\n').length - 1;
}

function cliLines(text: string, file: string): string[] {
  try {
    parseSuite(text, file);
  } catch (e) {
    assert.ok(e instanceof SuiteError);
    return e.message.split('\n').map((l) => l.slice(`${file}: `.length));
  }
  throw new Error('the suite loaded');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('suite diagnostics', () => {
  beforeEach(() => testingFake.reset());
  afterEach(() => testingFake.release());

  it('says what the CLI says on exit 2, each on the line of its path', () => {
    const problems = suiteProblems(BROKEN);
    assert.deepEqual(
      problems.map((p) => p.message),
      cliLines(BROKEN, 'mini.suite.json'),
    );
    const at = new Map(problems.map((p) => [p.message.split(':')[0], p]));
    assert.equal(at.get('cases[0].expect.args.town')?.start.line, lineOf(BROKEN, '"town"'));
    assert.equal(at.get('cases[1].expect.tool')?.start.line, lineOf(BROKEN, '"book_hotel"'));
    assert.equal(at.get('cases[2].id')?.start.line, lineOf(BROKEN, '"Again"') - 1);
    assert.equal(at.get('cases[2].expect.args.city.regex')?.start.line, lineOf(BROKEN, '"regex"'));
    // The range covers the value: `"book_hotel"` is 12 characters.
    const tool = at.get('cases[1].expect.tool')!;
    assert.equal(tool.end.character - tool.start.character, '"book_hotel"'.length);
    assert.match(tool.message, /unknown tool "book_hotel" \(tools: get_weather\)/);
    assert.match(at.get('cases[2].id')!.message, /duplicate case id "a" \(first used at cases\[0\]\)/);
  });

  it('leaves syntax and structure errors to the JSON language, and a good suite has none', () => {
    assert.deepEqual(suiteProblems('{"name": '), []);
    assert.deepEqual(suiteProblems(JSON.stringify({ name: 'x', tools: [], cases: [] })), []);
    const good = BROKEN.replace('"town"', '"city"')
      .replace('"book_hotel"', '"get_weather"')
      .replace('"id": "a",\n      "prompt": "Again"', '"id": "c",\n      "prompt": "Again"')
      .replace('"regex": 5', '"regex": "L.*"');
    assert.deepEqual(suiteProblems(good), []);
  });

  it('checks a suite file when it opens, again after typing stops, and forgets it on close', async () => {
    const stop = startSuiteDiagnostics();
    try {
      const doc = new TextDocument(Uri.file('/ws/mini.suite.json'), BROKEN);
      const other = new TextDocument(Uri.file('/ws/notes.json'), BROKEN);
      testingFake.events.open.fire(doc);
      testingFake.events.open.fire(other);
      const shown = (): Diagnostic[] | undefined => testingFake.diagnostics.get(doc.uri.toString());
      assert.equal(shown()?.length, 4);
      assert.equal(shown()?.[0]?.source, 'Prompt Tuner');
      assert.equal(testingFake.diagnostics.has(other.uri.toString()), false, 'only *.suite.json files');
      doc.text = BROKEN.replace('"town"', '"city"');
      testingFake.events.change.fire({ document: doc });
      assert.equal(shown()?.length, 4, 'not while typing');
      await sleep(400);
      assert.deepEqual(
        shown()?.map((d) => d.message.split(':')[0]),
        ['cases[1].expect.tool', 'cases[2].id', 'cases[2].expect.args.city.regex'],
      );
      testingFake.events.close.fire(doc);
      assert.equal(shown(), undefined);
    } finally {
      stop.dispose();
    }
  });
});
