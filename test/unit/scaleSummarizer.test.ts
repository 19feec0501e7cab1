import assert from 'node:assert/strict';
import { encode } from 'gpt-tokenizer';
import {
  ModelError,
  type CallOptions,
  type GatewayStats,
  type ModelGateway,
  type ModelRequest,
  type ModelResult,
} from '../../src/core/models/types';
import { computeStats } from '../../src/core/scale/stats';
import { buildDigest, trimText, type DigestConversation } from '../../src/core/scale/summarizer/digest';
import { parseSummarizerReply } from '../../src/core/scale/summarizer/parse';
import {
  ANALYST_NAME,
  INFORMATION_UNAVAILABLE,
  SUMMARIZER_RULES,
  summarizerRequest,
} from '../../src/core/scale/summarizer/prompt';
import { summarize } from '../../src/core/scale/summarizer/summarize';
import type { ConversationSummary, Outcome, TranscriptMessage } from '../../src/core/scale/types';

const tokens = (text: string): number => encode(text, { disallowedSpecial: new Set() }).length;

function conversation(index: number, outcome: Outcome, turns: number, messageChars = 80): DigestConversation {
  const id = `conv-${index}`;
  const messages: TranscriptMessage[] = [];
  for (let t = 1; t <= turns; t++) {
    messages.push({
      turn: t,
      role: 'user',
      content: `Turn ${t} of ${id}: ${'please book a room in Oslo '.repeat(messageChars / 27 + 1)}`.slice(
        0,
        messageChars,
      ),
      at: '2026-01-01T00:00:00Z',
    });
    messages.push({
      turn: t,
      role: 'assistant',
      content: `Reply ${t} of ${id}: ${'certainly, checking availability now '.repeat(messageChars / 37 + 1)}`.slice(
        0,
        messageChars,
      ),
      toolCalls:
        t === 1
          ? [
              {
                id: `t${t}`,
                name: outcome === 'fail' ? 'book_flight' : 'book_room',
                arguments: { city: 'Oslo' },
                result: '{"ok":true}',
                ...(outcome === 'fail' ? { error: 'unknown tool book_flight' } : {}),
              },
            ]
          : undefined,
      latencyMs: 120,
      at: '2026-01-01T00:00:01Z',
    });
  }
  const summary: ConversationSummary = {
    conversationId: id,
    index,
    scenario: { id: 'rude', persona: 'An impatient guest.', goal: 'Book a room in Oslo.' },
    seed: 42 + index,
    status: 'done',
    outcome,
    endedReason: outcome === 'unscored' ? 'budget' : 'user_stop',
    turns,
    failureTags: outcome === 'fail' ? ['GOAL_MISS'] : [],
    assertionResults: [
      {
        assertion: 'llm-rubric: goal adherence',
        type: 'llm-rubric',
        scope: 'transcript',
        tag: 'GOAL_MISS',
        pass: outcome === 'pass' ? true : outcome === 'fail' ? false : null,
        score: outcome === 'pass' ? 1 : outcome === 'fail' ? 0 : null,
        details:
          outcome === 'fail'
            ? 'The agent never booked the room.'
            : outcome === 'unscored'
              ? 'judge reply not JSON'
              : 'Booked.',
        turn: turns,
      },
    ],
    costUsd: 0.001,
    promptTokens: 500,
    completionTokens: 50,
    turnLatencyMs: Array.from({ length: turns }, () => 120),
    toolErrors: outcome === 'fail' ? 1 : 0,
  };
  return { summary, messages };
}

const finding = (id: string, turn = 1): { text: string; citations: { conversationId: string; turn: number }[] } => ({
  text: 'Called a tool that does not exist.',
  citations: [{ conversationId: id, turn }],
});

function goodReply(ids: string[], over: Record<string, unknown> = {}): string {
  return JSON.stringify({
    failureModes: [finding(ids[0]!, 2)],
    hallucinations: [finding(ids[0]!)],
    goalFailures: [],
    characterInconsistency: INFORMATION_UNAVAILABLE,
    revisedPrompt: 'You are a hotel front desk. Only call book_room.',
    revisedPromptRationale: 'The agent called a tool it does not have; naming the one tool stops that.',
    ...over,
  });
}

describe('summarizer prompt', () => {
  it('states every rule, in a request that follows the summarizer contract', () => {
    const r = summarizerRequest({
      model: 'openai/sim-1',
      agentPrompt: 'You are a hotel front desk.',
      digest: '{"conversations":[]}',
      conversations: 4,
    });
    assert.ok(
      r.system!.startsWith(
        `You are ${ANALYST_NAME}. Given 4 conversations with outcomes and failure cases, produce: 1) failure modes, 2) hallucinations, 3) goal failures, 4) character inconsistency, 5) a revised prompt with rationale`,
      ),
    );
    for (const rule of SUMMARIZER_RULES) assert.ok(r.system!.includes(rule), `missing rule: ${rule}`);
    assert.match(r.system!, /no hidden reasoning or chain-of-thought/);
    assert.match(r.system!, /at most 100 words/);
    assert.match(r.system!, /exact string "information unavailable"/);
    assert.match(r.system!, /conversation ids and turn numbers/);
    assert.match(r.system!, /keep what works/);
    const user = r.messages[0]!;
    assert.equal(user.role, 'user');
    assert.equal(
      user.content,
      '<agent_prompt>\nYou are a hotel front desk.\n</agent_prompt>\n\n<conversations>\n{"conversations":[]}\n</conversations>',
    );
    assert.doesNotMatch(r.system! + user.content, /<current_prompt>/);
    assert.equal(r.tools, undefined);
    assert.equal(r.temperature, 0);
    assert.ok((r.maxTokens ?? 0) >= 2048);
    const withCharacter = summarizerRequest({
      model: 'm',
      agentPrompt: 'P',
      digest: '{}',
      conversations: 1,
      character: 'A warm, brief receptionist.',
    });
    assert.match(
      withCharacter.messages[0]!.content,
      /<\/agent_prompt>\n\n<character>\nA warm, brief receptionist\.\n<\/character>\n\n<conversations>/,
    );
  });
  it('leaves room for a revised prompt as long as a long original', () => {
    const long = summarizerRequest({
      model: 'm',
      agentPrompt: 'Always check the guest name twice. '.repeat(400),
      digest: '{}',
      conversations: 1,
    });
    assert.ok((long.maxTokens ?? 0) > 2048 + 1000);
  });
});

describe('summarizer reply parsing', () => {
  const ids = ['conv-0', 'conv-1'];
  it('accepts a well-formed reply, "information unavailable" sections and a ```json fence', () => {
    const r = parseSummarizerReply(goodReply(ids), ids);
    assert.ok(r.ok);
    assert.equal(r.value.summary.characterInconsistency, INFORMATION_UNAVAILABLE);
    assert.deepEqual(r.value.summary.failureModes, [
      { text: 'Called a tool that does not exist.', citations: [{ conversationId: 'conv-0', turn: 2 }] },
    ]);
    assert.deepEqual(r.value.summary.goalFailures, []);
    assert.equal(r.value.revisedPrompt, 'You are a hotel front desk. Only call book_room.');
    const all = parseSummarizerReply(
      goodReply(ids, {
        failureModes: INFORMATION_UNAVAILABLE,
        hallucinations: INFORMATION_UNAVAILABLE,
        goalFailures: INFORMATION_UNAVAILABLE,
      }),
      ids,
    );
    assert.ok(all.ok);
    assert.equal(all.value.summary.hallucinations, INFORMATION_UNAVAILABLE);
    const fenced = parseSummarizerReply('\n```json\n' + goodReply(ids) + '\n```\n', ids);
    assert.ok(fenced.ok, fenced.ok ? '' : fenced.problem);
  });
  it('rejects free text before or after the JSON object', () => {
    for (const reply of [
      `Let me think step by step. ${goodReply(ids)}`,
      `${goodReply(ids)}\nI hope this helps {really}`,
      `${goodReply(ids)} ${goodReply(ids)}`,
      `Here:\n\`\`\`json\n${goodReply(ids)}\n\`\`\``,
      `\`\`\`json\n${goodReply(ids)}\n\`\`\`\nReasoning: …`,
    ]) {
      const r = parseSummarizerReply(reply, ids);
      assert.equal(r.ok, false, reply);
      assert.match(r.problem, /text outside the JSON object/);
    }
    const prose = parseSummarizerReply('The agent did fine.', ids);
    assert.deepEqual(prose, { ok: false, problem: 'the reply is not a JSON object' });
  });
  it('rejects a missing field, an extra field and a section string other than "information unavailable"', () => {
    const missing = JSON.parse(goodReply(ids)) as Record<string, unknown>;
    delete missing.revisedPrompt;
    assert.deepEqual(parseSummarizerReply(JSON.stringify(missing), ids), {
      ok: false,
      problem: 'missing field revisedPrompt',
    });
    const extra = parseSummarizerReply(goodReply(ids, { reasoning: 'First I looked at…' }), ids);
    assert.match(extra.ok ? '' : extra.problem, /unexpected field "reasoning"/);
    const other = parseSummarizerReply(goodReply(ids, { goalFailures: 'none found' }), ids);
    assert.match(other.ok ? '' : other.problem, /^goalFailures is a string other than "information unavailable"/);
    assert.doesNotMatch(other.ok ? '' : other.problem, /none found/);
    const bad = parseSummarizerReply(
      goodReply(ids, { hallucinations: [{ text: 'x', citations: [{ conversationId: 'conv-0', turn: 'two' }] }] }),
      ids,
    );
    assert.match(bad.ok ? '' : bad.problem, /^hallucinations\[0\]\.citations\[0\]\.turn: /);
    const uncited = parseSummarizerReply(goodReply(ids, { hallucinations: [{ text: 'x', citations: [] }] }), ids);
    assert.match(
      uncited.ok ? '' : uncited.problem,
      /hallucinations\[0\]\.citations: must cite at least one conversation/,
    );
    const noPrompt = parseSummarizerReply(goodReply(ids, { revisedPrompt: INFORMATION_UNAVAILABLE }), ids);
    assert.match(noPrompt.ok ? '' : noPrompt.problem, /revisedPrompt must be the complete revised prompt/);
  });
  it('enforces the 100-word rationale', () => {
    const words = (n: number): string => Array.from({ length: n }, (_, i) => `w${i}`).join(' \n');
    assert.ok(parseSummarizerReply(goodReply(ids, { revisedPromptRationale: words(100) }), ids).ok);
    assert.deepEqual(parseSummarizerReply(goodReply(ids, { revisedPromptRationale: words(101) }), ids), {
      ok: false,
      problem: 'revisedPromptRationale has 101 words; at most 100',
    });
  });
  it('rejects citations of conversations not in the digest', () => {
    const r = parseSummarizerReply(goodReply(ids, { goalFailures: [finding('conv-1'), finding('conv-9', 3)] }), ids);
    assert.deepEqual(r, {
      ok: false,
      problem: 'citations name conversation ids that are not in <conversations>: "conv-9"',
    });
  });
});

describe('summarizer digest', () => {
  it('holds every fact the analyst cites, untouched when it fits', () => {
    const cs = [conversation(0, 'fail', 2), conversation(1, 'pass', 1)];
    const d = buildDigest(cs);
    assert.equal(d.note, undefined);
    assert.deepEqual(d.includedIds, ['conv-0', 'conv-1']);
    assert.equal(d.tokens, tokens(d.text));
    const json = JSON.parse(d.text) as { total: number; conversations: Record<string, unknown>[] };
    assert.equal(json.total, 2);
    const c0 = json.conversations[0]!;
    assert.equal(c0.id, 'conv-0');
    assert.equal(c0.index, 0);
    assert.equal(c0.goal, 'Book a room in Oslo.');
    assert.equal(c0.persona, 'An impatient guest.');
    assert.equal(c0.outcome, 'fail');
    assert.equal(c0.endedReason, 'user_stop');
    assert.deepEqual(c0.failureTags, ['GOAL_MISS']);
    assert.deepEqual(c0.failedAssertions, [
      {
        assertion: 'llm-rubric: goal adherence',
        tag: 'GOAL_MISS',
        result: 'fail',
        details: 'The agent never booked the room.',
        turn: 2,
      },
    ]);
    assert.deepEqual(c0.toolErrors, [{ turn: 1, tool: 'book_flight', error: 'unknown tool book_flight' }]);
    const messages = c0.messages as { turn: number; role: string; content: string }[];
    assert.deepEqual(
      messages.map((m) => [m.turn, m.role]),
      [
        [1, 'user'],
        [1, 'agent'],
        [2, 'user'],
        [2, 'agent'],
      ],
    );
    assert.deepEqual(json.conversations[1]!.failedAssertions, []);
  });
  it('trims long messages before leaving any conversation out', () => {
    const cs = Array.from({ length: 6 }, (_, i) => conversation(i, i % 2 ? 'pass' : 'fail', 3, 3000));
    const untrimmed = buildDigest(cs, { maxTokens: 1_000_000 });
    assert.ok(untrimmed.tokens > 6000, `fixture too small: ${untrimmed.tokens}`);
    const d = buildDigest(cs, { maxTokens: 6000 });
    assert.ok(tokens(d.text) <= 6000, `${tokens(d.text)} tokens`);
    assert.equal(d.leftOut.length, 0);
    assert.equal(d.includedIds.length, 6);
    assert.equal(d.trimmedMessages, 36);
    assert.equal(d.note, '36 messages trimmed');
    assert.match(d.text, /… \[\d+ chars trimmed\] …/);
    const first = (JSON.parse(d.text) as { conversations: { messages: { content: string }[] }[] }).conversations[0]!
      .messages[0]!.content;
    assert.ok(first.startsWith('Turn 1 of conv-0:'), 'the head is kept');
  });
  it('then samples conversations, failing and unscored first, one passing kept, and says what was left out', () => {
    const outcomes: Outcome[] = ['pass', 'fail', 'pass', 'unscored', 'pass', 'fail', 'pass', 'pass', 'fail', 'pass'];
    const cs = outcomes.map((o, i) => conversation(i, o, 8, 400));
    const d = buildDigest(cs, { maxTokens: 6000 });
    assert.ok(tokens(d.text) <= 6000, `${tokens(d.text)} tokens`);
    assert.ok(d.leftOut.length > 0);
    for (const id of ['conv-1', 'conv-3', 'conv-5', 'conv-8']) assert.ok(d.includedIds.includes(id), `${id} kept`);
    assert.ok(
      d.includedIds.some((id) => cs.find((c) => c.summary.conversationId === id)!.summary.outcome === 'pass'),
      'one passing kept',
    );
    assert.ok(d.leftOut.every((l) => l.outcome === 'pass'));
    assert.equal(
      d.note,
      `${d.leftOut.length} of 10 conversations left out (passing); ${d.trimmedMessages} messages trimmed`,
    );
    assert.ok(d.trimmedMessages > 0);
    const json = JSON.parse(d.text) as { note: string; included: number; conversations: { id: string }[] };
    assert.equal(json.note, d.note);
    assert.deepEqual(
      json.conversations.map((c) => c.id),
      d.includedIds,
    );
  });
  it('cuts the middle of one conversation too long on its own', () => {
    const d = buildDigest([conversation(0, 'fail', 30, 400)], { maxTokens: 1500 });
    assert.ok(tokens(d.text) <= 1500, `${tokens(d.text)} tokens`);
    assert.deepEqual(d.includedIds, ['conv-0']);
    assert.match(d.note ?? '', /messages left out of long conversations/);
    const messages = (JSON.parse(d.text) as { conversations: { messages: { turn: number }[] }[] }).conversations[0]!
      .messages;
    assert.equal(messages[0]!.turn, 1);
    assert.equal(messages[messages.length - 1]!.turn, 30);
  });
  it('trims with the head, the tail and the count of chars cut', () => {
    const t = trimText('a'.repeat(100) + 'b'.repeat(100), 50);
    assert.ok(t.trimmed);
    assert.equal(t.text, `${'a'.repeat(30)}… [150 chars trimmed] …${'b'.repeat(20)}`);
    assert.deepEqual(trimText('short', 50), { text: 'short', trimmed: false });
  });
});

interface FakeGateway extends ModelGateway {
  requests: ModelRequest[];
  options: (CallOptions | undefined)[];
}

function fakeGateway(replies: (string | Error)[]): FakeGateway {
  const requests: ModelRequest[] = [];
  const options: (CallOptions | undefined)[] = [];
  const stats: GatewayStats = {
    calls: 0,
    cacheHits: 0,
    retries: 0,
    usage: { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0 },
    costUsd: 0,
    costIncomplete: false,
  };
  return {
    requests,
    options,
    async call(request, opts): Promise<ModelResult> {
      requests.push(structuredClone(request));
      options.push(opts);
      const next = replies.shift();
      if (next === undefined) throw new Error('no scripted reply left');
      if (next instanceof Error) throw next;
      return {
        model: request.model,
        text: next,
        toolCalls: [],
        usage: { inputTokens: 100, outputTokens: 50, cachedInputTokens: 0 },
        latencyMs: 5,
        costUsd: 0.001,
        cached: false,
      };
    },
    onEvent: () => () => undefined,
    stats: () => stats,
    measuredLatencyMs: () => undefined,
  };
}

describe('summarize', () => {
  const cs = [conversation(0, 'fail', 2), conversation(1, 'pass', 2)];
  const ids = cs.map((c) => c.summary.conversationId);
  const run = (gateway: ModelGateway, calls: ModelResult[] = [], maxDigestTokens?: number) =>
    summarize({
      model: 'openai/sim-1',
      agentPrompt: 'You are a hotel front desk.',
      conversations: cs,
      gateway,
      signal: new AbortController().signal,
      callOptions: {},
      onCall: (r) => calls.push(r),
      maxDigestTokens,
    });

  it('returns the parsed fields of a good first reply, asked without the cache', async () => {
    const gw = fakeGateway([goodReply(ids)]);
    const calls: ModelResult[] = [];
    const out = await run(gw, calls);
    assert.ok('summary' in out);
    assert.equal(out.revisedPrompt, 'You are a hotel front desk. Only call book_room.');
    assert.equal(out.summary.characterInconsistency, INFORMATION_UNAVAILABLE);
    assert.equal(gw.requests.length, 1);
    assert.equal(calls.length, 1);
    assert.equal(gw.options[0]!.cache, false);
    assert.ok(gw.requests[0]!.system!.startsWith('You are Prompt Tuner Analyst'));
    assert.match(gw.requests[0]!.messages[0]!.content, /<conversations>\n\{"total":2,/);
    assert.deepEqual(Object.keys(out).sort(), ['revisedPrompt', 'revisedPromptRationale', 'summary']);
  });
  it('asks once more after a rejected reply, carrying the problem', async () => {
    const gw = fakeGateway([`Thinking it over first. ${goodReply(ids)}`, goodReply(ids)]);
    const calls: ModelResult[] = [];
    const out = await run(gw, calls);
    assert.ok('summary' in out);
    assert.equal(gw.requests.length, 2);
    assert.equal(calls.length, 2);
    const second = gw.requests[1]!.messages;
    assert.equal(second.length, 3);
    assert.equal(second[1]!.role, 'assistant');
    assert.equal(second[2]!.role, 'user');
    assert.match(second[2]!.content, /^Your previous reply was rejected: text outside the JSON object/);
  });
  it('leaves a summaryError after a second bad reply, the stats untouched', async () => {
    const before = structuredClone(cs);
    const stats = computeStats(
      cs.map((c) => c.summary),
      [],
      null,
    );
    const gw = fakeGateway([
      goodReply(ids, { revisedPromptRationale: 'word '.repeat(120) }),
      goodReply(ids, { revisedPromptRationale: 'word '.repeat(120) }),
    ]);
    const out = await run(gw);
    assert.deepEqual(out, {
      summaryError: "The summarizer's reply was rejected twice: revisedPromptRationale has 120 words; at most 100",
    });
    assert.equal(gw.requests.length, 2);
    assert.deepEqual(cs, before);
    assert.deepEqual(
      computeStats(
        cs.map((c) => c.summary),
        [],
        null,
      ),
      stats,
    );
  });
  it('turns a provider error into a summaryError, but lets budget and cancel end the run', async () => {
    const failed = await run(
      fakeGateway([new ModelError('server', 'openai answered 503 after 3 retries', 503, 'openai')]),
    );
    assert.deepEqual(failed, { summaryError: "The summarizer's call failed: openai answered 503 after 3 retries" });
    await assert.rejects(
      run(fakeGateway([new ModelError('budget', 'the total cap of $0.10 would be exceeded')])),
      (e: unknown) => e instanceof ModelError && e.kind === 'budget',
    );
    await assert.rejects(
      run(fakeGateway([goodReply(['nope']), new ModelError('cancelled', 'cancelled')])),
      (e: unknown) => e instanceof ModelError && e.kind === 'cancelled',
    );
  });
  it('reports what the digest left out', async () => {
    const out = await run(fakeGateway([goodReply(ids)]), [], 300);
    assert.match(out.digestNote ?? '', /messages trimmed|left out/);
  });
});
