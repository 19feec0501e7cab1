// The simulator's scale-testing roles through the real openai and @anthropic-ai/sdk clients: the judge answers
// promptfoo's JSON, the simulated user follows its seed, the summarizer's faults are configurable, and the
// counters tell the roles apart.
import { strict as assert } from 'node:assert';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { JUDGE_FREE_TEXT } from '../sim/judgeBehaviour';
import { startSimulator, type Simulator } from '../sim/server';

const USER_SYSTEM = [
  'You are playing a hotel guest talking to the front desk. Write one short message at a time.',
  '<persona>A friendly traveller.</persona>',
  '<goal>Book a room in Oslo for 3 nights from June 5.</goal>',
  'When the goal is met, reply with ###STOP### alone.',
].join('\n');
const JUDGE_SYSTEM =
  'You grade a conversation against a rubric.\n<rubric>The agent helped the user reach the goal: Book a room in Oslo.</rubric>\nAnswer with JSON {"reason": string, "pass": boolean, "score": number}.';
const TRANSCRIPT = [
  '<transcript>',
  '[turn 1] USER: Book a room in Oslo for 3 nights from June 5.',
  '[turn 1] TOOL book_room {"city":"Oslo","check_in":"2026-06-05","nights":3} -> {"room":12}',
  '[turn 1] AGENT: I booked the room in Oslo for you: room 12.',
  '</transcript>',
].join('\n');
const DIGEST = JSON.stringify({
  total: 1,
  included: 1,
  conversations: [
    {
      id: 'c1',
      index: 0,
      turns: 1,
      outcome: 'fail',
      failureTags: ['FORMAT_ERROR'],
      failedAssertions: [],
      toolErrors: [],
      messages: [],
    },
  ],
});

describe('model simulator scale roles over HTTP', () => {
  let sim: Simulator;
  let openai: OpenAI;

  before(async () => {
    sim = await startSimulator();
    openai = new OpenAI({ apiKey: 'sk-test', baseURL: sim.openaiBaseUrl, maxRetries: 0 });
  });
  after(async () => {
    await sim.close();
  });
  beforeEach(() => {
    sim.configure({ judgeBadJsonRate: 0, summarizerFault: 'none' });
    sim.reset();
  });

  const userTurn = async (seed: number): Promise<string> => {
    const res = await openai.chat.completions.create({
      model: 'sim-1',
      seed,
      messages: [{ role: 'system', content: USER_SYSTEM }],
    });
    return res.choices[0]!.message.content ?? '';
  };
  const judge = async (): Promise<string> => {
    const res = await openai.chat.completions.create({
      model: 'sim-1',
      temperature: 0,
      messages: [
        { role: 'system', content: JUDGE_SYSTEM },
        { role: 'user', content: TRANSCRIPT },
      ],
    });
    return res.choices[0]!.message.content ?? '';
  };

  it('answers a judge request with promptfoo’s JSON contract', async () => {
    const verdict = JSON.parse(await judge()) as Record<string, unknown>;
    assert.equal(verdict.pass, true);
    assert.equal(verdict.score, 1);
    assert.match(String(verdict.reason), /^\[turn 1\]/);
    assert.equal(sim.counters().byMode.judge, 1);
  });

  it('answers free text when judgeBadJsonRate is 1 (set over HTTP)', async () => {
    const res = await fetch(`${sim.url}/__sim/config`, {
      method: 'POST',
      body: JSON.stringify({ judgeBadJsonRate: 1 }),
    });
    assert.equal(res.status, 200);
    assert.equal(await judge(), JUDGE_FREE_TEXT);
    const bad = await fetch(`${sim.url}/__sim/config`, {
      method: 'POST',
      body: JSON.stringify({ summarizerFault: 'sometimes' }),
    });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: string }).error, /summarizerFault/);
  });

  it('gives the simulated user the same phrasing for the same seed and another for other seeds', async () => {
    const first = await userTurn(7);
    assert.equal(await userTurn(7), first);
    assert.match(first, /book a room/i);
    const others = new Set<string>([first]);
    for (const seed of [1, 2, 3, 4, 5]) others.add(await userTurn(seed));
    assert.ok(others.size >= 2, [...others].join(' | '));
    assert.equal(sim.counters().byMode.user, 7);
    const logged = sim.requests().map((r) => (r.body as { seed?: number }).seed);
    assert.deepEqual(logged.slice(0, 2), [7, 7]);
  });

  it('stops the simulated user on Anthropic too, deterministic without a seed', async () => {
    const anthropic = new Anthropic({ apiKey: 'sk-ant-test', baseURL: sim.anthropicBaseUrl, maxRetries: 0 });
    const ask = () =>
      anthropic.messages.create({
        model: 'sim-1',
        max_tokens: 200,
        system: USER_SYSTEM,
        messages: [
          { role: 'user', content: 'Hello, how can I help?' },
          { role: 'assistant', content: 'Book a room in Oslo for 3 nights from June 5.' },
          { role: 'user', content: 'I booked the room in Oslo for you: room 12.' },
        ],
      });
    const text = (r: Anthropic.Message): string => r.content.map((b) => (b.type === 'text' ? b.text : '')).join('');
    assert.equal(text(await ask()), '###STOP###');
    assert.equal(text(await ask()), text(await ask()));
  });

  it('makes the summarizer reply badly once when configured, then good JSON on the re-ask', async () => {
    sim.configure({ summarizerFault: 'free-text-once' });
    const system = 'You are Prompt Tuner Analyst. Reply with the JSON object.';
    const user = `<agent_prompt>\nYou are a hotel front desk.\n</agent_prompt>\n\n<conversations>\n${DIGEST}\n</conversations>`;
    const first = await openai.chat.completions.create({
      model: 'sim-1',
      messages: [
        { role: 'system', content: system },
        { role: 'user', content: user },
      ],
    });
    const firstText = first.choices[0]!.message.content ?? '';
    assert.throws(() => JSON.parse(firstText));
    const second = await openai.chat.completions.create({
      model: 'sim-1',
      messages: [
        { role: 'system', content: system },
        { role: 'user', content: user },
        { role: 'assistant', content: firstText },
        {
          role: 'user',
          content:
            'Your previous reply was rejected: text outside the JSON object. Reply again with only the JSON object.',
        },
      ],
    });
    const reply = JSON.parse(second.choices[0]!.message.content ?? '') as {
      revisedPrompt: string;
      failureModes: unknown;
    };
    assert.match(reply.revisedPrompt, /never use Markdown/);
    assert.ok(Array.isArray(reply.failureModes));
    assert.equal(sim.counters().byMode.summarizer, 2);
  });
});
