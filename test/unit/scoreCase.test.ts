import { strict as assert } from 'node:assert';
import type { ToolCall, ToolSpec } from '../../src/core/models/types';
import { hasJsonType, scoreCase } from '../../src/core/suites/scoreCase';
import type { ExpectedCall, SuiteCase } from '../../src/core/suites/suiteSchema';

const TOOLS: ToolSpec[] = [
  {
    name: 'get_weather',
    parameters: {
      type: 'object',
      properties: {
        city: { type: 'string' },
        date: { type: 'string' },
        days: { type: 'integer' },
        temp: { type: 'number' },
        units: { type: ['string', 'null'] },
      },
      required: ['city'],
    },
  },
  {
    name: 'book_flight',
    parameters: {
      type: 'object',
      properties: { to: { type: 'string' }, passengers: { type: 'integer' } },
      required: ['to'],
    },
  },
  { name: 'open_tool', parameters: { type: 'object', properties: {}, additionalProperties: true } },
];

function call(name: string, args: Record<string, unknown> | string): ToolCall {
  if (typeof args === 'string')
    return { name, arguments: undefined, rawArguments: args, argumentsError: 'Unexpected end of JSON input' };
  return { name, arguments: args, rawArguments: JSON.stringify(args) };
}
const one = (tool: string, args: Record<string, unknown> = {}): Pick<SuiteCase, 'expect'> => ({
  expect: { kind: 'calls', calls: [{ tool, args }] },
});
const many = (...calls: ExpectedCall[]): Pick<SuiteCase, 'expect'> => ({ expect: { kind: 'calls', calls } });
const none: Pick<SuiteCase, 'expect'> = { expect: { kind: 'noToolCall' } };

describe('scoreCase (BFCL-style)', () => {
  it('passes the right call with matching values', () => {
    const s = scoreCase(
      one('get_weather', { city: 'Lisbon', date: '2026-12-05' }),
      [call('get_weather', { city: 'lisbon ', date: '2026-12-05' })],
      '',
      TOOLS,
    );
    assert.deepEqual(s, { pass: true, reason: null, detail: null });
  });

  it('accepts optional parameters the case does not mention', () => {
    assert.equal(
      scoreCase(one('get_weather', { city: 'Lisbon' }), [call('get_weather', { city: 'Lisbon', days: 3 })], '', TOOLS)
        .pass,
      true,
    );
  });

  it('no_call: expected a call, got text only', () => {
    const s = scoreCase(one('get_weather', { city: 'Lisbon' }), [], 'It is sunny in Lisbon.', TOOLS);
    assert.equal(s.reason, 'no_call');
    assert.equal(
      s.detail,
      'expected a call to get_weather, got no tool call; the model answered with text: "It is sunny in Lisbon."',
    );
  });

  it('unexpected_call: noToolCall but a tool was called', () => {
    assert.deepEqual(scoreCase(none, [], 'You are welcome!', TOOLS), { pass: true, reason: null, detail: null });
    const s = scoreCase(none, [call('get_weather', { city: 'Lisbon' })], '', TOOLS);
    assert.equal(s.reason, 'unexpected_call');
    assert.equal(s.detail, 'expected no tool call, got get_weather({"city":"Lisbon"})');
  });

  it('wrong_tool', () => {
    const s = scoreCase(one('get_weather', { city: 'Rome' }), [call('book_flight', { to: 'Rome' })], '', TOOLS);
    assert.equal(s.reason, 'wrong_tool');
    assert.equal(s.detail, 'expected a call to get_weather, got book_flight({"to":"Rome"})');
  });

  it('invalid_json: arguments that did not parse', () => {
    const s = scoreCase(one('get_weather', { city: 'Rome' }), [call('get_weather', '{"city": "Ro')], '', TOOLS);
    assert.equal(s.reason, 'invalid_json');
    assert.match(
      s.detail!,
      /^get_weather: arguments are not valid JSON \(Unexpected end of JSON input\): "\{\\"city\\": \\"Ro"$/,
    );
  });

  it('missing_arg: a required parameter or an expected argument is missing', () => {
    const s = scoreCase(one('get_weather', { city: 'Rome' }), [call('get_weather', { date: '2026-12-05' })], '', TOOLS);
    assert.equal(s.reason, 'missing_arg');
    assert.equal(s.detail, 'args.city: missing (required, expected "Rome")');
    const s2 = scoreCase(
      one('get_weather', { city: 'Rome', date: { any: true } }),
      [call('get_weather', { city: 'Rome' })],
      '',
      TOOLS,
    );
    assert.equal(s2.reason, 'missing_arg');
    assert.equal(s2.detail, 'args.date: missing (expected any value)');
  });

  it('unexpected_arg: a parameter outside the schema', () => {
    const s = scoreCase(
      one('get_weather', { city: 'Rome' }),
      [call('get_weather', { city: 'Rome', country: 'IT' })],
      '',
      TOOLS,
    );
    assert.equal(s.reason, 'unexpected_arg');
    assert.equal(s.detail, 'args.country: not a parameter of get_weather (got "IT")');
  });

  it('allows extra parameters when the schema says additionalProperties: true', () => {
    assert.equal(scoreCase(one('open_tool'), [call('open_tool', { anything: 1 })], '', TOOLS).pass, true);
  });

  it('type_error: types per JSON Schema, an integer is a number', () => {
    const s = scoreCase(
      one('get_weather', { city: 'Rome' }),
      [call('get_weather', { city: 'Rome', days: '3' })],
      '',
      TOOLS,
    );
    assert.equal(s.reason, 'type_error');
    assert.equal(s.detail, 'args.days: expected integer, got string "3"');
    const s2 = scoreCase(
      one('get_weather', { city: 'Rome' }),
      [call('get_weather', { city: 'Rome', days: 2.5 })],
      '',
      TOOLS,
    );
    assert.equal(s2.detail, 'args.days: expected integer, got number 2.5');
    assert.equal(
      scoreCase(one('get_weather', { city: 'Rome' }), [call('get_weather', { city: 'Rome', temp: 20 })], '', TOOLS)
        .pass,
      true,
    );
    assert.equal(
      scoreCase(one('get_weather', { city: 'Rome' }), [call('get_weather', { city: 'Rome', units: null })], '', TOOLS)
        .pass,
      true,
    );
    assert.equal(
      scoreCase(one('get_weather', { city: 'Rome' }), [call('get_weather', { city: 'Rome', units: 3 })], '', TOOLS)
        .reason,
      'type_error',
    );
  });

  it('a wrongly typed value is reported once, as type_error', () => {
    const s = scoreCase(
      one('book_flight', { to: 'Rome', passengers: 2 }),
      [call('book_flight', { to: 'Rome', passengers: '2' })],
      '',
      TOOLS,
    );
    assert.equal(s.reason, 'type_error');
    assert.equal(s.detail, 'args.passengers: expected integer, got string "2"');
  });

  it('value_error with a specific detail', () => {
    const s = scoreCase(
      one('get_weather', { city: 'Lisbon', date: '2026-12-05' }),
      [call('get_weather', { city: 'Lisbon', date: 'December 5' })],
      '',
      TOOLS,
    );
    assert.equal(s.reason, 'value_error');
    assert.equal(s.detail, 'args.date: expected "2026-12-05", got "December 5"');
    const s2 = scoreCase(
      one('get_weather', { city: 'Lisbon', days: { absent: true } }),
      [call('get_weather', { city: 'Lisbon', days: 2 })],
      '',
      TOOLS,
    );
    assert.equal(s2.reason, 'value_error');
    assert.equal(s2.detail, 'args.days: expected no value (absent), got 2');
  });

  it('names the first reason in BFCL order and lists every problem', () => {
    const s = scoreCase(
      one('get_weather', { city: 'Lisbon', date: '2026-12-05' }),
      [call('get_weather', { date: 'tomorrow', extra: 1, days: 'x' })],
      '',
      TOOLS,
    );
    assert.equal(s.reason, 'missing_arg');
    assert.deepEqual(s.detail!.split('; '), [
      'args.city: missing (required, expected "Lisbon")',
      'args.extra: not a parameter of get_weather (got 1)',
      'args.days: expected integer, got string "x"',
      'args.date: expected "2026-12-05", got "tomorrow"',
    ]);
  });

  describe('several calls', () => {
    const c = many({ tool: 'book_flight', args: { to: 'Rome' } }, { tool: 'get_weather', args: { city: 'Rome' } });
    it('match one-to-one in any order', () => {
      assert.equal(
        scoreCase(c, [call('get_weather', { city: 'Rome' }), call('book_flight', { to: 'Rome' })], '', TOOLS).pass,
        true,
      );
      assert.equal(
        scoreCase(c, [call('book_flight', { to: 'Rome' }), call('get_weather', { city: 'Rome' })], '', TOOLS).pass,
        true,
      );
    });
    it('call_count when the numbers differ', () => {
      const s = scoreCase(c, [call('book_flight', { to: 'Rome' })], '', TOOLS);
      assert.equal(s.reason, 'call_count');
      assert.equal(s.detail, 'expected 2 call(s) (book_flight, get_weather), got 1: book_flight({"to":"Rome"})');
      const s1 = scoreCase(
        one('get_weather', { city: 'Rome' }),
        [call('get_weather', { city: 'Rome' }), call('get_weather', { city: 'Rome' })],
        '',
        TOOLS,
      );
      assert.equal(s1.reason, 'call_count');
    });
    it('one call cannot satisfy two expectations', () => {
      const twice = many(
        { tool: 'get_weather', args: { city: { oneOf: ['Rome', 'Milan'] } } },
        { tool: 'get_weather', args: { city: 'Rome' } },
      );
      assert.equal(
        scoreCase(twice, [call('get_weather', { city: 'Rome' }), call('get_weather', { city: 'Milan' })], '', TOOLS)
          .pass,
        true,
      );
      const s = scoreCase(
        twice,
        [call('get_weather', { city: 'Milan' }), call('get_weather', { city: 'Milan' })],
        '',
        TOOLS,
      );
      assert.equal(s.pass, false);
      assert.equal(s.reason, 'value_error');
      assert.equal(s.detail, 'calls[1] get_weather: args.city: expected "Rome", got "Milan"');
    });
    it('explains an unmatched expectation by the free call of the same tool', () => {
      const s = scoreCase(c, [call('get_weather', { city: 'Paris' }), call('book_flight', { to: 'Rome' })], '', TOOLS);
      assert.equal(s.reason, 'value_error');
      assert.equal(s.detail, 'calls[1] get_weather: args.city: expected "Rome", got "Paris"');
      const w = scoreCase(c, [call('get_weather', { city: 'Rome' }), call('get_weather', { city: 'Rome' })], '', TOOLS);
      assert.equal(w.reason, 'wrong_tool');
      assert.match(w.detail!, /^calls\[0\] book_flight: expected a call to book_flight, got get_weather/);
    });
  });

  it('hasJsonType follows JSON Schema', () => {
    assert.equal(hasJsonType(3, 'number'), true);
    assert.equal(hasJsonType(3, 'integer'), true);
    assert.equal(hasJsonType(3.1, 'integer'), false);
    assert.equal(hasJsonType([], 'object'), false);
    assert.equal(hasJsonType({}, 'object'), true);
    assert.equal(hasJsonType([], 'array'), true);
    assert.equal(hasJsonType(null, 'null'), true);
    assert.equal(hasJsonType('true', 'boolean'), false);
  });
});
