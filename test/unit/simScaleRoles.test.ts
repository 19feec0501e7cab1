// The simulator's scale-testing roles as pure functions: the agent's conversation quirks and the rules that
// switch them off, the simulated user, the judge and the summarizer, and a whole small scale run played with
// them (base prompt → mixed outcomes; the summarizer's revised prompt → every conversation passes).
import { strict as assert } from 'node:assert';
import {
  SIM_RULES,
  SCALE_SIM_RULES,
  activeRules,
  activeScaleRules,
  simulate,
  type SimMessage,
  type SimRequest,
  type SimTool,
} from '../sim/behaviour';
import { BOLD_SHARE, boldsFacts } from '../sim/agentTalk';
import {
  JUDGE_FREE_TEXT,
  JUDGE_REASK,
  judgeReply,
  judgeVerdict,
  parseTranscript,
  rubricKind,
} from '../sim/judgeBehaviour';
import { openAiToSim, OpenAiRequestSchema } from '../sim/openaiWire';
import { anthropicToSim, AnthropicRequestSchema } from '../sim/anthropicWire';
import { RUDE_OR_IMPATIENT, SIM_REFUSAL, isRefusalText, type ScaleSimRuleId } from '../sim/scaleRules';
import { seedOf } from '../sim/simText';
import { readDigest, type SummarizerFault } from '../sim/summarizerBehaviour';
import { STOP_TOKEN, answerFor, goalDetails, requestForm, withheldDetail } from '../sim/userBehaviour';
import { parseSummarizerReply } from '../../src/core/scale/summarizer/parse';
import { rejectionMessage } from '../../src/core/scale/summarizer/prompt';

const BOOK_ROOM: SimTool = {
  name: 'book_room',
  description: 'Book a hotel room in a city.',
  parameters: {
    type: 'object',
    properties: {
      city: { type: 'string', description: 'City of the hotel' },
      check_in: { type: 'string', format: 'date', description: 'Check-in date' },
      nights: { type: 'integer', description: 'Number of nights' },
    },
    required: ['city', 'check_in', 'nights'],
  },
};
const BASE = 'You are the front desk of a hotel.';
const GOAL = 'Book a room in Oslo for 3 nights from June 5.';
const scaleSentence = (id: ScaleSimRuleId): string => SCALE_SIM_RULES.find((r) => r.id === id)!.sentence;
const withRules = (...ids: ScaleSimRuleId[]): string => [BASE, ...ids.map(scaleSentence)].join('\n');

function agent(system: string, messages: SimMessage[], seed = 1): ReturnType<typeof simulate> {
  return simulate({ model: 'sim-1', system, messages, tools: [BOOK_ROOM], seed });
}
const user = (text: string): SimMessage => ({ role: 'user', text });
const called = (args: Record<string, unknown>): SimMessage => ({
  role: 'assistant',
  text: '',
  toolCalls: [{ name: 'book_room', arguments: args }],
});
const result = (text: string): SimMessage => ({ role: 'tool', text });

function userSystem(persona: string, goal = GOAL): string {
  return `You play a user talking to an agent.\n<persona>${persona}</persona>\n<goal>${goal}</goal>\nReply with ${STOP_TOKEN} alone once the goal is met.`;
}
/** The simulated user's request: the agent's replies as `user`, its own earlier turns as `assistant`. */
function userSim(persona: string, turns: { me?: string; agent?: string }[], seed: number, goal = GOAL): string {
  const messages: SimMessage[] = turns.flatMap((t) => [
    ...(t.me !== undefined ? [{ role: 'assistant' as const, text: t.me, toolCalls: [] }] : []),
    ...(t.agent !== undefined ? [user(t.agent)] : []),
  ]);
  const reply = simulate({ model: 'sim-1', system: userSystem(persona, goal), messages, tools: [], seed });
  assert.equal(reply.mode, 'user');
  return reply.text;
}

describe('simulator scale rules', () => {
  it('switches each rule on by its own sentence only, and never by a tool-calling rule', () => {
    for (const rule of SCALE_SIM_RULES) assert.deepEqual([...activeScaleRules(`${BASE}\n${rule.sentence}`)], [rule.id]);
    assert.equal(activeScaleRules([BASE, ...SIM_RULES.map((r) => r.sentence)].join('\n')).size, 0);
    assert.equal(activeRules(SCALE_SIM_RULES.map((r) => r.sentence).join('\n')).size, 0);
    assert.equal(activeScaleRules(BASE).size, 0);
  });
});

describe('simulated agent in a conversation', () => {
  const booked = [
    user(`Please book a room in Oslo for 3 nights from 2026-06-05.`),
    called({ city: 'Oslo', check_in: '2026-06-05', nights: 3 }),
    result('{"room":12,"confirmation":"HX-1234"}'),
  ];

  const seeds = Array.from({ length: 60 }, (_, i) => i + 1);
  const boldSeed = seeds.find(boldsFacts)!;
  const plainSeed = seeds.find((s) => !boldsFacts(s))!;

  it('states a tool result built from its JSON, with the facts in **bold** in about half the conversations unless plain_text is stated', () => {
    const share = seeds.filter(boldsFacts).length / seeds.length;
    assert.ok(Math.abs(share - BOLD_SHARE) < 0.2, `bold in ${share}`);
    assert.equal(
      agent(BASE, booked, boldSeed).text,
      'I booked the room in Oslo for you: **room 12**, **confirmation HX-1234**.',
    );
    assert.equal(
      agent(BASE, booked, plainSeed).text,
      'I booked the room in Oslo for you: room 12, confirmation HX-1234.',
    );
    for (const seed of seeds)
      assert.ok(!agent(withRules('plain_text'), booked, seed).text.includes('**'), `seed ${seed}`);
    assert.equal(
      agent(withRules('plain_text'), booked, boldSeed).text,
      'I booked the room in Oslo for you: room 12, confirmation HX-1234.',
    );
  });

  it('reports a tool error instead of success', () => {
    const failed = [...booked.slice(0, 2), result('{"error":"args.nights: expected integer, got string \\"3\\""}')];
    const text = agent(withRules('plain_text'), failed).text;
    assert.match(text, /^I could not book the room: args\.nights: expected integer/);
    assert.ok(!text.includes('booked'));
    assert.match(agent(BASE, failed, boldSeed).text, /: \*\*args\.nights/);
  });

  it('answers a rude or impatient last user message with "Whatever." unless stay_warm is stated', () => {
    const rude = [user('Book a room in Oslo for 3 nights from 2026-06-05. Hurry up!'), ...booked.slice(1)];
    assert.match(agent(BASE, rude).text, /^Whatever\. I booked/);
    assert.match(
      agent(BASE, [user('Book a room for 3 nights. This is ridiculous!!')]).text,
      /^Whatever\. Sorry, I can't/,
    );
    assert.match(agent(withRules('stay_warm'), rude).text, /^I booked/);
    assert.match(agent(BASE, booked).text, /^I booked/, 'a polite user gets no "Whatever."');
    for (const t of ['This is ridiculous!!', 'You are useless', 'I need it now!', 'Hurry'])
      assert.ok(RUDE_OR_IMPATIENT.test(t), t);
  });

  it('gives up on a request missing a required detail unless ask_missing is stated; then asks by parameter and completes the call from the answer', () => {
    const ask = [user('Book a room for 3 nights from June 5.')];
    const gaveUp = agent(BASE, ask);
    assert.deepEqual([gaveUp.text, gaveUp.toolCalls], [SIM_REFUSAL, []]);
    assert.ok(isRefusalText(gaveUp.text));
    const rules = withRules('ask_missing');
    const question = agent(rules, ask);
    assert.equal(question.toolCalls.length, 0);
    assert.match(question.text, /^Which city should I use to book the room\?/);
    const answered = agent(rules, [
      ...ask,
      { role: 'assistant', text: question.text, toolCalls: [] },
      user('In Oslo. Hurry up!'),
    ]);
    assert.deepEqual(answered.toolCalls, [
      { name: 'book_room', arguments: { city: 'Oslo', check_in: 'June 5', nights: '3' } },
    ]);
  });

  it('keeps the tool calls of a complete request unchanged (the suites’ behaviour)', () => {
    const r = agent(withRules('plain_text', 'stay_warm', 'ask_missing'), [
      user('Book a room in Oslo for 3 nights from June 5.'),
    ]);
    const base = agent(BASE, [user('Book a room in Oslo for 3 nights from June 5.')]);
    assert.deepEqual(r.toolCalls, base.toolCalls);
    assert.deepEqual(r.toolCalls[0]?.arguments, { city: 'Oslo', check_in: 'June 5', nights: '3' });
  });
});

describe('simulator seeds', () => {
  it('reads the OpenAI seed into the request and derives a stable one for Anthropic from the content', () => {
    const o = openAiToSim(
      OpenAiRequestSchema.parse({ model: 'sim-1', seed: 42, messages: [{ role: 'user', content: 'hi' }] }),
    );
    assert.equal(o.seed, 42);
    assert.equal(seedOf(o), 42);
    const body = { model: 'sim-1', max_tokens: 10, system: 'S', messages: [{ role: 'user', content: 'hi' }] };
    const a = anthropicToSim(AnthropicRequestSchema.parse(body));
    assert.equal(a.seed, undefined);
    const later = anthropicToSim(
      AnthropicRequestSchema.parse({
        ...body,
        messages: [...body.messages, { role: 'assistant', content: 'x' }, { role: 'user', content: 'y' }],
      }),
    );
    assert.equal(seedOf(a), seedOf(later), 'the derived seed stays the same for the whole conversation');
    assert.notEqual(seedOf(a), seedOf({ ...a, system: 'T' }));
  });
});

describe('simulated user', () => {
  it('reads the goal as a request with its details', () => {
    const form = requestForm('You want to book a room in Oslo for 3 nights from June 5.');
    assert.equal(form, 'book a room in Oslo for 3 nights from June 5');
    assert.deepEqual(
      goalDetails(form).map((d) => [d.kind, d.text]),
      [
        ['place', 'in Oslo'],
        ['number', '3 nights'],
        ['date', 'June 5'],
      ],
    );
  });

  it('opens with the goal in one line, holding back one detail for about a third of the seeds', () => {
    let held = 0;
    for (let seed = 1; seed <= 60; seed++) {
      const opening = userSim('A guest.', [], seed);
      assert.ok(!opening.includes('\n') && opening.length < 160, opening);
      assert.match(opening, /book a room/i);
      assert.ok(opening.includes('3 nights') && opening.includes('June 5'), opening);
      if (withheldDetail(requestForm(GOAL), seed)) {
        held++;
        assert.ok(!opening.includes('Oslo'), opening);
      } else assert.ok(opening.includes('in Oslo'), opening);
    }
    assert.ok(held >= 10 && held <= 30, `held back in ${held} of 60`);
  });

  it('is deterministic per seed, and the seed changes the phrasing', () => {
    const texts = [1, 2, 3, 4, 5, 6].map((seed) => userSim('A friendly guest.', [], seed));
    assert.deepEqual(
      texts,
      [1, 2, 3, 4, 5, 6].map((seed) => userSim('A friendly guest.', [], seed)),
    );
    assert.ok(new Set(texts).size >= 3, texts.join(' | '));
  });

  it('speaks in the persona’s tone: impatient and rude users sound it, polite ones do not', () => {
    for (let seed = 1; seed <= 5; seed++) {
      assert.ok(RUDE_OR_IMPATIENT.test(userSim('An impatient business traveller.', [], seed)));
      assert.ok(RUDE_OR_IMPATIENT.test(userSim('A rude, annoyed customer.', [], seed)));
      assert.ok(!RUDE_OR_IMPATIENT.test(userSim('A polite retiree.', [], seed)));
    }
  });

  it('answers the agent’s question from the goal’s details, never inventing one', () => {
    const answer = userSim(
      'A guest.',
      [
        { me: 'Book a room for 3 nights from June 5.' },
        { agent: 'Which city should I use to book the room? (City of the hotel)' },
      ],
      1,
    );
    assert.match(answer, /\bin Oslo\b/i);
    assert.equal(
      answerFor('Which nights should I use to book the room? (Number of nights)', requestForm(GOAL))?.text,
      '3 nights',
    );
    assert.equal(answerFor('Which check in date should I use to book the room?', requestForm(GOAL))?.text, 'June 5');
    const unknown = userSim(
      'A guest.',
      [{ me: 'Book a room.' }, { agent: 'Which loyalty number should I use to book the room?' }],
      1,
      'Book a room in Oslo.',
    );
    assert.match(unknown, /don't know/);
  });

  it('stops with ###STOP### once the agent reports the goal done, or after two refusals', () => {
    const done = userSim(
      'A guest.',
      [{ me: 'Book a room in Oslo.' }, { agent: 'I booked the room in Oslo for you: room 12.' }],
      1,
    );
    assert.equal(done, STOP_TOKEN);
    const once = userSim('A guest.', [{ me: 'Book a room.' }, { agent: SIM_REFUSAL }], 1);
    assert.notEqual(once, STOP_TOKEN);
    assert.match(once, /book a room/i);
    const twice = userSim(
      'A guest.',
      [{ me: 'Book a room.' }, { agent: SIM_REFUSAL, me: 'Please.' }, { agent: SIM_REFUSAL }],
      1,
    );
    assert.equal(twice, STOP_TOKEN);
    const failedCall = userSim(
      'A guest.',
      [{ me: 'Book a room.' }, { agent: 'I could not book the room: args.nights: expected integer.' }],
      1,
    );
    assert.notEqual(failedCall, STOP_TOKEN);
    const otherAction = userSim(
      'A guest.',
      [{ me: 'Cancel it.' }, { agent: 'I booked the room for you.' }],
      1,
      'Cancel booking AB12345.',
    );
    assert.notEqual(otherAction, STOP_TOKEN, 'a different action is not the goal');
  });

  it('keeps asking when the persona is never satisfied', () => {
    const r = userSim(
      'A guest who is never satisfied.',
      [{ me: 'Book a room in Oslo.' }, { agent: 'I booked the room in Oslo for you.' }],
      1,
    );
    assert.notEqual(r, STOP_TOKEN);
    assert.ok(r.length > 0);
  });
});

const TRANSCRIPT_OK = [
  '[turn 1] USER: Book a room in Oslo for 3 nights. Hurry up!',
  '[turn 1] TOOL book_room {"city":"Oslo","nights":3} -> {"room":12}',
  '[turn 1] AGENT: Whatever. I booked the room in Oslo for you: room 12.',
].join('\n');

function judge(rubric: string, transcript: string, extra: SimMessage[] = [], badJsonRate = 0, seed = 1): string {
  const request: SimRequest = {
    model: 'sim-1',
    system: `You grade a conversation.\n<rubric>${rubric}</rubric>\nAnswer {"reason","pass","score"}.`,
    messages: [user(`<transcript>\n${transcript}\n</transcript>`), ...extra],
    tools: [],
    seed,
  };
  const r = simulate(request, { judgeBadJsonRate: badJsonRate });
  assert.equal(r.mode, 'judge');
  return judgeReply(request, badJsonRate);
}

describe('simulated judge', () => {
  it('classifies rubrics', () => {
    assert.equal(rubricKind('The agent achieved the user’s goal: book a room.'), 'goal');
    assert.equal(rubricKind('The agent stays in character: a warm receptionist.'), 'character');
    assert.equal(rubricKind('No toxic or rude language.'), 'toxicity');
    assert.equal(rubricKind('The agent does not refuse.'), 'refusal');
    assert.equal(rubricKind('Mentions breakfast.'), 'other');
  });

  it('passes a goal when a matching tool call succeeded and the agent did not refuse at the end', () => {
    const v = JSON.parse(
      judge('The agent helped the user reach the goal: Book a room in Oslo.', TRANSCRIPT_OK),
    ) as Record<string, unknown>;
    assert.deepEqual(Object.keys(v).sort(), ['pass', 'reason', 'score']);
    assert.equal(v.pass, true);
    assert.equal(v.score, 1);
    assert.match(String(v.reason), /^\[turn 1\] book_room/);
  });

  it('fails a goal without a matching call (0), with an error result or a final refusal (0.5)', () => {
    const none = judgeVerdict(
      'Goal: Book a room.',
      `[turn 1] USER: Book a room.\n[turn 1] AGENT: ${SIM_REFUSAL}\n[turn 2] USER: Please.\n[turn 2] AGENT: ${SIM_REFUSAL}`,
    );
    assert.deepEqual([none.pass, none.score], [false, 0]);
    assert.match(none.reason, /^\[turn 2\] .*refused/);
    const error = judgeVerdict(
      'Goal: Book a room.',
      '[turn 1] USER: Book.\n[turn 1] TOOL book_room {} -> {"error":"args.city: missing"}\n[turn 1] AGENT: I could not book the room: args.city: missing.',
    );
    assert.deepEqual([error.pass, error.score], [false, 0.5]);
    const wrongTool = TRANSCRIPT_OK.replace('Book a room in Oslo for 3 nights', 'What is the weather in Lisbon');
    assert.equal(
      judgeVerdict('Goal: Check the weather in Lisbon.', wrongTool).pass,
      false,
      'a call that is neither the goal nor what the user asked',
    );
    assert.equal(
      judgeVerdict('The agent got the user to their goal: it did what the user came for.', TRANSCRIPT_OK).pass,
      true,
      'a rubric without the goal: what the user asked',
    );
  });

  it('fails character and toxicity rubrics on an AGENT line that starts "Whatever", citing its turn', () => {
    for (const rubric of ['The agent stays polite and in character.', 'The agent is never rude or toxic.']) {
      const v = judgeVerdict(rubric, TRANSCRIPT_OK);
      assert.deepEqual([v.pass, v.score], [false, 0]);
      assert.match(v.reason, /^\[turn 1\] The agent answered "Whatever\./);
      assert.equal(judgeVerdict(rubric, TRANSCRIPT_OK.replace('Whatever. ', '')).pass, true);
    }
  });

  it('looks at the last agent reply only when the judge is asked to grade the final reply', () => {
    const later = `${TRANSCRIPT_OK}\n[turn 2] USER: Thanks.\n[turn 2] AGENT: You're welcome!`;
    assert.equal(judgeVerdict('The agent stays polite.', later).pass, false);
    assert.equal(judgeVerdict('The agent stays polite.', later, true).pass, true);
    const request: SimRequest = {
      model: 'sim-1',
      system: "<rubric>The agent stays polite.</rubric>\nGrade only the agent's final reply (its last AGENT line).",
      messages: [user(`<transcript>\n${later}\n</transcript>`)],
      tools: [],
    };
    assert.equal((JSON.parse(judgeReply(request, 0)) as { pass: boolean }).pass, true);
  });

  it('passes other rubrics unless a quoted term is missing from the transcript', () => {
    assert.equal(judgeVerdict('Be helpful.', TRANSCRIPT_OK).pass, true);
    assert.equal(judgeVerdict('Mentions "room 12".', TRANSCRIPT_OK).pass, true);
    const partial = judgeVerdict('Mentions "room 12" and "breakfast".', TRANSCRIPT_OK);
    assert.deepEqual([partial.pass, partial.score], [false, 0.5]);
    assert.match(partial.reason, /"breakfast"/);
  });

  it('parses transcript lines with and without turn prefixes, continuing multi-line messages', () => {
    const lines = parseTranscript('USER: hi\nAGENT: line one\nline two\nTOOL get_x {"a":1} -> {"b":2}\nUSER: again');
    assert.deepEqual(
      lines.map((l) => [l.turn, l.role]),
      [
        [1, 'USER'],
        [1, 'AGENT'],
        [1, 'TOOL'],
        [2, 'USER'],
      ],
    );
    assert.equal(lines[1]!.text, 'line one\nline two');
    assert.deepEqual(lines[2]!.tool, { name: 'get_x', args: '{"a":1}', result: '{"b":2}' });
  });

  it('answers free text for [sim:bad-json] always, for [sim:bad-json-once] until the re-ask, and JSON without pass for [sim:no-pass]', () => {
    assert.equal(judge('Goal: book a room. [sim:bad-json]', TRANSCRIPT_OK), JUDGE_FREE_TEXT);
    const reask: SimMessage[] = [
      { role: 'assistant', text: JUDGE_FREE_TEXT, toolCalls: [] },
      user(`${JUDGE_REASK}. Reply with only the JSON object.`),
    ];
    assert.equal(judge('Goal: book a room. [sim:bad-json]', TRANSCRIPT_OK, reask), JUDGE_FREE_TEXT);
    assert.equal(judge('Goal: book a room. [sim:bad-json-once]', TRANSCRIPT_OK), JUDGE_FREE_TEXT);
    assert.equal(
      (JSON.parse(judge('Goal: book a room. [sim:bad-json-once]', TRANSCRIPT_OK, reask)) as { pass: boolean }).pass,
      true,
    );
    const noPass = JSON.parse(judge('Goal: book a room. [sim:no-pass]', TRANSCRIPT_OK)) as Record<string, unknown>;
    assert.deepEqual(Object.keys(noPass).sort(), ['reason', 'score']);
    assert.ok(!JUDGE_FREE_TEXT.includes('{'));
  });

  it('answers free text at judgeBadJsonRate, the same for the same request and seed', () => {
    assert.equal(judge('Goal: book a room.', TRANSCRIPT_OK, [], 1), JUDGE_FREE_TEXT);
    const replies = Array.from({ length: 40 }, (_, i) => judge('Goal: book a room.', TRANSCRIPT_OK, [], 0.5, i + 1));
    const bad = replies.filter((r) => r === JUDGE_FREE_TEXT).length;
    assert.ok(bad >= 8 && bad <= 32, `${bad} of 40 free text`);
    assert.deepEqual(
      replies,
      Array.from({ length: 40 }, (_, i) => judge('Goal: book a room.', TRANSCRIPT_OK, [], 0.5, i + 1)),
    );
  });
});

interface DigestInput {
  id: string;
  turns: number;
  failureTags: string[];
  failedAssertions?: { assertion: string; tag: string; details: string; turn?: number }[];
  toolErrors?: { turn: number; tool: string; error: string }[];
}
/** A digest in the shape of src/core/scale/summarizer/digest.ts. */
function digestText(convs: DigestInput[]): string {
  return JSON.stringify({
    total: convs.length,
    included: convs.length,
    conversations: convs.map((c, index) => ({
      index,
      scenarioId: null,
      persona: 'p',
      goal: GOAL,
      outcome: c.failureTags.length ? 'fail' : 'pass',
      endedReason: 'user_stop',
      failedAssertions: [],
      toolErrors: [],
      messages: [],
      ...c,
    })),
  });
}
function summarize(agentPrompt: string, digest: string, fault: SummarizerFault = 'none', reask?: string): string {
  const request: SimRequest = {
    model: 'sim-1',
    system: 'You are Prompt Tuner Analyst. Given conversations, produce JSON.',
    messages: [
      user(`<agent_prompt>\n${agentPrompt}\n</agent_prompt>\n\n<conversations>\n${digest}\n</conversations>`),
      ...(reask ? [{ role: 'assistant' as const, text: 'x', toolCalls: [] }, user(reask)] : []),
    ],
    tools: [],
  };
  const r = simulate(request, { summarizerFault: fault });
  assert.equal(r.mode, 'summarizer');
  return r.text;
}

describe('simulated summarizer', () => {
  const convs: DigestInput[] = [
    {
      id: 'c0',
      turns: 1,
      failureTags: ['FORMAT_ERROR'],
      failedAssertions: [{ assertion: 'not-contains: **', tag: 'FORMAT_ERROR', details: 'found "**"', turn: 1 }],
    },
    {
      id: 'c1',
      turns: 3,
      failureTags: ['GOAL_MISS', 'CHARACTER_BREAK'],
      failedAssertions: [
        {
          assertion: 'llm-rubric: character',
          tag: 'CHARACTER_BREAK',
          details: '[turn 2] The agent answered "Whatever."',
        },
      ],
    },
    {
      id: 'c2',
      turns: 2,
      failureTags: ['TOOL_ERROR', 'GOAL_MISS'],
      toolErrors: [{ turn: 1, tool: 'book_room', error: 'args.nights: expected integer, got string "3"' }],
    },
    { id: 'c3', turns: 1, failureTags: [] },
  ];
  const ids = convs.map((c) => c.id);

  it('reads the digest of summarizer/digest.ts', () => {
    const facts = readDigest(digestText(convs));
    assert.deepEqual(
      facts.map((f) => [f.id, f.failureTags.length, f.toolErrors.length]),
      [
        ['c0', 1, 0],
        ['c1', 2, 0],
        ['c2', 2, 1],
        ['c3', 0, 0],
      ],
    );
  });

  it('answers JSON the product’s parser accepts, citing the digest’s ids and turns', () => {
    const reply = summarize(BASE, digestText(convs));
    const parsed = parseSummarizerReply(reply, ids);
    assert.ok(parsed.ok, parsed.ok ? '' : parsed.problem);
    const { summary, revisedPrompt, revisedPromptRationale } = parsed.value;
    assert.ok(Array.isArray(summary.failureModes) && summary.failureModes.length === 4);
    const goal = summary.goalFailures;
    assert.ok(Array.isArray(goal));
    assert.deepEqual(
      goal[0]!.citations.map((c) => c.conversationId),
      ['c1', 'c2'],
    );
    assert.ok(Array.isArray(summary.characterInconsistency));
    assert.deepEqual(summary.characterInconsistency[0]!.citations, [{ conversationId: 'c1', turn: 2 }]);
    assert.ok(Array.isArray(summary.hallucinations));
    assert.deepEqual(summary.hallucinations[0]!.citations, [{ conversationId: 'c2', turn: 1 }]);
    for (const id of ['plain_text', 'stay_warm', 'ask_missing'] as const)
      assert.ok(revisedPrompt.includes(scaleSentence(id)), id);
    assert.ok(revisedPrompt.startsWith(BASE));
    assert.ok(
      revisedPrompt.includes(SIM_RULES.find((r) => r.id === 'json_types')!.sentence),
      'the tuning rule for the tool error',
    );
    assert.ok(revisedPromptRationale.split(/\s+/).length <= 100);
  });

  it('adds only the rules for the tags seen, and none already stated; "information unavailable" for empty sections', () => {
    const only = summarize(withRules('stay_warm'), digestText([convs[0]!, convs[3]!]));
    const parsed = parseSummarizerReply(only, ['c0', 'c3']);
    assert.ok(parsed.ok);
    assert.equal(parsed.value.revisedPrompt, `${withRules('stay_warm')}\n${scaleSentence('plain_text')}`);
    assert.equal(parsed.value.summary.goalFailures, 'information unavailable');
    assert.equal(parsed.value.summary.hallucinations, 'information unavailable');
    const clean = parseSummarizerReply(summarize(BASE, digestText([convs[3]!])), ['c3']);
    assert.ok(clean.ok);
    assert.equal(clean.value.summary.failureModes, 'information unavailable');
    assert.equal(clean.value.revisedPrompt, BASE);
  });

  it('adds the tuning rule that removes the tool errors it sees (the mocks’ argument errors)', () => {
    const errors = (error: string): DigestInput[] => [
      { id: 'e', turns: 1, failureTags: ['GOAL_MISS'], toolErrors: [{ turn: 1, tool: 'book_room', error }] },
    ];
    const added = (error: string): string[] => {
      const parsed = parseSummarizerReply(summarize(withRules('ask_missing'), digestText(errors(error))), ['e']);
      assert.ok(parsed.ok);
      return [...activeRules(parsed.value.revisedPrompt)];
    };
    assert.deepEqual(added('invalid arguments: arguments.nights: expected integer, got string'), ['json_types']);
    assert.deepEqual(added('invalid arguments: arguments.notes: not a parameter (allowed: city, nights)'), [
      'schema_only',
    ]);
    assert.deepEqual(added('invalid arguments: arguments.check_in: must match ^\\d{4}-\\d{2}-\\d{2}$, got "June 5"'), [
      'iso_dates',
    ]);
    assert.deepEqual(added('unknown tool book_hotel'), []);
  });

  it('misbehaves as configured: once until the re-ask, or always', () => {
    const digest = digestText(convs);
    const reask = rejectionMessage('text outside the JSON object');
    const cases: [SummarizerFault, RegExp][] = [
      ['free-text-once', /text outside the JSON object/],
      ['long-rationale-once', /revisedPromptRationale has \d+ words/],
      ['missing-field-once', /missing field hallucinations/],
      ['always-bad', /text outside the JSON object/],
    ];
    for (const [fault, problem] of cases) {
      const first = parseSummarizerReply(summarize(BASE, digest, fault), ids);
      assert.ok(!first.ok && problem.test(first.problem), `${fault}: ${first.ok ? 'accepted' : first.problem}`);
      const second = parseSummarizerReply(summarize(BASE, digest, fault, reask), ids);
      assert.equal(second.ok, fault !== 'always-bad', fault);
    }
  });
});

// A small scale run played with the simulator's roles only: user ↔ agent (tools answered by a typed mock),
// then the judge's rubrics and a not-contains "**" check, then the summarizer, then the revised prompt again.
function typedMock(args: Record<string, unknown>): string {
  if (typeof args.nights !== 'number')
    return JSON.stringify({
      error: `args.nights: expected integer, got ${typeof args.nights} ${JSON.stringify(args.nights)}`,
    });
  if (typeof args.city !== 'string') return JSON.stringify({ error: 'args.city: missing (required)' });
  return JSON.stringify({ room: 12, confirmation: 'HX-1234' });
}
const PERSONAS = [
  'A friendly traveller.',
  'An impatient business guest.',
  'A polite retiree.',
  'A rude, annoyed customer.',
];
const RUBRICS: { tag: string; value: string }[] = [
  { tag: 'GOAL_MISS', value: `The agent helped the user reach the goal: ${GOAL}` },
  { tag: 'CHARACTER_BREAK', value: 'The agent stays warm and polite in character.' },
];

interface Played {
  id: string;
  ended: string;
  turns: number;
  lines: string[];
  failureTags: string[];
  toolErrors: { turn: number; tool: string; error: string }[];
}

/** A mock that checks nothing: what a user's agent file without typed `when` matchers gives. */
const lenientMock = (): string => JSON.stringify({ room: 12, confirmation: 'HX-1234' });

function play(
  prompt: string,
  index: number,
  mock: (args: Record<string, unknown>) => string = typedMock,
  maxTurns = 6,
): Played {
  const seed = 100 + index;
  const persona = PERSONAS[index % PERSONAS.length]!;
  const agentView: SimMessage[] = [];
  const userView: SimMessage[] = [];
  const lines: string[] = [];
  const toolErrors: Played['toolErrors'] = [];
  let ended = 'max_turns';
  let turns = 0;
  for (let turn = 1; turn <= maxTurns; turn++) {
    const u = simulate({ model: 'sim-1', system: userSystem(persona), messages: userView, tools: [], seed }).text;
    if (u.trim() === STOP_TOKEN) {
      ended = 'user_stop';
      break;
    }
    turns = turn;
    agentView.push(user(u));
    userView.push({ role: 'assistant', text: u, toolCalls: [] });
    lines.push(`[turn ${turn}] USER: ${u}`);
    for (let step = 0; step < 3; step++) {
      const a = simulate({ model: 'sim-1', system: prompt, messages: agentView, tools: [BOOK_ROOM], seed });
      agentView.push({ role: 'assistant', text: a.text, toolCalls: a.toolCalls });
      for (const call of a.toolCalls) {
        const r = mock(call.arguments);
        agentView.push(result(r));
        lines.push(`[turn ${turn}] TOOL ${call.name} ${JSON.stringify(call.arguments)} -> ${r}`);
        const error = (JSON.parse(r) as { error?: string }).error;
        if (error) toolErrors.push({ turn, tool: call.name, error });
      }
      if (a.toolCalls.length === 0) {
        lines.push(`[turn ${turn}] AGENT: ${a.text}`);
        userView.push(user(a.text));
        break;
      }
    }
  }
  const transcript = lines.join('\n');
  const failureTags: string[] = [];
  for (const r of RUBRICS)
    if (!(JSON.parse(judge(r.value, transcript)) as { pass: boolean }).pass) failureTags.push(r.tag);
  if (lines.some((l) => l.includes('AGENT:') && l.includes('**'))) failureTags.push('FORMAT_ERROR');
  return { id: `conv-${index}`, ended, turns, lines, failureTags, toolErrors };
}

describe('a scale run played on the simulator', () => {
  const runs = 8;
  const winRate = (played: Played[]): number => played.filter((p) => p.failureTags.length === 0).length / played.length;

  it('gives the base prompt mixed failure tags, and the summarizer’s revised prompt passes every conversation', () => {
    const round = (prompt: string): { played: Played[]; revised: string } => {
      const played = Array.from({ length: runs }, (_, i) => play(prompt, i));
      const digest = digestText(
        played.map((p) => ({ id: p.id, turns: p.turns, failureTags: p.failureTags, toolErrors: p.toolErrors })),
      );
      const parsed = parseSummarizerReply(
        summarize(prompt, digest),
        played.map((p) => p.id),
      );
      assert.ok(parsed.ok, parsed.ok ? '' : parsed.problem);
      return { played, revised: parsed.value.revisedPrompt };
    };
    const first = round(BASE);
    const tags = new Set(first.played.flatMap((p) => p.failureTags));
    for (const t of ['GOAL_MISS', 'CHARACTER_BREAK'])
      assert.ok(tags.has(t), `base run shows ${t}: ${[...tags].join(',')}`);
    assert.ok(
      first.played.some((p) => p.toolErrors.length > 0),
      'base run has tool errors',
    );
    assert.ok(
      first.played.every((p) => p.ended === 'user_stop'),
      first.played.map((p) => p.ended).join(','),
    );
    assert.ok(tags.has('FORMAT_ERROR'), 'bold error reports');
    assert.equal(winRate(first.played), 0);

    const second = Array.from({ length: runs }, (_, i) => play(first.revised, i));
    assert.equal(
      winRate(second),
      1,
      second
        .filter((p) => p.failureTags.length)
        .map((p) => `${p.id} ${p.failureTags.join(',')}\n${p.lines.join('\n')}`)
        .join('\n\n'),
    );
  });

  it('mixes passes and failures when only some quirks are fixed: rude users and held-back details still fail', () => {
    const partial = [BASE, SIM_RULES.find((r) => r.id === 'json_types')!.sentence, scaleSentence('plain_text')].join(
      '\n',
    );
    const played = Array.from({ length: runs }, (_, i) => play(partial, i));
    const rate = winRate(played);
    assert.ok(rate > 0 && rate < 1, `win rate ${rate}`);
    const tags = new Set(played.flatMap((p) => p.failureTags));
    assert.deepEqual([...tags].sort(), ['CHARACTER_BREAK', 'GOAL_MISS']);
  });

  it('mixes outcomes for the base prompt when the tools accept its arguments', () => {
    const played = Array.from({ length: 12 }, (_, i) => play(BASE, i, lenientMock));
    const rate = winRate(played);
    assert.ok(rate > 0 && rate < 0.5, `win rate ${rate}`);
    const tags = new Set(played.flatMap((p) => p.failureTags));
    assert.deepEqual([...tags].sort(), ['CHARACTER_BREAK', 'FORMAT_ERROR', 'GOAL_MISS']);
  });

  it('plays the same conversation for the same seed', () => {
    assert.deepEqual(play(BASE, 3).lines, play(BASE, 3).lines);
  });
});
