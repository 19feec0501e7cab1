// The llm-rubric judge against a fake gateway: the request of the model-role contract, promptfoo's
// {reason, pass, score} reply, one re-ask, and never a pass on error.
import { strict as assert } from 'node:assert';
import { ModelError, type ModelGateway, type ModelRequest, type ModelResult } from '../../src/core/models/types';
import {
  judgeRequest,
  judgeRubric,
  parseJudgeReply,
  REASK_MARKER,
  type JudgeCall,
  type RubricInput,
} from '../../src/core/scale/grading/judge';
import type { TranscriptMessage } from '../../src/core/scale/types';
import { noGatewayStats } from '../support/gatewayStats';

const AT = '2026-01-01T00:00:00.000Z';
const MESSAGES: TranscriptMessage[] = [
  { turn: 1, role: 'user', content: 'Book a room in Oslo', at: AT },
  {
    turn: 1,
    role: 'assistant',
    content: '',
    toolCalls: [{ id: 'c1', name: 'book_room', arguments: { city: 'Oslo' }, result: '{"ok":true}' }],
    at: AT,
  },
  { turn: 1, role: 'assistant', content: 'Done, room 12.', at: AT },
  { turn: 2, role: 'user', content: 'Thanks', at: AT },
  { turn: 2, role: 'assistant', content: 'Enjoy your stay!', at: AT },
];
const INPUT: RubricInput = {
  rubric: 'The agent books the room and confirms it.',
  scope: 'transcript',
  messages: MESSAGES,
};

interface Fake {
  call: JudgeCall;
  requests: ModelRequest[];
  results: ModelResult[];
  abort: AbortController;
}

function fake(replies: (string | Error)[]): Fake {
  const requests: ModelRequest[] = [];
  const results: ModelResult[] = [];
  const abort = new AbortController();
  const gateway: ModelGateway = {
    async call(request: ModelRequest): Promise<ModelResult> {
      requests.push(request);
      const next = replies.shift();
      if (next === undefined) throw new Error('the test gave no more replies');
      if (next instanceof Error) throw next;
      return {
        model: request.model,
        text: next,
        toolCalls: [],
        usage: { inputTokens: 100, outputTokens: 20, cachedInputTokens: 0 },
        latencyMs: 3,
        costUsd: 0.0002,
        cached: false,
      };
    },
    onEvent: () => () => undefined,
    stats: noGatewayStats,
    measuredLatencyMs: () => undefined,
  };
  return {
    requests,
    results,
    abort,
    call: {
      gateway,
      model: 'openai/judge-1',
      signal: abort.signal,
      callOptions: { cache: true },
      onCall: (r) => results.push(r),
      seed: 11,
    },
  };
}

describe('scale judge (llm-rubric)', () => {
  it('sends the contract: <rubric> system prompt, <transcript> user message with [turn N] lines, temperature 0, the seed', async () => {
    const f = fake(['{"reason":"Booked and confirmed.","pass":true,"score":1}']);
    const r = await judgeRubric(INPUT, f.call);
    assert.deepEqual(r, { pass: true, score: 1, details: 'Booked and confirmed.' });
    assert.equal(f.requests.length, 1);
    const req = f.requests[0]!;
    assert.equal(req.model, 'openai/judge-1');
    assert.equal(req.temperature, 0);
    assert.equal(req.seed, 11);
    assert.equal(req.tools, undefined);
    assert.match(req.system!, /<rubric>\nThe agent books the room and confirms it\.\n<\/rubric>/);
    assert.match(req.system!, /"reason"[\s\S]*"pass"[\s\S]*"score"/);
    assert.doesNotMatch(req.system!, /<current_prompt>/);
    assert.equal(req.messages.length, 1);
    assert.equal(
      req.messages[0]!.content,
      '<transcript>\n[turn 1] USER: Book a room in Oslo\n[turn 1] TOOL book_room {"city":"Oslo"} -> {"ok":true}\n[turn 1] AGENT: Done, room 12.\n[turn 2] USER: Thanks\n[turn 2] AGENT: Enjoy your stay!\n</transcript>',
    );
    assert.equal(f.results.length, 1, 'the call reaches the ledger');
  });

  it('the final scope tells the judge to grade the last reply, still one call', () => {
    assert.match(judgeRequest('m', { ...INPUT, scope: 'final' }).system!, /only the agent's final reply/);
    assert.doesNotMatch(judgeRequest('m', INPUT).system!, /final reply/);
  });

  it('takes the first JSON object of a reply that has prose around it', async () => {
    const f = fake([
      'Here is my verdict:\n```json\n{"reason": "Polite {always}.", "pass": false, "score": 0.25}\n```\nAnd {"pass": true}',
    ]);
    assert.deepEqual(await judgeRubric(INPUT, f.call), { pass: false, score: 0.25, details: 'Polite {always}.' });
    assert.equal(f.requests.length, 1);
  });

  it('a missing score follows pass (1 or 0), as in promptfoo', () => {
    assert.deepEqual(parseJudgeReply('{"pass": true}'), {
      verdict: { pass: true, score: 1, reason: '(no reason given)' },
    });
    assert.deepEqual(parseJudgeReply('{"pass": false, "reason": "no"}'), {
      verdict: { pass: false, score: 0, reason: 'no' },
    });
  });

  it('a missing pass is not a pass (unlike promptfoo): the judge is re-asked once', async () => {
    const f = fake(['{"reason":"Looks fine.","score":0.9}', '{"reason":"Looks fine.","pass":true,"score":0.9}']);
    const r = await judgeRubric(INPUT, f.call);
    assert.deepEqual(r, { pass: true, score: 0.9, details: 'Looks fine.' });
    assert.equal(f.requests.length, 2);
    const reask = f.requests[1]!;
    assert.equal(reask.system, f.requests[0]!.system);
    assert.deepEqual(
      reask.messages.slice(0, 2).map((m) => m.role),
      ['user', 'assistant'],
    );
    assert.equal(reask.messages[1]!.content, '{"reason":"Looks fine.","score":0.9}');
    assert.ok(reask.messages[2]!.role === 'user' && reask.messages[2]!.content.includes(REASK_MARKER));
    assert.match(reask.messages[2]!.content, /no boolean "pass"/);
    assert.equal(f.results.length, 2, 'the re-ask reaches the ledger too');
  });

  it('a reply that is not JSON twice cannot be graded: pass null, with why', async () => {
    const f = fake(['I think it passes overall.', 'Yes, it passes.']);
    const r = await judgeRubric(INPUT, f.call);
    assert.equal(r.pass, null);
    assert.equal(r.score, null);
    assert.match(r.details, /not valid JSON after one re-ask \(no JSON object in the reply\)/);
    assert.equal(f.requests.length, 2);
  });

  it('pass as a string or a score outside 0..1 is not a verdict', async () => {
    assert.ok('problem' in parseJudgeReply('{"pass": "true", "score": 1}'));
    assert.ok('problem' in parseJudgeReply('{"pass": true, "score": 8}'));
    const f = fake(['{"pass": "yes"}', '{"pass": true, "score": 7}']);
    assert.equal((await judgeRubric(INPUT, f.call)).pass, null);
  });

  it('with a threshold a pass needs score ≥ threshold', async () => {
    const low = await judgeRubric(
      { ...INPUT, threshold: 0.8 },
      fake(['{"reason":"Mostly.","pass":true,"score":0.75}']).call,
    );
    assert.deepEqual([low.pass, low.score], [false, 0.75]);
    assert.match(low.details, /below the threshold 0\.8: Mostly\./);
    assert.equal(
      (await judgeRubric({ ...INPUT, threshold: 0.8 }, fake(['{"reason":"Yes.","pass":true,"score":0.8}']).call)).pass,
      true,
    );
    assert.equal(
      (await judgeRubric({ ...INPUT, threshold: 0.1 }, fake(['{"reason":"No.","pass":false,"score":0.9}']).call)).pass,
      false,
    );
  });

  it('a provider error is ungradeable (null), never a pass', async () => {
    const f = fake([new ModelError('server', 'openai answered 503 after 3 attempts', 503, 'openai')]);
    const r = await judgeRubric(INPUT, f.call);
    assert.deepEqual([r.pass, r.score], [null, null]);
    assert.match(r.details, /judge call failed: openai answered 503/);
  });

  it('a provider error on the re-ask is ungradeable too', async () => {
    const r = await judgeRubric(INPUT, fake(['not json', new ModelError('rate_limit', '429 after retries')]).call);
    assert.equal(r.pass, null);
    assert.match(r.details, /re-ask failed: 429 after retries/);
  });

  it('a budget error propagates so the engine stops', async () => {
    const f = fake([new ModelError('budget', 'the run budget would be exceeded')]);
    await assert.rejects(judgeRubric(INPUT, f.call), (e: unknown) => e instanceof ModelError && e.kind === 'budget');
    const onReask = fake(['prose', new ModelError('budget', 'the run budget would be exceeded')]);
    await assert.rejects(
      judgeRubric(INPUT, onReask.call),
      (e: unknown) => e instanceof ModelError && e.kind === 'budget',
    );
  });

  it('a cancel propagates, also as a plain abort error once the signal fired', async () => {
    await assert.rejects(
      judgeRubric(INPUT, fake([new ModelError('cancelled', 'cancelled')]).call),
      (e: unknown) => e instanceof ModelError && e.kind === 'cancelled',
    );
    const f = fake([new Error('This operation was aborted')]);
    f.abort.abort();
    await assert.rejects(judgeRubric(INPUT, f.call), /aborted/);
  });
});
