import { strict as assert } from 'node:assert';
import {
  MAX_TOOL_ROUNDS,
  maxCallsPerConversation,
  runConversation,
  type ConversationInput,
} from '../../src/core/agents/conversation';
import { AgentError, parseAgent } from '../../src/core/agents/loadAgent';
import { PERSONAS, scenarioForRun } from '../../src/core/agents/personas';
import { parseUserReply, STOP_TOKEN, userSystemPrompt, userView } from '../../src/core/agents/userSimulator';
import type { Agent } from '../../src/core/agents/agentSchema';
import {
  ModelError,
  type CallOptions,
  type ModelGateway,
  type ModelRequest,
  type ModelResult,
  type ToolCall,
} from '../../src/core/models/types';
import type { TranscriptMessage } from '../../src/core/scale/types';
import { noGatewayStats } from '../support/gatewayStats';

function agentWith(extra: Record<string, unknown> = {}): Agent {
  return parseAgent(
    JSON.stringify({
      name: 'Desk',
      systemPrompt: 'You are a hotel desk.',
      tools: [
        {
          name: 'search_rooms',
          description: 'Find rooms.',
          parameters: {
            type: 'object',
            properties: { city: { type: 'string' }, nights: { type: 'integer' } },
            required: ['city'],
            additionalProperties: false,
          },
          mock: { responses: [{ when: { city: 'Oslo' }, result: { rooms: ['R-1'] } }], result: { rooms: [] } },
        },
      ],
      ...extra,
    }),
    'desk.agent.json',
  );
}

type Reply = { text?: string; toolCalls?: ToolCall[]; costUsd?: number | null } | Error;
type Role = 'agent' | 'user';

/** A gateway that answers each role from its script, in order, and records every request. */
function scriptedGateway(script: Record<Role, Reply[] | ((req: ModelRequest) => Reply)>) {
  const requests: { role: Role; request: ModelRequest; options: CallOptions | undefined }[] = [];
  const next: Record<Role, number> = { agent: 0, user: 0 };
  const gateway: ModelGateway = {
    async call(request, options) {
      const role: Role = request.system?.includes('<persona>') ? 'user' : 'agent';
      requests.push({ role, request: structuredClone(request), options });
      if (options?.signal?.aborted) throw new ModelError('cancelled', 'aborted');
      const s = script[role];
      const reply = typeof s === 'function' ? s(request) : s[next[role]++];
      if (reply === undefined) throw new Error(`no scripted ${role} reply #${next[role]}`);
      if (reply instanceof Error) throw reply;
      return result(reply.text ?? '', reply.toolCalls ?? [], reply.costUsd === undefined ? 0.001 : reply.costUsd);
    },
    onEvent: () => () => {},
    stats: noGatewayStats,
    measuredLatencyMs: () => undefined,
  };
  return { gateway, requests, byRole: (role: Role) => requests.filter((r) => r.role === role) };
}

function result(text: string, toolCalls: ToolCall[], costUsd: number | null): ModelResult {
  return {
    model: 'openai/sim-1',
    text,
    toolCalls,
    usage: { inputTokens: 10, outputTokens: 5, cachedInputTokens: 0 },
    latencyMs: 40,
    costUsd,
    cached: false,
  };
}

function toolCall(name: string, args: Record<string, unknown> | undefined, id?: string): ToolCall {
  return {
    ...(id ? { id } : {}),
    name,
    arguments: args,
    rawArguments: args === undefined ? '{"city": ' : JSON.stringify(args),
  };
}

const SCENARIO = {
  id: 'rude',
  persona: 'An impatient guest.',
  goal: 'Find a room in Oslo.',
  openingMessage: 'Room in Oslo, now.',
};

function input(gateway: ModelGateway, over: Partial<ConversationInput> = {}) {
  const seen = {
    messages: [] as TranscriptMessage[],
    calls: [] as Role[],
    turns: [] as Parameters<ConversationInput['onTurn']>[0][],
  };
  const value: ConversationInput = {
    agent: agentWith(),
    systemPrompt: 'You are a hotel desk. Be brief.',
    scenario: SCENARIO,
    models: { agent: 'openai/agent-1', user: 'openai/user-1' },
    seed: 42,
    temperature: 0.3,
    gateway,
    signal: new AbortController().signal,
    callOptions: (role) => ({ cache: role === 'agent' }),
    onMessage: (m) => seen.messages.push(m),
    onCall: (role) => seen.calls.push(role),
    onTurn: (t) => seen.turns.push(t),
    ...over,
  };
  return { value, seen };
}

describe('conversation loop', () => {
  it('sends the opening verbatim, answers tool calls from the mock, feeds them back and ends on ###STOP###', async () => {
    const g = scriptedGateway({
      agent: [
        { text: 'Let me look.', toolCalls: [toolCall('search_rooms', { city: 'oslo' })] },
        { text: 'Room R-1 is free.' },
      ],
      user: [{ text: STOP_TOKEN }],
    });
    const { value, seen } = input(g.gateway);
    const out = await runConversation(value);

    assert.equal(out.endedReason, 'user_stop');
    assert.equal(out.turns, 1);
    assert.equal(out.toolErrors, 0);
    assert.deepEqual(
      out.messages.map((m) => [m.turn, m.role, m.content]),
      [
        [1, 'user', 'Room in Oslo, now.'],
        [1, 'assistant', 'Let me look.'],
        [1, 'assistant', 'Room R-1 is free.'],
      ],
    );
    assert.deepEqual(out.messages[1]!.toolCalls, [
      { id: 'call_1', name: 'search_rooms', arguments: { city: 'oslo' }, result: '{"rooms":["R-1"]}' },
    ]);
    assert.deepEqual(seen.messages, out.messages, 'every message is reported as it happens');
    assert.deepEqual(seen.calls, ['agent', 'agent', 'user']);
    assert.deepEqual(seen.turns, [
      { turn: 1, agentText: 'Let me look.\n\nRoom R-1 is free.', toolCalls: 1, latencyMs: 80, costUsd: 0.002 },
    ]);

    const [first, second] = g.byRole('agent');
    assert.equal(first!.request.system, 'You are a hotel desk. Be brief.');
    assert.deepEqual(first!.request.tools, [
      { name: 'search_rooms', description: 'Find rooms.', parameters: value.agent.tools[0]!.parameters },
    ]);
    assert.equal(first!.request.seed, 42);
    assert.equal(first!.request.temperature, 0.3);
    assert.equal(first!.options?.cache, true, 'call options come from callOptions(role)');
    assert.equal(first!.options.signal, value.signal);
    assert.deepEqual(second!.request.messages, [
      { role: 'user', content: 'Room in Oslo, now.' },
      {
        role: 'assistant',
        content: 'Let me look.',
        toolCalls: [
          { id: 'call_1', name: 'search_rooms', arguments: { city: 'oslo' }, rawArguments: '{"city":"oslo"}' },
        ],
      },
      { role: 'tool', toolCallId: 'call_1', name: 'search_rooms', content: '{"rooms":["R-1"]}' },
    ]);
  });

  it('shows the simulated user the conversation from its side, without tool calls', async () => {
    const g = scriptedGateway({
      agent: [
        { text: '', toolCalls: [toolCall('search_rooms', { city: 'Oslo' }, 'c9')] },
        { text: 'R-1 is free.' },
        { text: 'Booked.' },
      ],
      user: [{ text: 'Book it.' }, { text: `Thanks. ${STOP_TOKEN}` }],
    });
    const out = await runConversation(input(g.gateway).value);
    assert.equal(out.endedReason, 'user_stop');
    assert.equal(out.turns, 2);
    assert.equal(out.messages.at(-1)!.content, 'Booked.', 'the text before ###STOP### is not sent');
    const userCalls = g.byRole('user');
    const last = userCalls.at(-1)!.request;
    assert.equal(last.tools, undefined);
    assert.equal(last.model, 'openai/user-1');
    assert.equal(last.seed, 42);
    assert.equal(last.temperature, 0.3);
    assert.match(last.system ?? '', /<persona>\nAn impatient guest\.\n<\/persona>/);
    assert.match(last.system ?? '', /<goal>\nFind a room in Oslo\.\n<\/goal>/);
    assert.ok(last.system?.includes(STOP_TOKEN));
    assert.deepEqual(
      last.messages.map((m) => [m.role, m.content]),
      [
        ['user', 'Hi! How can I help you today?'],
        ['assistant', 'Room in Oslo, now.'],
        ['user', 'R-1 is free.'],
        ['assistant', 'Book it.'],
        ['user', 'Booked.'],
      ],
    );
    assert.equal(out.messages[1]!.toolCalls?.[0]?.id, 'c9', 'a provider call id is kept');
  });

  it('asks the simulated user for the opening when the scenario has none', async () => {
    const g = scriptedGateway({
      agent: [{ text: 'Hello!' }],
      user: [{ text: '  Any rooms in Oslo?  ' }, { text: STOP_TOKEN }],
    });
    const out = await runConversation(
      input(g.gateway, { scenario: { id: null, persona: 'Terse.', goal: 'Find a room.' } }).value,
    );
    assert.equal(out.messages[0]!.content, 'Any rooms in Oslo?');
    assert.equal(out.messages[0]!.latencyMs, 40);
    assert.deepEqual(
      g.requests.map((r) => r.role),
      ['user', 'agent', 'user'],
    );
    assert.deepEqual(g.requests[0]!.request.messages, [{ role: 'user', content: 'Hi! How can I help you today?' }]);
  });

  it('ends at maxTurns user turns, asking the user once more so a goal met on the last turn is a stop', async () => {
    const agent = agentWith({ maxTurns: 2 });
    const chatty = scriptedGateway({
      agent: () => ({ text: 'Anything else?' }),
      user: () => ({ text: 'Tell me more.' }),
    });
    const out = await runConversation(input(chatty.gateway, { agent }).value);
    assert.equal(out.endedReason, 'max_turns');
    assert.equal(out.turns, 2);
    assert.equal(out.messages.filter((m) => m.role === 'user').length, 2);
    assert.equal(chatty.byRole('user').length, 2);
    assert.ok(chatty.byRole('user').length <= maxCallsPerConversation(2, true).user);

    const satisfied = scriptedGateway({
      agent: () => ({ text: 'Done.' }),
      user: [{ text: 'And breakfast?' }, { text: STOP_TOKEN }],
    });
    const stopped = await runConversation(input(satisfied.gateway, { agent }).value);
    assert.equal(stopped.endedReason, 'user_stop');
    assert.equal(stopped.turns, 2);
  });

  it('records unknown tools and bad arguments as tool errors and feeds the error back', async () => {
    const g = scriptedGateway({
      agent: [
        {
          toolCalls: [
            toolCall('book_room', { room: 'R-1' }),
            toolCall('search_rooms', { city: 'Oslo', nights: 'two' }),
            toolCall('search_rooms', undefined),
          ],
        },
        { text: 'Sorry, something went wrong.' },
      ],
      user: [{ text: STOP_TOKEN }],
    });
    const out = await runConversation(input(g.gateway).value);
    assert.equal(out.toolErrors, 3);
    const calls = out.messages[1]!.toolCalls!;
    assert.deepEqual(
      calls.map((c) => c.error),
      [
        'unknown tool book_room',
        'invalid arguments: arguments.nights: expected integer, got a string ("two")',
        'arguments are not valid JSON: "{\\"city\\": "',
      ],
    );
    assert.equal(calls[2]!.arguments, null);
    const toolMessages = g.byRole('agent')[1]!.request.messages.filter((m) => m.role === 'tool');
    assert.deepEqual(
      toolMessages.map((m) => JSON.parse(m.content).error),
      calls.map((c) => c.error),
    );
  });

  it(`answers at most ${MAX_TOOL_ROUNDS} rounds of tool calls per turn`, async () => {
    const g = scriptedGateway({
      agent: () => ({ text: '', toolCalls: [toolCall('search_rooms', { city: 'Oslo' })] }),
      user: [{ text: STOP_TOKEN }],
    });
    const { value, seen } = input(g.gateway);
    const out = await runConversation(value);
    assert.equal(out.endedReason, 'user_stop');
    assert.equal(g.byRole('agent').length, MAX_TOOL_ROUNDS + 1);
    const results = out.messages.flatMap((m) => m.toolCalls ?? []).map((c) => c.result);
    assert.equal(results.filter((r) => r === '{"rooms":["R-1"]}').length, MAX_TOOL_ROUNDS);
    assert.match(results.at(-1)!, /at most 5 rounds/);
    assert.equal(out.toolErrors, 0);
    assert.equal(seen.turns[0]!.toolCalls, MAX_TOOL_ROUNDS + 1);
  });

  it('ends as "budget" when a call is refused, keeping the messages so far', async () => {
    const g = scriptedGateway({
      agent: [{ text: 'Which dates?' }, new ModelError('budget', 'the run budget of $0.01 would be exceeded')],
      user: [{ text: 'December 5.' }],
    });
    const out = await runConversation(input(g.gateway).value);
    assert.equal(out.endedReason, 'budget');
    assert.match(out.error ?? '', /budget/);
    assert.equal(out.turns, 2);
    assert.deepEqual(
      out.messages.map((m) => m.content),
      ['Room in Oslo, now.', 'Which dates?', 'December 5.'],
    );
  });

  it('ends as "cancelled" on abort, without a further call', async () => {
    const controller = new AbortController();
    const g = scriptedGateway({
      agent: [{ text: 'Which dates?' }],
      user: () => {
        controller.abort();
        throw new ModelError('cancelled', 'The call was cancelled.');
      },
    });
    const out = await runConversation(input(g.gateway, { signal: controller.signal }).value);
    assert.equal(out.endedReason, 'cancelled');
    assert.equal(out.messages.length, 2);
    assert.equal(out.error, undefined);

    const early = new AbortController();
    early.abort();
    const idle = scriptedGateway({ agent: [], user: [] });
    const none = await runConversation(input(idle.gateway, { signal: early.signal }).value);
    assert.equal(none.endedReason, 'cancelled');
    assert.equal(idle.requests.length, 0);
  });

  it('ends as "error" on a provider error, keeping the messages and the error', async () => {
    const g = scriptedGateway({
      agent: [{ text: 'Which dates?' }, new ModelError('server', 'openai answered 500 after 3 retries', 500, 'openai')],
      user: [{ text: 'December 5.' }],
    });
    const out = await runConversation(input(g.gateway).value);
    assert.equal(out.endedReason, 'error');
    assert.equal(out.error, 'openai answered 500 after 3 retries');
    assert.equal(out.messages.length, 3);
  });

  it('never rejects, even when a callback throws or the simulated user sends nothing', async () => {
    const g = scriptedGateway({ agent: () => ({ text: 'Hi' }), user: [{ text: '   ' }] });
    const empty = await runConversation(input(g.gateway).value);
    assert.equal(empty.endedReason, 'error');
    assert.match(empty.error ?? '', /simulated user sent an empty message/);

    const g2 = scriptedGateway({ agent: () => ({ text: 'Hi' }), user: () => ({ text: 'ok' }) });
    const broken = await runConversation(
      input(g2.gateway, {
        onMessage: () => {
          throw new Error('disk full');
        },
      }).value,
    );
    assert.equal(broken.endedReason, 'error');
    assert.equal(broken.error, 'disk full');
  });

  it('reports an unknown price as an unknown turn cost, never as 0', async () => {
    const g = scriptedGateway({
      agent: [{ text: 'a', toolCalls: [toolCall('search_rooms', { city: 'Oslo' })], costUsd: null }, { text: 'b' }],
      user: [{ text: STOP_TOKEN }],
    });
    const { value, seen } = input(g.gateway);
    await runConversation(value);
    assert.equal(seen.turns[0]!.costUsd, null);
  });
});

describe('simulated user', () => {
  it('states the τ-bench rules with the persona, the goal and the stop token', () => {
    const prompt = userSystemPrompt({ persona: 'A terse guest.', goal: 'Cancel HX4821.' });
    assert.match(prompt, /<persona>\nA terse guest\.\n<\/persona>/);
    assert.match(prompt, /<goal>\nCancel HX4821\.\n<\/goal>/);
    assert.match(prompt, /one message at a time/i);
    assert.match(prompt, /Reveal only what/);
    assert.match(prompt, /Never invent/);
    assert.match(prompt, /Keep the persona/);
    assert.match(prompt, /###STOP### alone/);
    assert.doesNotMatch(prompt, /<current_prompt>/);
  });

  it('reads ###STOP### anywhere in a reply as the end, and an empty reply as empty', () => {
    assert.deepEqual(parseUserReply('###STOP###'), { kind: 'stop' });
    assert.deepEqual(parseUserReply('Great, thanks!\n###STOP###'), { kind: 'stop' });
    assert.deepEqual(parseUserReply('  Two nights.\n'), { kind: 'message', text: 'Two nights.' });
    assert.deepEqual(parseUserReply(' \n'), { kind: 'empty' });
  });

  it('merges the agent messages of one turn and shows an agent turn without text as "(no reply)"', () => {
    const at = new Date().toISOString();
    const view = userView([
      { turn: 1, role: 'user', content: 'Hi', at },
      { turn: 1, role: 'assistant', content: '', toolCalls: [{ id: 'c', name: 't', arguments: {}, result: '{}' }], at },
      { turn: 1, role: 'assistant', content: 'One.', at },
      { turn: 1, role: 'assistant', content: 'Two.', at },
      { turn: 2, role: 'user', content: 'Ok', at },
      { turn: 2, role: 'assistant', content: '', at },
    ]);
    assert.deepEqual(
      view.map((m) => m.content),
      ['Hi! How can I help you today?', 'Hi', 'One.\n\nTwo.', 'Ok', '(no reply)'],
    );
  });
});

describe('scenario for a run', () => {
  const scenarios = [
    { id: 'a', persona: 'P-a', goal: 'G-a', openingMessage: 'Hello a' },
    { id: 'b', persona: 'P-b', goal: 'G-b' },
    { id: 'c', persona: 'P-c', goal: 'G-c' },
  ];

  it('plays scenario i mod S, whatever the seed and the form say', () => {
    const agent = agentWith({ scenarios });
    const ids = [0, 1, 2, 3, 4, 5, 6].map(
      (i) => scenarioForRun(agent, i, 9, { goal: 'ignored', userMessage: 'ignored' }).id,
    );
    assert.deepEqual(ids, ['a', 'b', 'c', 'a', 'b', 'c', 'a']);
    assert.deepEqual(scenarioForRun(agent, 3, 1, {}), {
      id: 'a',
      persona: 'P-a',
      goal: 'G-a',
      openingMessage: 'Hello a',
    });
    assert.equal('openingMessage' in scenarioForRun(agent, 1, 1, {}), false);
  });

  it('without scenarios, uses the form goal and message, with a persona that varies by seed', () => {
    const agent = agentWith();
    const runs = [0, 1, 2, 3, 4, 5].map((i) =>
      scenarioForRun(agent, i, 100, { goal: 'Book a room in Oslo.', userMessage: 'Hi, a room in Oslo please' }),
    );
    assert.ok(
      runs.every(
        (r) => r.id === null && r.goal === 'Book a room in Oslo.' && r.openingMessage === 'Hi, a room in Oslo please',
      ),
    );
    assert.equal(new Set(runs.map((r) => r.persona)).size, 6, 'six runs meet six different personas');
    assert.ok(runs.every((r) => PERSONAS.includes(r.persona)));
    // Replayable: the same seed and index give the same persona; another seed shifts them.
    assert.equal(scenarioForRun(agent, 2, 100, { goal: 'g' }).persona, runs[2]!.persona);
    assert.notEqual(scenarioForRun(agent, 2, 101, { goal: 'g' }).persona, runs[2]!.persona);
    assert.equal(scenarioForRun(agent, 0, -3, { goal: 'g' }).persona, PERSONAS[PERSONAS.length - 3]);
  });

  it('has at least six distinct personas, among them impatient, confused, terse, chatty, skeptical and polite', () => {
    assert.ok(new Set(PERSONAS).size >= 6);
    for (const word of ['impatient', 'confused', 'terse', 'chatty', 'skeptical', 'polite'])
      assert.ok(
        PERSONAS.some((p) => p.toLowerCase().includes(word)),
        word,
      );
  });

  it('derives a goal from the message alone, and leaves the opening to the user simulator with a goal alone', () => {
    const agent = agentWith();
    assert.match(scenarioForRun(agent, 0, 1, { userMessage: 'Cancel HX4821' }).goal, /Cancel HX4821/);
    assert.equal(scenarioForRun(agent, 0, 1, { goal: 'Cancel HX4821' }).openingMessage, undefined);
  });

  it('refuses a run with no scenarios and no goal or message, saying what to add', () => {
    assert.throws(
      () => scenarioForRun(agentWith(), 0, 1, { goal: ' ', userMessage: '' }),
      (e: unknown) =>
        e instanceof AgentError &&
        /add scenarios to the agent file, or fill in the goal and the user message/.test(e.message),
    );
  });
});
