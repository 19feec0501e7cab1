import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { loadSuite, parseSuite, SuiteError } from '../../src/core/suites/loadSuite';

const FIXTURES = join(__dirname, '..', 'fixtures', 'suites');

/** Suite JSON as the tests bend it: any key at any depth gets any value, valid or not. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- deliberately malformed JSON, mutated at arbitrary depth
type SuiteDraft = Record<string, any>;

/** A valid suite; each test breaks one thing. */
function baseSuite(): SuiteDraft {
  return {
    name: 'Travel desk',
    tools: [
      {
        name: 'get_weather',
        parameters: {
          type: 'object',
          properties: { city: { type: 'string' }, date: { type: 'string' }, days: { type: 'integer' } },
          required: ['city'],
        },
      },
      { name: 'book_flight', parameters: { type: 'object', properties: { to: { type: 'string' } }, required: ['to'] } },
    ],
    cases: [
      { id: 'w1', prompt: 'Weather in Lisbon?', expect: { tool: 'get_weather', args: { city: 'Lisbon' } } },
      { id: 'w2', prompt: 'Weather in Porto?', expect: { tool: 'get_weather', args: { city: 'Porto' } } },
      {
        id: 'f1',
        messages: [{ role: 'user', content: 'Fly to Rome' }],
        expect: { calls: [{ tool: 'book_flight', args: { to: 'Rome' } }] },
      },
      { id: 's1', prompt: 'Thanks!', expect: { noToolCall: true } },
    ],
  };
}

function errorOf(mutate: (s: SuiteDraft) => void, file = 'travel.suite.json'): SuiteError {
  const s = baseSuite();
  mutate(s);
  try {
    parseSuite(JSON.stringify(s, null, 2), file);
  } catch (e) {
    assert.ok(e instanceof SuiteError, `expected a SuiteError, got ${String(e)}`);
    return e;
  }
  assert.fail('the suite loaded, but it should have been refused');
}

describe('suite loading', () => {
  it('loads a valid suite into requests-ready cases', () => {
    const suite = parseSuite(JSON.stringify(baseSuite()), 'travel.suite.json');
    assert.equal(suite.name, 'Travel desk');
    assert.equal(suite.file, 'travel.suite.json');
    assert.deepEqual(
      suite.cases.map((c) => c.id),
      ['w1', 'w2', 'f1', 's1'],
    );
    assert.deepEqual(suite.cases[0]!.messages, [{ role: 'user', content: 'Weather in Lisbon?' }]);
    assert.deepEqual(suite.cases[0]!.expect, {
      kind: 'calls',
      calls: [{ tool: 'get_weather', args: { city: 'Lisbon' } }],
    });
    assert.deepEqual(suite.cases[3]!.expect, { kind: 'noToolCall' });
    assert.equal(suite.tools[1]!.name, 'book_flight');
  });

  it('loads the fixture file with $schema, messages and matchers', async () => {
    const suite = await loadSuite(join(FIXTURES, 'mini.suite.json'), 'mini.suite.json');
    assert.equal(suite.cases.length, 3);
    assert.equal(suite.cases[1]!.expect.kind, 'calls');
  });

  it('turns assistant tool calls in messages into ToolCalls', () => {
    const suite = parseSuite(
      JSON.stringify({
        ...baseSuite(),
        cases: [
          {
            id: 'm1',
            messages: [
              { role: 'user', content: 'Weather in Lisbon?' },
              {
                role: 'assistant',
                content: '',
                toolCalls: [{ id: 'c1', name: 'get_weather', arguments: { city: 'Lisbon' } }],
              },
              { role: 'tool', toolCallId: 'c1', name: 'get_weather', content: '{"temp":18}' },
              { role: 'user', content: 'And tomorrow?' },
            ],
            expect: { tool: 'get_weather' },
          },
        ],
      }),
      'm.suite.json',
    );
    const assistant = suite.cases[0]!.messages[1]!;
    assert.equal(assistant.role, 'assistant');
    assert.deepEqual(assistant.toolCalls, [
      { id: 'c1', name: 'get_weather', arguments: { city: 'Lisbon' }, rawArguments: '{"city":"Lisbon"}' },
    ]);
  });

  it('reports invalid JSON with the file and line:column', async () => {
    await assert.rejects(
      loadSuite(join(FIXTURES, 'invalid-json.suite.json'), 'invalid-json.suite.json'),
      (e: unknown) => {
        assert.ok(e instanceof SuiteError);
        assert.match(e.message, /^invalid-json\.suite\.json: invalid JSON at line 7:\d+: /);
        return true;
      },
    );
  });

  it('names the line of the error even when the text V8 quotes says "position N" (Node 20)', () => {
    const lines = JSON.stringify(baseSuite(), null, 2).split('\n');
    // A later line `"key": "value",` gets an unquoted value; V8's message quotes it, "position 12" included.
    const at = lines.findIndex((l, i) => i > 5 && /^\s*"[^"]+": "[^"]*",$/.test(l));
    assert.ok(at > 5);
    lines[at] = `${lines[at]!} "bad": position 12,`;
    const text = lines.join('\n');
    assert.throws(
      () => parseSuite(text, 's.suite.json'),
      (e: unknown) => {
        assert.ok(e instanceof SuiteError);
        const m = /invalid JSON at line (\d+):(\d+): (.*)$/.exec(e.message);
        assert.ok(m, e.message);
        assert.equal(Number(m[1]), at + 1, e.message);
        assert.equal(Number(m[2]), lines[at]!.indexOf('position') + 1, e.message);
        // The reason stands alone: no excerpt of the file is echoed.
        assert.doesNotMatch(m[3]!, /is not valid JSON|position/);
        return true;
      },
    );
  });

  it('reports a missing file', async () => {
    await assert.rejects(
      loadSuite(join(FIXTURES, 'nope.suite.json'), 'nope.suite.json'),
      /nope\.suite\.json: file not found/,
    );
  });

  it('reports an unknown tool in a case with its path', async () => {
    await assert.rejects(
      loadSuite(join(FIXTURES, 'unknown-tool.suite.json'), 'unknown-tool.suite.json'),
      (e: unknown) => {
        assert.ok(e instanceof SuiteError);
        assert.equal(e.issues.length, 1);
        assert.match(
          e.message,
          /^unknown-tool\.suite\.json: cases\[1\]\.expect\.tool: unknown tool "get_wether" \(tools: get_weather\)$/,
        );
        return true;
      },
    );
    const e = errorOf((s) => (s.cases[2].expect.calls[0].tool = 'book_hotel'));
    assert.match(e.message, /travel\.suite\.json: cases\[2\]\.expect\.calls\[0\]\.tool: unknown tool "book_hotel"/);
  });

  it('reports duplicate case ids, naming the first one', () => {
    const e = errorOf((s) => (s.cases[3].id = 'w1'));
    assert.match(e.message, /travel\.suite\.json: cases\[3\]\.id: duplicate case id "w1" \(first used at cases\[0\]\)/);
  });

  it('reports duplicate tool names', () => {
    const e = errorOf((s) => (s.tools[1].name = 'get_weather'));
    assert.match(e.message, /tools\[1\]\.name: duplicate tool name "get_weather"/);
  });

  describe('invalid JSON Schema for parameters', () => {
    it('must be type object', () => {
      const e = errorOf((s) => (s.tools[0].parameters.type = 'array'));
      assert.match(e.message, /tools\[0\]\.parameters\.type: must be "object".*got "array"/);
      const e2 = errorOf((s) => delete s.tools[0].parameters.type);
      assert.match(e2.message, /tools\[0\]\.parameters\.type: must be "object".*got nothing/);
    });
    it('properties must be an object', () => {
      const e = errorOf((s) => (s.tools[0].parameters.properties = ['city']));
      assert.match(
        e.message,
        /tools\[0\]\.parameters\.properties: must be an object of property schemas, got an array/,
      );
    });
    it('required must be an array of known property names', () => {
      assert.match(
        errorOf((s) => (s.tools[0].parameters.required = 'city')).message,
        /tools\[0\]\.parameters\.required: must be an array of property names/,
      );
      assert.match(
        errorOf((s) => (s.tools[0].parameters.required = ['city', 'country'])).message,
        /tools\[0\]\.parameters\.required\[1\]: "country" is not in properties/,
      );
    });
    it('property types must be JSON Schema types', () => {
      const e = errorOf((s) => (s.tools[0].parameters.properties.days.type = 'int'));
      assert.match(e.message, /tools\[0\]\.parameters\.properties\.days\.type: unknown JSON Schema type "int"/);
      const e2 = errorOf((s) => (s.tools[0].parameters.properties.days.type = ['integer', 'float']));
      assert.match(e2.message, /properties\.days\.type\[1\]: unknown JSON Schema type "float"/);
    });
    it('parameters must be an object at all', () => {
      const e = errorOf((s) => (s.tools[0].parameters = 'city'));
      assert.match(e.message, /tools\[0\]\.parameters: expected an object, got a string/);
    });
  });

  describe('matchers of the wrong shape', () => {
    it('regex must be a string', async () => {
      await assert.rejects(
        loadSuite(join(FIXTURES, 'bad-matcher.suite.json'), 'bad-matcher.suite.json'),
        (e: unknown) => {
          assert.ok(e instanceof SuiteError);
          assert.match(
            e.message,
            /bad-matcher\.suite\.json: cases\[0\]\.expect\.args\.date\.regex: must be a string \(a regular expression\), got a number \(5\)/,
          );
          assert.match(
            e.message,
            /bad-matcher\.suite\.json: cases\[1\]\.expect\.args\.passengers\.min: must be a number, got a string \("a"\)/,
          );
          return true;
        },
      );
    });
    it('regex must compile', () => {
      const e = errorOf((s) => (s.cases[0].expect.args.city = { regex: '(' }));
      assert.match(e.message, /cases\[0\]\.expect\.args\.city\.regex: invalid regular expression/);
    });
    it('oneOf must be a non-empty array of literals', () => {
      assert.match(
        errorOf((s) => (s.cases[0].expect.args.city = { oneOf: 'Lisbon' })).message,
        /args\.city\.oneOf: must be a non-empty array/,
      );
      assert.match(
        errorOf((s) => (s.cases[0].expect.args.city = { oneOf: [] })).message,
        /args\.city\.oneOf: must be a non-empty array/,
      );
      assert.match(
        errorOf((s) => (s.cases[0].expect.args.city = { oneOf: [{ any: true }] })).message,
        /args\.city\.oneOf\[0\]: oneOf takes literal values/,
      );
    });
    it('min must not exceed max', () => {
      assert.match(
        errorOf((s) => (s.cases[0].expect.args.days = { min: 5, max: 2 })).message,
        /args\.days: min \(5\) is greater than max \(2\)/,
      );
    });
    it('any and absent must be true', () => {
      assert.match(
        errorOf((s) => (s.cases[0].expect.args.date = { any: 1 })).message,
        /args\.date\.any: must be true, got a number/,
      );
      assert.match(
        errorOf((s) => (s.cases[0].expect.args.date = { absent: false })).message,
        /args\.date\.absent: must be true, got a boolean/,
      );
    });
    it('a matcher cannot mix with other keys or other matchers', () => {
      assert.match(
        errorOf((s) => (s.cases[0].expect.args.city = { regex: 'L', value: 'x' })).message,
        /args\.city\.value: a matcher \(regex\) cannot have other keys/,
      );
      assert.match(
        errorOf((s) => (s.cases[0].expect.args.days = { any: true, min: 1 })).message,
        /args\.days\.(any|min): cannot be combined with/,
      );
    });
    it('absent on a required parameter can never pass', () => {
      assert.match(
        errorOf((s) => (s.cases[0].expect.args.city = { absent: true })).message,
        /args\.city: city is required by get_weather/,
      );
    });
  });

  it('reports an expected arg that is not in the tool schema', () => {
    const e = errorOf((s) => (s.cases[1].expect.args.country = 'PT'));
    assert.match(
      e.message,
      /travel\.suite\.json: cases\[1\]\.expect\.args\.country: not a parameter of get_weather \(parameters: city, date, days\)/,
    );
  });

  it('reports a case with both or neither prompt and messages', () => {
    assert.match(
      errorOf((s) => (s.cases[0].messages = [{ role: 'user', content: 'x' }])).message,
      /cases\[0\]: has both prompt and messages/,
    );
    assert.match(errorOf((s) => delete s.cases[1].prompt).message, /cases\[1\]: needs a prompt or messages/);
  });

  it('reports an expect with none or several forms', () => {
    assert.match(
      errorOf((s) => (s.cases[3].expect = {})).message,
      /cases\[3\]\.expect: needs exactly one of tool \(with args\), calls or noToolCall; got none/,
    );
    assert.match(
      errorOf((s) => (s.cases[3].expect = { noToolCall: true, tool: 'get_weather' })).message,
      /cases\[3\]\.expect: needs exactly one.*got several/,
    );
  });

  it('reports structural problems with their paths', () => {
    assert.match(errorOf((s) => delete s.name).message, /^travel\.suite\.json: name: required \(a string\)$/m);
    assert.match(
      errorOf((s) => (s.cases[0].expected = s.cases[0].expect)).message,
      /cases\[0\]\.expected: unknown key/,
    );
    assert.match(errorOf((s) => (s.cases = [])).message, /cases: must have at least 1 item/);
    assert.match(
      errorOf((s) => (s.cases[2].messages[0].role = 'bot')).message,
      /cases\[2\]\.messages\[0\]\.role: expected one of "user", "assistant", "tool"/,
    );
    assert.match(
      errorOf((s) => (s.cases[0].expect.noToolCall = false)).message,
      /cases\[0\]\.expect\.noToolCall: expected true, got a boolean/,
    );
    assert.match(errorOf((s) => (s.tools[0].name = 'get weather')).message, /tools\[0\]\.name: tool names are/);
  });

  it('lists every problem, one a line', () => {
    const e = errorOf((s) => {
      s.cases[0].expect.tool = 'nope';
      s.cases[1].id = 'w1';
    });
    assert.equal(e.issues.length, 2);
    assert.equal(e.message.split('\n').length, 2);
  });

  it('quotes keys that are not identifiers in paths', () => {
    const e = errorOf((s) => (s.cases[0].expect.args['arrival date'] = 'x'));
    assert.match(e.message, /cases\[0\]\.expect\.args\["arrival date"\]: not a parameter/);
  });
});
