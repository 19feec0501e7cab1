// The simulator's pure behaviour, and the example suite's design checked against it with a small
// checker of our own (the product's evaluator is tested in its own files).
import { strict as assert } from 'node:assert';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { findDates, findCurrencies, findPlaces } from '../sim/argExtraction';
import {
  SIM_RULES,
  activeRules,
  simulate,
  splitClauses,
  type SimFailureReason,
  type SimMessage,
  type SimRequest,
  type SimRuleId,
  type SimTool,
  type SimToolCall,
} from '../sim/behaviour';
import { crossoverVariant, failureReasons, metaReply, reflectiveVariant, strategyVariant } from '../sim/metaBehaviour';
import { STRATEGIES } from '../../src/core/tuning/metaPrompts';

interface SuiteCase {
  id: string;
  prompt?: string;
  messages?: { role: 'user' | 'assistant'; content: string }[];
  expect: {
    tool?: string;
    args?: Record<string, unknown>;
    calls?: { tool: string; args?: Record<string, unknown> }[];
    noToolCall?: boolean;
  };
}
interface SuiteFile {
  tools: SimTool[];
  cases: SuiteCase[];
}

const readSuite = (name: string): SuiteFile =>
  JSON.parse(readFileSync(join(__dirname, '../../examples', name), 'utf8')) as SuiteFile;
const suite = readSuite('travel-desk.suite.json');
const smartHome = readSuite('smart-home.suite.json');
const BASE = 'You are a helpful travel assistant.';

function request(system: string, c: SuiteCase, model = 'sim-1', tools = suite.tools): SimRequest {
  const messages: SimMessage[] = c.prompt
    ? [{ role: 'user', text: c.prompt }]
    : (c.messages ?? []).map((m) =>
        m.role === 'user' ? { role: 'user', text: m.content } : { role: 'assistant', text: m.content, toolCalls: [] },
      );
  return { model, system, messages, tools };
}

function matches(expected: unknown, actual: unknown): boolean {
  if (expected && typeof expected === 'object') {
    const m = expected as Record<string, unknown>;
    if ('any' in m) return actual !== undefined;
    if ('absent' in m) return actual === undefined;
    if ('oneOf' in m) return (m.oneOf as unknown[]).some((v) => matches(v, actual));
    if ('regex' in m) return typeof actual === 'string' && new RegExp(String(m.regex)).test(actual);
    if ('min' in m || 'max' in m)
      return typeof actual === 'number' && actual >= Number(m.min ?? -Infinity) && actual <= Number(m.max ?? Infinity);
  }
  if (typeof expected === 'string')
    return typeof actual === 'string' && actual.trim().toLowerCase() === expected.trim().toLowerCase();
  return actual === expected;
}

function typeOk(schema: { type?: unknown } | undefined, v: unknown): boolean {
  switch (schema?.type) {
    case 'integer':
      return Number.isInteger(v);
    case 'number':
      return typeof v === 'number';
    case 'boolean':
      return typeof v === 'boolean';
    case 'string':
      return typeof v === 'string';
    default:
      return true;
  }
}

/** BFCL order: tool, required present, no extra, types, values. */
function checkCall(
  tools: SimTool[],
  expected: { tool: string; args?: Record<string, unknown> },
  call: SimToolCall,
): SimFailureReason | null {
  if (call.name !== expected.tool) return 'wrong_tool';
  const tool = tools.find((t) => t.name === call.name)!;
  const props = (tool.parameters.properties ?? {}) as Record<string, { type?: unknown }>;
  const required = (tool.parameters.required ?? []) as string[];
  if (required.some((r) => !(r in call.arguments))) return 'missing_arg';
  if (Object.keys(call.arguments).some((k) => !(k in props))) return 'unexpected_arg';
  if (Object.entries(call.arguments).some(([k, v]) => !typeOk(props[k], v))) return 'type_error';
  for (const [k, m] of Object.entries(expected.args ?? {})) if (!matches(m, call.arguments[k])) return 'value_error';
  return null;
}

function check(tools: SimTool[], c: SuiteCase, calls: SimToolCall[]): SimFailureReason | null {
  if (c.expect.noToolCall) return calls.length > 0 ? 'unexpected_call' : null;
  const wanted = c.expect.calls ?? [{ tool: c.expect.tool!, args: c.expect.args }];
  if (calls.length === 0) return 'no_call';
  if (calls.length !== wanted.length) return 'call_count';
  for (const w of wanted) {
    const call = calls.find((k) => k.name === w.tool);
    if (!call) return 'wrong_tool';
    const r = checkCall(tools, w, call);
    if (r) return r;
  }
  return null;
}

function run(system: string, model = 'sim-1', file: SuiteFile = suite): Map<string, SimFailureReason | null> {
  return new Map(
    file.cases.map((c) => [c.id, check(file.tools, c, simulate(request(system, c, model, file.tools)).toolCalls)]),
  );
}

function promptWith(ids: SimRuleId[]): string {
  return [BASE, ...SIM_RULES.filter((r) => ids.includes(r.id)).map((r) => r.sentence)].join('\n');
}

function score(results: Map<string, SimFailureReason | null>): number {
  return [...results.values()].filter((r) => r === null).length / results.size;
}

// Which rules each case needs (the suite's design, documented in test/sim/README.md).
const NEEDS: Record<string, SimRuleId[]> = {
  'weather-iso': [],
  'weather-units': [],
  'flights-basic': [],
  'cancel-basic': [],
  'weather-follow-up': [],
  'smalltalk-thanks': ['abstain'],
  'smalltalk-after-search': ['abstain'],
  'weather-date-words': ['iso_dates'],
  'flights-date-words': ['iso_dates'],
  'currency-amount': ['json_types'],
  'flights-passengers': ['json_types'],
  'hotel-date-words-nights': ['iso_dates', 'json_types'],
  'flights-preference': ['schema_only'],
  'hotel-preference-guests': ['schema_only', 'json_types'],
  'cancel-and-weather': ['all_calls'],
  'weather-and-currency': ['all_calls', 'json_types'],
};

describe('simulator behaviour on the travel-desk suite', () => {
  it('covers every case of the suite in the design table', () => {
    assert.deepEqual(suite.cases.map((c) => c.id).sort(), Object.keys(NEEDS).sort());
  });

  it('scores the plain base prompt between 20% and 40%', () => {
    const s = score(run(BASE));
    assert.ok(s >= 0.2 && s <= 0.4, `base score ${s}`);
  });

  it('passes every case when all rules are stated', () => {
    const results = run(promptWith(SIM_RULES.map((r) => r.id)));
    const failed = [...results].filter(([, r]) => r !== null);
    assert.deepEqual(failed, []);
  });

  it('passes exactly the cases whose needed rules are stated, for every single rule and for all but one', () => {
    const sets: SimRuleId[][] = [
      [],
      ...SIM_RULES.map((r) => [r.id]),
      ...SIM_RULES.map((r) => SIM_RULES.map((x) => x.id).filter((x) => x !== r.id)),
    ];
    for (const set of sets) {
      const results = run(promptWith(set));
      for (const [id, reason] of results) {
        const shouldPass = NEEDS[id]!.every((n) => set.includes(n));
        assert.equal(reason === null, shouldPass, `rules [${set.join(',')}] case ${id}: reason ${reason}`);
      }
    }
  });

  it('fails each case without its rule with a reason that rule fixes', () => {
    for (const rule of SIM_RULES) {
      const results = run(promptWith(SIM_RULES.map((r) => r.id).filter((x) => x !== rule.id)));
      for (const [id, reason] of results) {
        if (NEEDS[id]!.includes(rule.id))
          assert.ok(reason && rule.fixes.includes(reason), `${rule.id} / ${id}: ${reason}`);
      }
    }
  });

  it('scores the smart-home suite low with the base prompt and 100% with all rules', () => {
    const base = score(run(BASE, 'sim-1', smartHome));
    assert.ok(base >= 0.2 && base <= 0.4, `base score ${base}`);
    assert.equal(score(run(promptWith(SIM_RULES.map((r) => r.id)), 'sim-1', smartHome)), 1);
  });

  it('gives models named *lite* no parallel calls even with every rule', () => {
    const results = run(promptWith(SIM_RULES.map((r) => r.id)), 'sim-lite');
    assert.equal(results.get('cancel-and-weather'), 'call_count');
    assert.equal(results.get('weather-iso'), null);
  });

  it('recognises paraphrased rules through their triggers', () => {
    const active = activeRules(
      'Never call tools for small talk. Use YYYY-MM-DD. Send JSON numbers. Use only the parameters given. Make one tool call for each request.',
    );
    assert.deepEqual([...active].sort(), SIM_RULES.map((r) => r.id).sort());
    assert.equal(activeRules(BASE).size, 0);
  });
});

describe('simulator argument extraction', () => {
  it('finds dates in ISO and in words, with the default year', () => {
    assert.deepEqual(
      findDates('on December 5 and 7 January 2027 or 2026-03-01', 2026).map((d) => [d.text, d.iso]),
      [
        ['December 5', '2026-12-05'],
        ['7 January 2027', '2027-01-07'],
        ['2026-03-01', '2026-03-01'],
      ],
    );
  });
  it('finds currencies by code and by name, in order', () => {
    assert.deepEqual(
      findCurrencies('Convert 250 euros to US dollars or GBP').map((c) => c.code),
      ['EUR', 'USD', 'GBP'],
    );
  });
  it('finds places after prepositions, skipping months', () => {
    assert.deepEqual(
      findPlaces('from London to New York in December').map((p) => [p.prep, p.place]),
      [
        ['from', 'London'],
        ['to', 'New York'],
      ],
    );
  });
  it('splits several requests into clauses', () => {
    assert.deepEqual(splitClauses('Cancel X1 and then check the weather. Thanks!'), [
      'Cancel X1',
      'check the weather.',
      'Thanks!',
    ]);
  });
});

describe('simulator meta model', () => {
  const sentence = (id: SimRuleId): string => SIM_RULES.find((r) => r.id === id)!.sentence;
  const meta = (text: string): string =>
    simulate({ model: 'sim-1', system: '', messages: [{ role: 'user', text }], tools: [] }).text;

  it('answers the reflective contract by adding the rule for the first unfixed failure reason', () => {
    const prompt = `${BASE}\n${sentence('abstain')}`;
    const out = meta(
      `<current_prompt>${prompt}</current_prompt>\n<failures>\ncase s1: unexpected_call (called get_weather)\ncase w3: value_error date "December 5"\n</failures>`,
    );
    const m = out.match(/<prompt>([\s\S]*)<\/prompt>/);
    assert.ok(m, out);
    assert.equal(m[1], `${prompt}\n${sentence('iso_dates')}`);
  });

  it('makes its next choice when the request says the previous answer was a duplicate', () => {
    const ask = `<current_prompt>${BASE}</current_prompt>\n<failures>\n- unexpected_call: case a\n- value_error: case b\n</failures>`;
    const first = meta(ask);
    const retry = meta(
      `${ask}\nYour previous answer was empty or identical to a prompt we already have. Write a different prompt.`,
    );
    assert.ok(first.includes(sentence('abstain')), first);
    assert.ok(retry.includes(sentence('iso_dates')) && !retry.includes(sentence('abstain')), retry);
  });

  it('reads failure reasons in order of first mention', () => {
    assert.deepEqual(failureReasons('a: type_error x\nb: no_call\nc: type_error'), ['type_error', 'no_call']);
  });

  it('falls back to a strategy pick when no listed reason has a missing rule', () => {
    const out = reflectiveVariant(BASE, ['wrong_tool'], 's');
    assert.equal(activeRules(out).size, 1);
  });

  it('gives different variants for different strategies, each adding one rule', () => {
    const variants = new Set(
      ['clarity', 'examples', 'constraints', 'structure', 'edge cases', 'brevity'].map((s) => strategyVariant(BASE, s)),
    );
    assert.ok(variants.size >= 2, [...variants].join(' | '));
    for (const v of variants) assert.equal(activeRules(v).size, 1);
    assert.equal(strategyVariant(BASE, 'clarity'), strategyVariant(BASE, 'clarity'));
  });

  it('follows a strategy that names an aspect: the engine’s first five strategies give five different rules', () => {
    assert.equal(strategyVariant(BASE, 'normalise dates and numbers'), `${BASE}\n${sentence('iso_dates')}`);
    const firstFive = STRATEGIES.slice(0, 5).map((s) => strategyVariant(BASE, s));
    assert.equal(new Set(firstFive).size, 5, firstFive.join(' | '));
    const ids = firstFive.map((v) => [...activeRules(v)][0]).sort();
    assert.deepEqual(ids, SIM_RULES.map((r) => r.id).sort(), 'one variant per rule');
  });

  it('crossover keeps parent A and adds the rules only parent B has', () => {
    const a = `${BASE}\n${sentence('abstain')}`;
    const b = `${BASE}\n${sentence('json_types')}\n${sentence('abstain')}`;
    assert.equal(crossoverVariant(a, b), `${a}\n${sentence('json_types')}`);
    const out = meta(`<parent_a>${a}</parent_a><parent_b>${b}</parent_b>`);
    assert.match(out, /<prompt>[\s\S]*<\/prompt>/);
  });

  it('still changes a prompt that has every rule', () => {
    const all = promptWith(SIM_RULES.map((r) => r.id));
    const v = strategyVariant(all, 'x');
    assert.notEqual(v, all);
    assert.equal(activeRules(v).size, SIM_RULES.length);
  });

  it('uses the last complete tag when instructions mention the tag first', () => {
    const out = metaReply({
      model: 'm',
      system: 'You improve prompts. The prompt is in <current_prompt> tags. Reply with <prompt>…</prompt>.',
      messages: [{ role: 'user', text: `<current_prompt>${BASE}</current_prompt><strategy>s</strategy>` }],
      tools: [],
    });
    assert.ok(out.includes(`<prompt>${BASE}\n`), out);
  });
});

describe('simulator packaging', () => {
  it('is never imported from src/ (it must not ship in the VSIX)', () => {
    const root = join(__dirname, '../../src');
    const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => /\.tsx?$/.test(f));
    assert.ok(files.length > 0);
    const offenders = files.filter((f) =>
      /from\s+['"][^'"]*test\/sim\b|require\(['"][^'"]*test\/sim\b/.test(readFileSync(join(root, f), 'utf8')),
    );
    assert.deepEqual(offenders, []);
  });
});
