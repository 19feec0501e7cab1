import { strict as assert } from 'node:assert';
import { checkSuiteText, formatPath } from '../../src/core/suites/loadSuite';
import { caseSpans, issueSpan, lineColumn, parseJsonPath } from '../../src/core/suites/suiteRanges';

const SUITE = {
  name: 'Mini',
  tools: [
    {
      name: 'get_weather',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    },
  ],
  cases: [
    { id: 'lisbon', prompt: 'Weather in Lisbon', expect: { tool: 'get_weather', args: { city: 'Lisbon' } } },
    { id: 'porto', prompt: 'Weather in Porto', expect: { tool: 'get_weather', args: { town: 'Porto' } } },
    { id: 'lisbon', prompt: 'Again', expect: { tool: 'get_wether' } },
  ],
};
const TEXT = JSON.stringify(SUITE, null, 2);

/** The text a span covers. */
function covered(text: string, span: { offset: number; length: number }): string {
  return text.slice(span.offset, span.offset + span.length);
}

describe('suite ranges', () => {
  it('reads back every path formatPath writes, quoted keys included', () => {
    for (const segments of [
      ['cases', 3, 'expect', 'args', 'date'],
      ['cases', 0, 'expect', 'args', 'arrival date'],
      ['tools', 1, 'parameters', 'properties', 'a"b\\c', 'type'],
      [],
    ]) {
      assert.deepEqual(parseJsonPath(formatPath(segments)), segments);
    }
    assert.equal(parseJsonPath('cases[x]'), undefined);
    assert.equal(parseJsonPath('.cases'), undefined);
  });

  it('puts each problem loadSuite finds on its JSON path', () => {
    const checked = checkSuiteText(TEXT, 'mini.suite.json');
    assert.ok(!checked.suite);
    const byPath = new Map(checked.issues.map((i) => [i.path, covered(TEXT, issueSpan(TEXT, i))]));
    // An argument the schema lacks: its value; an unknown tool: the tool name; a duplicate id: the id.
    assert.equal(byPath.get('cases[1].expect.args.town'), '"Porto"');
    assert.equal(byPath.get('cases[2].expect.tool'), '"get_wether"');
    assert.equal(byPath.get('cases[2].id'), '"lisbon"');
    // Nothing else was found: the test would miss a new problem otherwise.
    assert.equal(checked.issues.length, 3);
  });

  it('underlines an unknown key by its name and a missing field at its parent key', () => {
    const unknown = issueSpan(TEXT, { path: 'cases[0].expect.args.city', message: 'unknown key' });
    assert.equal(covered(TEXT, unknown), '"city"');
    const missing = issueSpan(TEXT, { path: 'cases[0].expect.nope.deeper', message: 'required (a string)' });
    assert.equal(covered(TEXT, missing), '"expect"');
    // A whole case (e.g. "needs a prompt or messages"): its first key, not the whole object.
    const whole = issueSpan(TEXT, { path: 'cases[1]', message: 'needs a prompt or messages' });
    assert.equal(covered(TEXT, whole), '"id"');
    assert.equal(lineColumn(TEXT, whole.offset).line, TEXT.slice(0, TEXT.indexOf('"porto"')).split('\n').length - 1);
  });

  it('places a syntax error at its line:column', () => {
    const broken = '{\n  "name": "x",\n  "tools": [,]\n}';
    const checked = checkSuiteText(broken, 'b.suite.json');
    assert.ok(!checked.suite && checked.stage === 'json');
    const span = issueSpan(broken, checked.issues[0]!);
    assert.deepEqual(lineColumn(broken, span.offset), { line: 2, character: 12 });
    assert.equal(covered(broken, span), ',');
  });

  it('finds every case with its id and object, also in text that does not parse', () => {
    const spans = caseSpans(TEXT);
    assert.deepEqual(
      spans.map((s) => [s.index, s.id]),
      [
        [0, 'lisbon'],
        [1, 'porto'],
        [2, 'lisbon'],
      ],
    );
    const first = covered(TEXT, spans[0]!);
    assert.deepEqual(JSON.parse(first), SUITE.cases[0]);
    const typing = TEXT.replace('"Weather in Porto"', '"Weather in Porto');
    // An unclosed string (the user is typing) keeps the cases before it.
    assert.deepEqual(
      caseSpans(typing)
        .slice(0, 2)
        .map((s) => s.id),
      ['lisbon', 'porto'],
    );
    assert.deepEqual(caseSpans('{"cases": 3}'), []);
  });

  it('counts lines and characters from 0', () => {
    assert.deepEqual(lineColumn('ab\ncd\nef', 4), { line: 1, character: 1 });
    assert.deepEqual(lineColumn('ab\ncd', 99), { line: 1, character: 2 });
    assert.deepEqual(lineColumn('ab', 0), { line: 0, character: 0 });
  });
});
