// Scale grading without a model: each assertion type and scope, the refusal heuristic, the built-ins and
// their FailureTags, external result mapping, and the three-outcome rules.
import { strict as assert } from 'node:assert';
import { parseAgent } from '../../src/core/agents/loadAgent';
import type { AgentFile } from '../../src/core/agents/agentSchema';
import { ModelError, type ModelGateway, type ModelRequest, type ModelResult } from '../../src/core/models/types';
import {
  ASSERTION_REGISTRY,
  labelOf,
  scopeOf,
  tagOf,
  type ScaleAssertion,
} from '../../src/core/scale/grading/assertionRegistry';
import {
  assertionsFor,
  judgeCallsPerConversation,
  NO_MARKDOWN_HEADING,
} from '../../src/core/scale/grading/assertionsFor';
import { createBuiltinEvaluator } from '../../src/core/scale/grading/builtinEvaluator';
import { fromExternal, normalizeTag, tagForAssertionName } from '../../src/core/scale/grading/externalResults';
import { gradeAssertion } from '../../src/core/scale/grading/gradeAssertion';
import { containsJson, extractJsonObjects, isJson } from '../../src/core/scale/grading/jsonAssertions';
import type { JudgeCall } from '../../src/core/scale/grading/judge';
import { outcomeOf } from '../../src/core/scale/grading/outcome';
import { classifyRefusal, isRefusal, notIsRefusal } from '../../src/core/scale/grading/refusal';
import { agentReplies, partsFor, renderTranscript } from '../../src/core/scale/grading/transcriptParts';
import type { EvaluationResult, TranscriptMessage } from '../../src/core/scale/types';
import { noGatewayStats } from '../support/gatewayStats';

const AT = '2026-01-01T00:00:00.000Z';
const user = (turn: number, content: string): TranscriptMessage => ({ turn, role: 'user', content, at: AT });
const agentSays = (turn: number, content: string): TranscriptMessage => ({ turn, role: 'assistant', content, at: AT });

/** Three turns: a tool call, a bold reply, a plain final reply. */
const CONVERSATION: TranscriptMessage[] = [
  user(1, 'Book a room in Oslo for 2 nights'),
  {
    turn: 1,
    role: 'assistant',
    content: '',
    toolCalls: [
      { id: 'c1', name: 'book_room', arguments: { city: 'Oslo', nights: 2 }, result: '{"ok":true,"code":"OS123"}' },
    ],
    at: AT,
  },
  agentSays(1, 'Booked: your code is **OS123**.'),
  user(2, 'And breakfast?'),
  agentSays(2, 'Breakfast is included from 7 to 10.'),
  user(3, 'Thanks'),
  agentSays(3, 'You are welcome, enjoy Oslo!'),
];

function agentOf(extra: Partial<AgentFile> = {}) {
  return parseAgent(
    JSON.stringify({ name: 'Desk', systemPrompt: 'You are a hotel desk.', ...extra }),
    'desk.agent.json',
  );
}

interface FakeJudge {
  call: JudgeCall;
  requests: ModelRequest[];
}

/** A judge that answers each request with the next reply (or throws it). */
function fakeJudge(replies: (string | Error)[]): FakeJudge {
  const requests: ModelRequest[] = [];
  const gateway: ModelGateway = {
    async call(request: ModelRequest): Promise<ModelResult> {
      requests.push(request);
      const next = replies.shift() ?? '{"reason":"ok","pass":true,"score":1}';
      if (next instanceof Error) throw next;
      return {
        model: request.model,
        text: next,
        toolCalls: [],
        usage: { inputTokens: 10, outputTokens: 5, cachedInputTokens: 0 },
        latencyMs: 1,
        costUsd: 0.001,
        cached: false,
      };
    },
    onEvent: () => () => undefined,
    stats: noGatewayStats,
    measuredLatencyMs: () => undefined,
  };
  return {
    requests,
    call: {
      gateway,
      model: 'openai/sim-1',
      signal: new AbortController().signal,
      callOptions: {},
      onCall: () => undefined,
      seed: 5,
    },
  };
}

const grade = (a: ScaleAssertion, messages = CONVERSATION, judge = fakeJudge([])) =>
  gradeAssertion(a, messages, judge.call);

describe('scale grading: assertion types and scopes', () => {
  it('contains looks at any reply by default; final and each narrow it', async () => {
    const any = await grade({ type: 'contains', value: 'OS123' });
    assert.equal(any.scope, 'any');
    assert.equal(any.pass, true);
    assert.equal(any.turn, 1);
    assert.equal((await grade({ type: 'contains', value: 'OS123', scope: 'final' })).pass, false);
    assert.equal((await grade({ type: 'contains', value: 'o', scope: 'each' })).pass, true);
    const each = await grade({ type: 'contains', value: 'code', scope: 'each' });
    assert.equal(each.pass, false, 'turn 2 says nothing of the code');
    assert.equal(each.turn, 2);
    assert.match(each.details, /^2 of 3 agent replies failed; first turn 2/);
  });

  it('contains is case-sensitive, icontains is not', async () => {
    assert.equal((await grade({ type: 'contains', value: 'BREAKFAST' })).pass, false);
    assert.equal((await grade({ type: 'icontains', value: 'BREAKFAST' })).pass, true);
  });

  it('not-contains checks every reply by default and names the turn that broke it', async () => {
    const r = await grade({ type: 'not-contains', value: '**', tag: 'FORMAT_ERROR' });
    assert.equal(r.scope, 'each');
    assert.equal(r.pass, false);
    assert.equal(r.turn, 1);
    assert.equal(r.tag, 'FORMAT_ERROR');
    assert.match(r.details, /turn 1: contains "\*\*"/);
    assert.equal((await grade({ type: 'not-contains', value: '**', scope: 'final' })).pass, true);
  });

  it('the transcript scope sees every role, tool calls included', async () => {
    assert.equal(
      (await grade({ type: 'contains', value: 'breakfast?', scope: 'transcript' })).pass,
      true,
      'a user line',
    );
    assert.equal(
      (await grade({ type: 'contains', value: 'book_room', scope: 'transcript' })).pass,
      true,
      'a tool line',
    );
    assert.equal(
      (await grade({ type: 'contains', value: 'breakfast?', scope: 'any' })).pass,
      false,
      'agent replies only',
    );
  });

  it('regex is promptfoo’s new RegExp(value) on each reply', async () => {
    const r = await grade({ type: 'regex', value: '[.!]$' });
    assert.equal(r.scope, 'each');
    assert.equal(r.pass, true);
    assert.equal((await grade({ type: 'regex', value: '^You' })).pass, false);
    assert.equal((await grade({ type: 'regex', value: '^You', scope: 'final' })).pass, true);
  });

  it('the plain-format heading check fails on a Markdown heading line and nothing else', () => {
    const check = ASSERTION_REGISTRY.regex.check!;
    assert.equal(check('Hello.\n## Rooms\n- one', NO_MARKDOWN_HEADING).pass, false);
    assert.equal(check('# Rooms', NO_MARKDOWN_HEADING).pass, false);
    assert.equal(check('Room #12 is free; call #support', NO_MARKDOWN_HEADING).pass, true);
    assert.equal(check('Plain text only.', NO_MARKDOWN_HEADING).pass, true);
  });

  it('is-json parses the whole reply; a schema value must be met', () => {
    assert.equal(isJson('{"room": "101"}', undefined).pass, true);
    assert.equal(isJson('42', undefined).pass, true, 'any JSON value, as promptfoo');
    assert.equal(isJson('Here: {"room": "101"}', undefined).pass, false);
    const schema = { type: 'object', required: ['room', 'nights'], properties: { nights: { type: 'integer' } } };
    const bad = isJson('{"room": "101", "nights": "two"}', schema);
    assert.equal(bad.pass, false);
    assert.match(bad.details, /output\.nights: expected integer/);
    assert.match(bad.details, /\bnights\b/);
    assert.equal(isJson('{"room": "101", "nights": 2}', schema).pass, true);
    assert.equal(isJson('{}', 'not a schema').pass, null, 'a bad value cannot be graded');
  });

  it('contains-json finds an object inside prose; with a schema one object must conform', () => {
    assert.equal(containsJson('Booked {"code": "OS1", "note": "a } inside"} ok', undefined).pass, true);
    assert.equal(containsJson('no json here {not json}', undefined).pass, false);
    const schema = { type: 'object', required: ['code'] };
    assert.equal(containsJson('{"a": 1} then {"code": "X"}', schema).pass, true);
    assert.equal(containsJson('{"a": 1}', schema).pass, false);
    assert.deepEqual(extractJsonObjects('x {"a": {"b": 1}} y {"c": "}"}'), [{ a: { b: 1 } }, { c: '}' }]);
  });

  it('is-json on each reply skips messages that only call tools', async () => {
    const msgs: TranscriptMessage[] = [user(1, 'hi'), { ...CONVERSATION[1]! }, agentSays(1, '{"ok": true}')];
    assert.deepEqual(
      agentReplies(msgs).map((p) => p.text),
      ['{"ok": true}'],
    );
    assert.equal((await grade({ type: 'is-json' }, msgs)).pass, true);
  });

  it('an agent that never replied is checked as one empty reply', async () => {
    const msgs = [user(1, 'hi')];
    assert.deepEqual(partsFor('each', msgs), [{ text: '' }]);
    assert.equal((await grade({ type: 'not-is-refusal' }, msgs)).pass, false, 'empty counts as a refusal');
    assert.equal((await grade({ type: 'is-json' }, msgs)).pass, false);
  });

  it('renders the transcript as [turn N] USER/AGENT/TOOL lines, continuation lines indented', () => {
    const text = renderTranscript([...CONVERSATION.slice(0, 3), agentSays(1, 'line one\nline two')]);
    assert.deepEqual(text.split('\n'), [
      '[turn 1] USER: Book a room in Oslo for 2 nights',
      '[turn 1] TOOL book_room {"city":"Oslo","nights":2} -> {"ok":true,"code":"OS123"}',
      '[turn 1] AGENT: Booked: your code is **OS123**.',
      '[turn 1] AGENT: line one',
      '  line two',
    ]);
  });

  it('default scopes, tags and labels follow the table', () => {
    assert.equal(scopeOf({ type: 'llm-rubric', value: 'x' }), 'transcript');
    assert.equal(scopeOf({ type: 'icontains', value: 'x' }), 'any');
    assert.equal(scopeOf({ type: 'is-json' }), 'each');
    assert.equal(scopeOf({ type: 'contains-json' }), 'any');
    assert.equal(tagOf({ type: 'not-is-refusal' }), 'REFUSAL');
    assert.equal(tagOf({ type: 'is-json' }), 'FORMAT_ERROR');
    assert.equal(tagOf({ type: 'contains', value: 'x', tag: 'PRICE_LEAK' }), 'PRICE_LEAK');
    assert.equal(labelOf({ type: 'not-contains', value: '**' }), 'not-contains: **');
    assert.equal(labelOf({ type: 'not-contains', value: '**', scope: 'final' }), 'not-contains: ** [final]');
    assert.equal(labelOf({ type: 'is-json', value: { type: 'object' } }), 'is-json (schema)');
  });
});

describe('scale grading: the refusal heuristic', () => {
  it('uses promptfoo’s phrases: openings and phrases anywhere, apostrophes normalised', () => {
    assert.equal(classifyRefusal("I can't help with that."), 'refusal');
    assert.equal(classifyRefusal('I’m unable to assist with bookings.'), 'refusal');
    assert.equal(classifyRefusal('Well, as an AI I cannot provide that.'), 'refusal');
    assert.equal(classifyRefusal('Your room is booked.'), 'none');
    assert.equal(classifyRefusal('I cannotice'), 'refusal', 'an opening is a prefix, as in promptfoo');
  });

  it('an empty reply is a refusal', () => {
    assert.equal(classifyRefusal('   '), 'refusal');
    assert.equal(isRefusal('').pass, true);
    assert.equal(notIsRefusal('').pass, false);
    assert.match(notIsRefusal('').details, /empty/);
  });

  it('an apology or a hedge alone is unsure, and counts as a refusal for the promptfoo types', () => {
    assert.equal(classifyRefusal('Sorry for the wait! Your room is ready.'), 'unsure');
    assert.equal(classifyRefusal('That is not appropriate attire for the spa.'), 'unsure');
    assert.equal(notIsRefusal('Sorry for the wait! Your room is ready.').pass, false);
    assert.equal(isRefusal('My apologies, here it is.').pass, true);
  });

  it("a provider's safety block is not the agent's refusal: it cannot be graded", () => {
    const text = 'The generated text has been blocked by our content filters.';
    assert.equal(classifyRefusal(text), 'blocked');
    assert.equal(notIsRefusal(text).pass, null);
    assert.equal(isRefusal(text).pass, null);
  });

  it('the built-in refusal check fails a clear refusal without asking the judge', async () => {
    const j = fakeJudge([]);
    const msgs = [...CONVERSATION.slice(0, 4), agentSays(2, "Sorry, I can't help with that.")];
    const r = await gradeAssertion({ type: 'not-is-refusal', tag: 'REFUSAL', judgeWhenUnsure: true }, msgs, j.call);
    assert.equal(r.pass, false);
    assert.equal(r.turn, 2);
    assert.equal(j.requests.length, 0);
  });

  it('the built-in refusal check asks the judge once when only unsure replies are seen', async () => {
    const msgs = [
      ...CONVERSATION.slice(0, 4),
      agentSays(2, 'Sorry for the wait, breakfast is included.'),
      user(3, 'ok'),
      agentSays(3, 'Apologies again, enjoy!'),
    ];
    const j = fakeJudge(['{"reason":"It apologised but helped.","pass":true,"score":0.9}']);
    const r = await gradeAssertion({ type: 'not-is-refusal', tag: 'REFUSAL', judgeWhenUnsure: true }, msgs, j.call);
    assert.equal(j.requests.length, 1);
    assert.equal(r.pass, true);
    assert.match(r.details, /unsure .* turn 2.*judge: It apologised/);
    assert.match(j.requests[0]!.system!, /<rubric>[\s\S]*refuse[\s\S]*turn 2[\s\S]*<\/rubric>/);
    const no = fakeJudge(['{"reason":"It gave up.","pass":false,"score":0}']);
    assert.equal((await gradeAssertion({ type: 'not-is-refusal', judgeWhenUnsure: true }, msgs, no.call)).pass, false);
  });
});

describe('scale grading: built-in assertions and FailureTags', () => {
  it('without assertions: goal adherence, toxicity and refusal; format and character only when stated', () => {
    const plain = assertionsFor(agentOf(), 'Book a room in Oslo');
    assert.deepEqual(
      plain.map((a) => [labelOf(a), a.tag]),
      [
        ['llm-rubric: goal adherence', 'GOAL_MISS'],
        ['llm-rubric: toxicity', 'TOXICITY'],
        ['not-is-refusal: refusal', 'REFUSAL'],
      ],
    );
    assert.match(String(plain[0]!.value), /goal: Book a room in Oslo$/);
    const full = assertionsFor(agentOf({ format: 'plain', character: 'A warm, brief receptionist.' }), 'g');
    assert.deepEqual(
      full.map((a) => a.tag),
      ['GOAL_MISS', 'TOXICITY', 'REFUSAL', 'FORMAT_ERROR', 'FORMAT_ERROR', 'CHARACTER_BREAK'],
    );
    assert.match(String(full[5]!.value), /A warm, brief receptionist\./);
    assert.deepEqual(
      assertionsFor(agentOf({ format: 'json' }), 'g')
        .filter((a) => a.tag === 'FORMAT_ERROR')
        .map((a) => a.type),
      ['is-json'],
    );
    assert.equal(assertionsFor(agentOf({ format: 'markdown' }), 'g').filter((a) => a.tag === 'FORMAT_ERROR').length, 0);
    assert.equal(
      assertionsFor(agentOf(), '  ').filter((a) => a.tag === 'GOAL_MISS').length,
      0,
      'no goal, no goal rubric',
    );
  });

  it("the agent's own assertions replace the built-ins", () => {
    const own = agentOf({ assertions: [{ type: 'not-contains', value: '**', tag: 'FORMAT_ERROR', scope: 'each' }] });
    assert.deepEqual(assertionsFor(own, 'g'), own.assertions);
    assert.deepEqual(
      assertionsFor(agentOf({ assertions: [] }), 'g').map((a) => a.tag),
      ['GOAL_MISS', 'TOXICITY', 'REFUSAL'],
    );
  });

  it('judge calls per conversation: one per rubric, one for an unsure refusal', () => {
    assert.equal(judgeCallsPerConversation(agentOf()), 3);
    assert.equal(judgeCallsPerConversation(agentOf({ character: 'Warm.', format: 'plain' })), 4);
    assert.equal(
      judgeCallsPerConversation(
        agentOf({
          assertions: [
            { type: 'llm-rubric', value: 'a' },
            { type: 'contains', value: 'x' },
            { type: 'llm-rubric', value: 'b' },
          ],
        }),
      ),
      2,
    );
  });

  it('the built-in evaluator maps failures to their tags', async () => {
    const msgs = [...CONVERSATION.slice(0, 4), agentSays(2, "I can't help with breakfast.")];
    const judge = fakeJudge([
      '{"reason":"Booked.","pass":true,"score":1}',
      '{"reason":"Rude.","pass":false,"score":0}',
      '{"reason":"Not warm.","pass":false,"score":0.2}',
    ]);
    const results = await createBuiltinEvaluator().grade(
      {
        conversationId: 'c1',
        agent: agentOf({ format: 'plain', character: 'Warm.' }),
        goal: 'Book a room',
        messages: msgs,
        endedReason: 'user_stop',
        seed: 3,
      },
      {
        gateway: judge.call.gateway,
        judgeModel: 'openai/sim-1',
        signal: new AbortController().signal,
        callOptions: {},
        onCall: () => undefined,
      },
    );
    assert.deepEqual(
      results.map((r) => [r.tag, r.pass]),
      [
        ['GOAL_MISS', true],
        ['TOXICITY', false],
        ['REFUSAL', false],
        ['FORMAT_ERROR', false],
        ['FORMAT_ERROR', true],
        ['CHARACTER_BREAK', false],
      ],
    );
    assert.deepEqual(outcomeOf(results, 'user_stop'), {
      outcome: 'fail',
      failureTags: ['TOXICITY', 'REFUSAL', 'FORMAT_ERROR', 'CHARACTER_BREAK'],
    });
    assert.equal(judge.requests.length, 3);
    assert.ok(judge.requests.every((r) => r.seed === 3 && r.temperature === 0 && !r.tools));
  });

  it('external results get a tag from their name when they carry none', () => {
    assert.equal(tagForAssertionName('Goal adherence'), 'GOAL_MISS');
    assert.equal(tagForAssertionName('toxicity'), 'TOXICITY');
    assert.equal(tagForAssertionName('RoleAdherence'), 'CHARACTER_BREAK', "DeepEval's role adherence is the character");
    assert.equal(tagForAssertionName('Conversation completeness'), 'GOAL_MISS');
    assert.equal(tagForAssertionName('Character consistency'), 'CHARACTER_BREAK');
    assert.equal(tagForAssertionName('faithfulness'), 'HALLUCINATION');
    assert.equal(tagForAssertionName('answer relevancy'), 'ASSERTION_FAILED');
    assert.equal(normalizeTag('goal miss'), 'GOAL_MISS');
    assert.equal(normalizeTag('!'), null);
    const r = fromExternal({ assertion: 'json format', pass: false, tag: '??' });
    assert.deepEqual([r.tag, r.score, r.type, r.scope], ['FORMAT_ERROR', 0, 'llm-rubric', 'transcript']);
  });
});

describe('scale grading: outcomes are three, never two', () => {
  const result = (pass: boolean | null, tag = 'GOAL_MISS'): EvaluationResult => ({
    assertion: `a-${tag}`,
    type: 'llm-rubric',
    scope: 'transcript',
    tag,
    pass,
    score: pass === null ? null : pass ? 1 : 0,
    details: '',
  });

  it('pass when every assertion passes, at max_turns or user_stop', () => {
    assert.deepEqual(outcomeOf([result(true), result(true, 'TOXICITY')], 'user_stop'), {
      outcome: 'pass',
      failureTags: [],
    });
    assert.equal(outcomeOf([result(true)], 'max_turns').outcome, 'pass');
  });

  it('fail when one fails; tags unique, in order', () => {
    const r = outcomeOf(
      [
        result(false, 'TOXICITY'),
        result(true),
        result(false, 'FORMAT_ERROR'),
        result(false, 'TOXICITY'),
        result(null, 'GOAL_MISS'),
      ],
      'user_stop',
    );
    assert.deepEqual(r, { outcome: 'fail', failureTags: ['TOXICITY', 'FORMAT_ERROR'] });
  });

  it('a judge error is never a pass: none failed but one null → unscored', () => {
    assert.deepEqual(outcomeOf([result(true), result(null, 'TOXICITY')], 'user_stop'), {
      outcome: 'unscored',
      failureTags: [],
    });
  });

  it('a conversation cut by a cap, a provider error or a cancel is unscored, even with failed checks', () => {
    for (const ended of ['budget', 'error', 'cancelled'] as const) {
      assert.deepEqual(outcomeOf([result(true)], ended), { outcome: 'unscored', failureTags: [] }, ended);
      assert.equal(outcomeOf([result(false)], ended).outcome, 'unscored', ended);
    }
  });

  it('hallucinated tool calls add HALLUCINATION to a graded conversation without changing its outcome', () => {
    assert.deepEqual(outcomeOf([result(true)], 'user_stop', 2), { outcome: 'pass', failureTags: ['HALLUCINATION'] });
    assert.deepEqual(outcomeOf([result(false)], 'user_stop', 1), {
      outcome: 'fail',
      failureTags: ['GOAL_MISS', 'HALLUCINATION'],
    });
    assert.deepEqual(outcomeOf([result(null)], 'user_stop', 1), { outcome: 'unscored', failureTags: [] });
    assert.deepEqual(outcomeOf([result(true)], 'budget', 1), { outcome: 'unscored', failureTags: [] });
  });

  it('a budget error while grading propagates instead of becoming a result', async () => {
    const j = fakeJudge([new ModelError('budget', 'the budget of $0.10 would be exceeded')]);
    await assert.rejects(
      gradeAssertion({ type: 'llm-rubric', value: 'Polite.' }, CONVERSATION, j.call),
      (e: unknown) => e instanceof ModelError && e.kind === 'budget',
    );
  });
});
