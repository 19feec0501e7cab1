// The simulator's prompt-optimization roles as pure functions and over HTTP: the answer role's quirks and the
// rules that switch them off (checked against examples/prompt-optimization.json), the APO critique naming the
// rules of the quirks it sees, the edit adding them per candidate, and the chat echo left as it was.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';
import {
  ANSWER_SIM_RULES,
  SCALE_SIM_RULES,
  SIM_RULES,
  activeAnswerRules,
  activeRules,
  activeScaleRules,
  simulate,
  type AnswerSimRuleId,
} from '../sim/behaviour';
import { numberWords, parseQuestion, wordsByHash } from '../sim/answerBehaviour';
import { CRITIQUE_NOTHING, answerQuirks, rulesForCandidate } from '../sim/apoBehaviour';
import { startSimulator } from '../sim/server';

const BASE = 'You are a concise assistant.';
const sentence = (id: AnswerSimRuleId): string => ANSWER_SIM_RULES.find((r) => r.id === id)!.sentence;
const withRules = (...ids: AnswerSimRuleId[]): string => [BASE, ...ids.map(sentence)].join('\n');
const ALL: AnswerSimRuleId[] = ['final_only', 'digits', 'no_period'];

function ask(system: string, question: string): ReturnType<typeof simulate> {
  return simulate({ model: 'sim-1', system, messages: [{ role: 'user', text: question }], tools: [] });
}

const CRITIQUE_SYSTEM = 'You critique system prompts for an agent. Return concise actionable guidance.';
const EDIT_SYSTEM = 'You edit system prompts using critique text. Return only the revised prompt.';

function example(input: string, expected: string, answer: string, reward = 0): string {
  return `<example><input>${input}</input><expected>${expected}</expected><answer>${answer}</answer><reward>${reward}</reward></example>`;
}
function critique(prompt: string, examples: string[]): ReturnType<typeof simulate> {
  const user = `<current_prompt>${prompt}</current_prompt>\n${examples.join('\n')}`;
  return simulate({ model: 'sim-1', system: CRITIQUE_SYSTEM, messages: [{ role: 'user', text: user }], tools: [] });
}
function edit(prompt: string, critiqueText: string, k: number, n: number): ReturnType<typeof simulate> {
  const user = `<current_prompt>${prompt}</current_prompt>\n<critique>${critiqueText}</critique>\nCandidate ${k} of ${n}.`;
  return simulate({ model: 'sim-1', system: EDIT_SYSTEM, messages: [{ role: 'user', text: user }], tools: [] });
}

interface ExampleConfig {
  optimize: { prompt: string; expected: string; must_not_regress?: boolean }[];
  validate: { prompt: string; expected: string; must_not_regress?: boolean }[];
  resources: { system_prompt: string };
}
const config = JSON.parse(
  readFileSync(join(__dirname, '../../examples/prompt-optimization.json'), 'utf8'),
) as ExampleConfig;
const items = [...config.optimize, ...config.validate];
const passRate = (system: string): number =>
  items.filter((i) => ask(system, i.prompt).text.trim() === i.expected.trim()).length / items.length;

describe('simulator answer rules', () => {
  it('switches each rule on by its own sentence only, never by a tool-calling or conversation rule, nor the reverse', () => {
    for (const rule of ANSWER_SIM_RULES)
      assert.deepEqual([...activeAnswerRules(`${BASE}\n${rule.sentence}`)], [rule.id]);
    assert.equal(activeAnswerRules([...SIM_RULES, ...SCALE_SIM_RULES].map((r) => r.sentence).join('\n')).size, 0);
    const answerSentences = ANSWER_SIM_RULES.map((r) => r.sentence).join('\n');
    assert.equal(activeRules(answerSentences).size, 0);
    assert.equal(activeScaleRules(answerSentences).size, 0);
    assert.equal(activeAnswerRules(BASE).size, 0);
  });

  it('accepts paraphrases that hit a trigger', () => {
    assert.deepEqual(
      [...activeAnswerRules('Give just the answer, write numbers in numerals, and use no trailing period.')].sort(),
      ['digits', 'final_only', 'no_period'],
    );
  });
});

describe('simulated answer role', () => {
  it('answers arithmetic, capitals, letter counts and spelling, wrapped in a sentence without final_only', () => {
    assert.deepEqual(
      [
        'What is 12 + 7?',
        'What is 6 times 7?',
        'What is 20 minus 8?',
        'What is 100 divided by 4?',
        'What is the capital of France?',
        "How many letters are in 'banana'?",
        'Spell out the number 12 in words.',
      ].map((q) => ask(BASE, q).text),
      [
        'The answer is nineteen.',
        'The answer is 42.',
        'The answer is 12.',
        'The answer is 25.',
        'The capital of France is Paris.',
        "There are six letters in 'banana'.",
        '12 in words is twelve.',
      ],
    );
    assert.equal(ask(BASE, 'What is 12 + 7?').mode, 'answer');
  });

  it('obeys each rule: the bare answer, digits for every number (even one asked in words), no final period', () => {
    assert.equal(ask(withRules('final_only'), 'What is the capital of France?').text, 'Paris.');
    assert.equal(ask(withRules('final_only', 'no_period'), 'What is the capital of France?').text, 'Paris');
    assert.equal(ask(withRules('no_period'), 'What is the capital of France?').text, 'The capital of France is Paris');
    assert.equal(ask(withRules('final_only', 'no_period'), 'What is 12 + 7?').text, 'nineteen');
    assert.equal(ask(withRules(...ALL), 'What is 12 + 7?').text, '19');
    assert.equal(ask(withRules('digits'), 'What is 12 + 7?').text, 'The answer is 19.');
    assert.equal(
      ask(withRules(...ALL), 'Spell out the number 12 in words.').text,
      '12',
      'the digits rule is over-general: a must_not_regress case catches it',
    );
    assert.equal(ask(withRules('final_only', 'no_period'), 'Spell out the number 12 in words.').text, 'twelve');
  });

  it('writes about half the numbers as words, by a hash of the question', () => {
    const qs = Array.from({ length: 40 }, (_, i) => `What is ${i} + ${i + 3}?`);
    const share = qs.filter(wordsByHash).length / qs.length;
    assert.ok(share > 0.3 && share < 0.7, `words in ${share}`);
    assert.deepEqual(
      [numberWords(0), numberWords(42), numberWords(105), numberWords(-3), numberWords(2.5)],
      ['zero', 'forty-two', 'one hundred and five', 'minus three', null],
    );
  });

  it('leaves every other text to the chat echo, as before', () => {
    for (const text of [
      'hello',
      'What is 12 + 7 and why?',
      'What is the capital of Atlantis?',
      'What is 1 divided by 0?',
    ]) {
      const r = ask(BASE, text);
      assert.deepEqual([r.mode, r.text], ['chat', `(simulator) You said: ${text}`]);
    }
    assert.equal(parseQuestion('What is the capital of Atlantis?'), null);
  });

  it('gives the example config a low baseline, a spread with some rules, and 100% with all of them', () => {
    const base = passRate(config.resources.system_prompt);
    assert.ok(base <= 0.3, `baseline ${base}`);
    assert.ok(passRate(withRules('final_only', 'no_period')) > base);
    assert.ok(passRate(withRules('final_only', 'no_period')) < 1);
    assert.ok(passRate(withRules('final_only')) < 1);
    assert.equal(passRate(withRules(...ALL)), 1);
    assert.equal(config.validate.filter((i) => i.must_not_regress === true).length, 1);
    assert.ok(
      config.optimize.length >= 8 &&
        config.optimize.length <= 12 &&
        config.validate.length >= 6 &&
        config.validate.length <= 10,
    );
  });
});

describe('simulated APO critique and edit', () => {
  it('names the rule sentence of every quirk visible in the failing examples, in rule order', () => {
    const r = critique(BASE, [
      example('What is 12 + 7?', '19', 'The answer is nineteen.'),
      example('What is the capital of France?', 'Paris', 'The capital of France is Paris.'),
    ]);
    assert.equal(r.mode, 'critique', 'not the meta model although <current_prompt> is there');
    const named = ANSWER_SIM_RULES.filter((rule) => r.text.includes(rule.sentence)).map((rule) => rule.id);
    assert.deepEqual(named, ['final_only', 'digits', 'no_period']);
  });

  it('names only what shows, and ignores examples that passed', () => {
    const period = critique(BASE, [example('What is the capital of France?', 'Paris', 'Paris.')]);
    assert.deepEqual(
      ANSWER_SIM_RULES.filter((rule) => period.text.includes(rule.sentence)).map((rule) => rule.id),
      ['no_period'],
    );
    const words = critique(BASE, [example('What is 12 + 7?', '19', 'nineteen')]);
    assert.deepEqual(
      ANSWER_SIM_RULES.filter((rule) => words.text.includes(rule.sentence)).map((rule) => rule.id),
      ['digits'],
    );
    assert.equal(
      critique(BASE, [example('What is 12 + 7?', '19', 'The answer is nineteen.', 1)]).text,
      CRITIQUE_NOTHING,
    );
    assert.equal(
      critique(BASE, [example('What is 12 + 7?', '19', '20')]).text,
      CRITIQUE_NOTHING,
      'a wrong answer has no formatting quirk',
    );
    assert.deepEqual(
      [...answerQuirks('one hundred and five', '105')],
      ['digits'],
      'a number in words is not "extra words"',
    );
  });

  it('adds the critique’s rules the prompt lacks: candidate 1 all, the others different subsets, k ≥ 2 with one rule duplicates', () => {
    const text = critique(BASE, [example('What is 12 + 7?', '19', 'The answer is nineteen.')]).text;
    const c1 = edit(BASE, text, 1, 3);
    assert.equal(c1.mode, 'edit');
    assert.equal(c1.text, withRules(...ALL));
    assert.equal(edit(BASE, text, 2, 3).text, withRules('digits', 'no_period'));
    assert.equal(edit(BASE, text, 3, 3).text, withRules('final_only', 'no_period'));
    assert.equal(
      edit(withRules('final_only'), text, 1, 2).text,
      withRules('final_only', 'digits', 'no_period'),
      'a rule already stated is not added again',
    );
    assert.equal(
      edit(withRules('final_only', 'digits'), text, 2, 2).text,
      edit(withRules('final_only', 'digits'), text, 1, 2).text,
    );
    assert.equal(edit(BASE, CRITIQUE_NOTHING, 1, 1).text, BASE, 'nothing named: the prompt comes back unchanged');
    assert.deepEqual(rulesForCandidate([], 4), []);
  });
});

describe('simulator server counts the prompt-optimization roles', function () {
  this.timeout(10_000);
  it('counts answer, critique and edit in byMode, and chat for the echo', async () => {
    const sim = await startSimulator();
    try {
      const openai = new OpenAI({ apiKey: 'k', baseURL: sim.openaiBaseUrl, maxRetries: 0 });
      const send = async (system: string, user: string): Promise<string> =>
        (
          await openai.chat.completions.create({
            model: 'sim-1',
            messages: [
              { role: 'system', content: system },
              { role: 'user', content: user },
            ],
          })
        ).choices[0]!.message.content ?? '';
      assert.equal(await send(withRules(...ALL), 'What is 6 times 7?'), '42');
      await send(
        CRITIQUE_SYSTEM,
        `<current_prompt>${BASE}</current_prompt>${example('What is 6 times 7?', '42', 'The answer is forty-two.')}`,
      );
      await send(
        EDIT_SYSTEM,
        `<current_prompt>${BASE}</current_prompt><critique>${sentence('digits')}</critique>Candidate 1 of 1`,
      );
      await send(BASE, 'hello');
      const c = sim.counters().byMode;
      assert.deepEqual([c.answer, c.critique, c.edit, c.chat, c.meta], [1, 1, 1, 1, 0]);
    } finally {
      await sim.close();
    }
  });
});
