// A failing scale-test conversation → a suite case: the messages up to the last user turn, the agent's reply
// to it as the expectation; the result is a suite the loader accepts.
import assert from 'node:assert/strict';
import { parseAgent } from '../../src/core/agents/loadAgent';
import type { ConversationSummary, TranscriptMessage } from '../../src/core/scale/types';
import { parseSuite } from '../../src/core/suites/loadSuite';
import {
  appendCase,
  caseIds,
  newSuiteFile,
  SuiteCaseError,
  suiteCaseFromConversation,
} from '../../src/extension/scale/suiteCase';

const agent = parseAgent(
  JSON.stringify({
    name: 'Hotel front desk',
    systemPrompt: 'You are the front desk.',
    tools: [
      {
        name: 'check_availability',
        description: 'Rooms free in a city on a date.',
        parameters: {
          type: 'object',
          properties: { city: { type: 'string' }, date: { type: 'string' } },
          required: ['city'],
        },
        mock: { result: { rooms: 2 } },
      },
      {
        name: 'book_room',
        description: 'Book a room.',
        parameters: {
          type: 'object',
          properties: { city: { type: 'string' }, nights: { type: 'integer' } },
          required: ['city', 'nights'],
        },
      },
    ],
  }),
  'hotel.agent.json',
);

const at = '2026-11-22T15:00:00.000Z';
const messages: TranscriptMessage[] = [
  { turn: 1, role: 'user', content: 'Any rooms in Oslo tomorrow?', at },
  {
    turn: 1,
    role: 'assistant',
    content: '',
    toolCalls: [
      {
        id: 'call_1',
        name: 'check_availability',
        arguments: { city: 'Oslo', date: '2026-11-23' },
        result: '{"rooms":2}',
      },
    ],
    at,
  },
  { turn: 1, role: 'assistant', content: 'Yes, two rooms are free.', at },
  { turn: 2, role: 'user', content: 'Book one for 2 nights.', at },
  { turn: 2, role: 'assistant', content: 'Booked! Your number is BK-999.', at },
];

function summary(patch: Partial<ConversationSummary> = {}): ConversationSummary {
  return {
    conversationId: 'conv-3',
    index: 2,
    scenario: { id: 'rude', persona: 'Impatient.', goal: 'Book in Oslo.' },
    seed: 3,
    status: 'done',
    outcome: 'fail',
    endedReason: 'user_stop',
    turns: 2,
    failureTags: ['HALLUCINATION'],
    assertionResults: [],
    costUsd: 0.001,
    promptTokens: 1,
    completionTokens: 1,
    turnLatencyMs: [],
    toolErrors: 0,
    ...patch,
  };
}

describe('scale: a failing conversation as a suite case', () => {
  it('takes the messages up to the last user turn, and noToolCall when the agent only answered it', () => {
    const c = suiteCaseFromConversation({
      runId: 'abcdef12-3456',
      conversation: summary(),
      messages,
      existingIds: new Set(),
    });
    assert.equal(c.id, 'scale-rude-abcdef12-3');
    assert.deepEqual(c.expect, { noToolCall: true });
    assert.deepEqual(c.messages, [
      { role: 'user', content: 'Any rooms in Oslo tomorrow?' },
      {
        role: 'assistant',
        content: '',
        toolCalls: [{ id: 'call_1', name: 'check_availability', arguments: { city: 'Oslo', date: '2026-11-23' } }],
      },
      { role: 'tool', toolCallId: 'call_1', name: 'check_availability', content: '{"rooms":2}' },
      { role: 'assistant', content: 'Yes, two rooms are free.' },
      { role: 'user', content: 'Book one for 2 nights.' },
    ]);
    assert.match(c.description ?? '', /conversation #3 \(HALLUCINATION\), scenario rude: the agent's reply to turn 2/);
  });

  it("expects the agent's tool call in reply to the last user turn (several calls: all of them), and avoids used ids", () => {
    const withCall: TranscriptMessage[] = [
      ...messages.slice(0, 4),
      {
        turn: 2,
        role: 'assistant',
        content: '',
        toolCalls: [{ id: 'call_2', name: 'book_room', arguments: { city: 'Oslo', nights: 2 }, result: '{"ok":true}' }],
        at,
      },
      { turn: 2, role: 'assistant', content: 'Booked.', at },
    ];
    const one = suiteCaseFromConversation({
      runId: 'abcdef12',
      conversation: summary(),
      messages: withCall,
      existingIds: new Set(['scale-rude-abcdef12-3']),
    });
    assert.equal(one.id, 'scale-rude-abcdef12-3-2');
    assert.deepEqual(one.expect, { tool: 'book_room', args: { city: 'Oslo', nights: 2 } });
    assert.equal(one.messages?.at(-1)?.role, 'user', 'the reply itself is not part of the input');

    const two = withCall.slice(0, 4).concat({
      turn: 2,
      role: 'assistant',
      content: '',
      toolCalls: [
        { id: 'a', name: 'check_availability', arguments: null, result: 'error' },
        { id: 'b', name: 'book_room', arguments: { city: 'Oslo', nights: 2 }, result: '{}' },
      ],
      at,
    });
    const many = suiteCaseFromConversation({
      runId: 'r',
      conversation: summary({ scenario: null }),
      messages: two,
      existingIds: new Set(),
    });
    assert.equal(many.id, 'scale-goal-r-3');
    assert.deepEqual(many.expect, {
      calls: [
        { tool: 'check_availability', args: {} },
        { tool: 'book_room', args: { city: 'Oslo', nights: 2 } },
      ],
    });
  });

  it('refuses a conversation the agent never answered', () => {
    assert.throws(
      () =>
        suiteCaseFromConversation({
          runId: 'r',
          conversation: summary(),
          messages: messages.slice(0, 1),
          existingIds: new Set(),
        }),
      (e: unknown) => e instanceof SuiteCaseError && /no agent reply to its last user message/.test(e.message),
    );
    assert.throws(
      () => suiteCaseFromConversation({ runId: 'r', conversation: summary(), messages: [], existingIds: new Set() }),
      /no user message/,
    );
  });

  it('writes a new suite with the agent tools (without mocks), or appends to one and adds only the missing tools; both load', () => {
    const c = suiteCaseFromConversation({
      runId: 'abcdef12',
      conversation: summary(),
      messages,
      existingIds: new Set(),
    });
    const fresh = newSuiteFile(agent, c);
    assert.deepEqual(
      fresh.tools.map((t) => t.name),
      ['check_availability', 'book_room'],
    );
    assert.equal('mock' in (fresh.tools[0] as object), false);
    const loaded = parseSuite(JSON.stringify(fresh), 'new.suite.json');
    assert.equal(loaded.cases.length, 1);
    assert.deepEqual(loaded.cases[0]!.expect, { kind: 'noToolCall' });

    const existing = {
      name: 'Travel',
      tools: [{ name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } }],
      cases: [{ id: 'w1', prompt: 'Weather in Oslo?', expect: { tool: 'get_weather', args: { city: 'Oslo' } } }],
    };
    const second = suiteCaseFromConversation({
      runId: 'abcdef12',
      conversation: summary(),
      messages,
      existingIds: caseIds(existing),
    });
    const { suite, addedTools } = appendCase(existing, second, agent);
    assert.deepEqual(addedTools, ['check_availability'], 'the tool its messages call; book_room is not used');
    const merged = parseSuite(JSON.stringify(suite), 'travel.suite.json');
    assert.deepEqual(
      merged.cases.map((x) => x.id),
      ['w1', 'scale-rude-abcdef12-3'],
    );
    assert.equal(existing.cases.length, 1, 'the parsed file is not changed in place');
    assert.throws(() => appendCase([], second, agent), /not a JSON object/);
  });
});
