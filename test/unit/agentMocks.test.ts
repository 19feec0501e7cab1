import { strict as assert } from 'node:assert';
import { checkArgs } from '../../src/core/agents/argsCheck';
import { parseAgent } from '../../src/core/agents/loadAgent';
import { answerToolCall } from '../../src/core/agents/mocks';

const agent = parseAgent(
  JSON.stringify({
    name: 'Desk',
    systemPrompt: 'You are a hotel desk.',
    tools: [
      {
        name: 'search_rooms',
        parameters: {
          type: 'object',
          properties: {
            city: { type: 'string' },
            nights: { type: 'integer', minimum: 1, maximum: 30 },
            room_type: { type: 'string', enum: ['single', 'double', 'suite'] },
            extras: { type: 'array', items: { type: 'string', enum: ['breakfast', 'parking'] } },
            check_in: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' },
          },
          required: ['city', 'nights'],
          additionalProperties: false,
        },
        mock: {
          responses: [
            { when: { city: 'Oslo', room_type: 'suite' }, result: { rooms: ['S-1'] } },
            { when: { city: 'Oslo' }, result: { rooms: ['R-1', 'R-2'] } },
            { when: { city: { regex: '^ber', flags: 'i' } }, result: { rooms: ['B-1'] } },
            { when: { nights: { min: 10 } }, result: { rooms: [], note: 'long stays by phone' } },
            { when: { city: { oneOf: ['Rome', 'Milan'] }, room_type: { absent: true } }, result: { rooms: ['I-1'] } },
          ],
          result: { rooms: [] },
        },
      },
      {
        name: 'get_info',
        parameters: { type: 'object', properties: { topic: { type: 'string' } } },
        mock: { result: 'Breakfast 7-10' },
      },
      { name: 'ping', parameters: { type: 'object' } },
    ],
  }),
  'desk.agent.json',
);

const call = (
  name: string,
  args: Record<string, unknown> | undefined,
  raw = args === undefined ? '{bad' : JSON.stringify(args),
) => answerToolCall(agent, { name, arguments: args, rawArguments: raw });

describe('agent mocks', () => {
  it('answers with the first `when` that matches, as JSON text', () => {
    assert.deepEqual(call('search_rooms', { city: 'Oslo', nights: 2, room_type: 'suite' }), {
      result: '{"rooms":["S-1"]}',
    });
    assert.deepEqual(call('search_rooms', { city: 'Oslo', nights: 2, room_type: 'double' }), {
      result: '{"rooms":["R-1","R-2"]}',
    });
  });

  it('compares literals as suites do: strings trimmed and case-insensitive', () => {
    assert.deepEqual(JSON.parse(call('search_rooms', { city: '  oslo ', nights: 1 }).result), {
      rooms: ['R-1', 'R-2'],
    });
  });

  it('uses the suite matchers: regex, min/max, oneOf and absent', () => {
    assert.deepEqual(JSON.parse(call('search_rooms', { city: 'Bergen', nights: 1 }).result), { rooms: ['B-1'] });
    assert.deepEqual(JSON.parse(call('search_rooms', { city: 'Paris', nights: 12 }).result), {
      rooms: [],
      note: 'long stays by phone',
    });
    assert.deepEqual(JSON.parse(call('search_rooms', { city: 'Rome', nights: 1 }).result), { rooms: ['I-1'] });
    // room_type given: { absent: true } fails, so the fallback answers.
    assert.deepEqual(JSON.parse(call('search_rooms', { city: 'Rome', nights: 1, room_type: 'single' }).result), {
      rooms: [],
    });
  });

  it('falls back to `result`, else {"ok":true}', () => {
    assert.deepEqual(call('search_rooms', { city: 'Paris', nights: 1 }), { result: '{"rooms":[]}' });
    assert.deepEqual(call('get_info', { topic: 'breakfast' }), { result: '"Breakfast 7-10"' });
    assert.deepEqual(call('ping', {}), { result: '{"ok":true}' });
  });

  it('answers an unknown tool with a tool error', () => {
    assert.deepEqual(call('book_room', { room: 'R-1' }), {
      result: '{"error":"unknown tool book_room"}',
      error: 'unknown tool book_room',
    });
  });

  it('answers arguments that are not JSON with a tool error', () => {
    const answer = call('search_rooms', undefined, '{"city": "Oslo"');
    assert.match(answer.error ?? '', /^arguments are not valid JSON: /);
    assert.deepEqual(JSON.parse(answer.result), { error: answer.error });
  });

  it('answers arguments that fail the schema with a tool error naming the argument', () => {
    const answer = call('search_rooms', { city: 'Oslo', nights: '2' });
    assert.equal(answer.error, 'invalid arguments: arguments.nights: expected integer, got a string ("2")');
    assert.deepEqual(JSON.parse(answer.result), { error: answer.error });
    assert.match(call('search_rooms', { city: 'Oslo' }).error ?? '', /arguments\.nights: required, but missing/);
  });
});

describe('tool argument check', () => {
  const schema = agent.tools[0]!.parameters;
  it('accepts conforming arguments', () => {
    assert.deepEqual(
      checkArgs(schema, { city: 'Oslo', nights: 3, room_type: 'single', extras: ['parking'], check_in: '2026-12-05' }),
      [],
    );
  });

  it('names each problem with its path', () => {
    assert.deepEqual(
      checkArgs(schema, {
        city: 7,
        nights: 0,
        room_type: 'penthouse',
        extras: ['spa'],
        check_in: 'December 5',
        notes: 'x',
      }),
      [
        'arguments.city: expected string, got a number (7)',
        'arguments.nights: must be ≥ 1, got 0',
        'arguments.room_type: expected one of "single", "double", "suite", got "penthouse"',
        'arguments.extras[0]: expected one of "breakfast", "parking", got "spa"',
        'arguments.check_in: must match ^\\d{4}-\\d{2}-\\d{2}$, got "December 5"',
        'arguments.notes: not a parameter (allowed: city, nights, room_type, extras, check_in)',
      ],
    );
    assert.deepEqual(checkArgs(schema, { city: 'Oslo', nights: 31.5 }), [
      'arguments.nights: expected integer, got a number (31.5)',
    ]);
    assert.deepEqual(checkArgs(schema, { city: 'Oslo', nights: 31 }), ['arguments.nights: must be ≤ 30, got 31']);
  });

  it('leaves extra arguments alone unless additionalProperties is false, and checks nested objects', () => {
    const open = {
      type: 'object',
      properties: { guest: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } },
    };
    assert.deepEqual(checkArgs(open, { guest: { name: 'Ana' }, anything: 1 }), []);
    assert.deepEqual(checkArgs(open, { guest: {} }), ['arguments.guest.name: required, but missing']);
    assert.deepEqual(checkArgs({ type: ['string', 'null'] }, null), []);
    assert.deepEqual(checkArgs({ type: 'object', additionalProperties: { type: 'number' } }, { a: 1, b: 'x' }), [
      'arguments.b: expected number, got a string ("x")',
    ]);
  });
});
