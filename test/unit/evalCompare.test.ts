// Compare Two Prompts without an editor: the exact McNemar test against known values, the pairing of A's and
// B's outcomes, the verdict's wording, and the report view the panel is sent (reportView.ts).
import { strict as assert } from 'node:assert';
import {
  comparePrompts,
  comparisonVerdict,
  formatComparison,
  formatPValue,
  mcnemarExact,
} from '../../src/core/suites/compare';
import { summarize, type CaseResult } from '../../src/core/suites/evaluate';
import type { Suite } from '../../src/core/suites/suiteSchema';
import { buildReportView, expectedLines } from '../../src/extension/evalReport/reportView';
import { caseOffset } from '../../src/extension/evalReport/suiteCaseRange';

function r(caseId: string, model: string, pass: boolean, repeat = 0): CaseResult {
  return {
    caseId,
    model,
    repeat,
    pass,
    reason: pass ? null : 'value_error',
    detail: pass ? null : 'args.date: expected "2026-12-05", got "December 5"',
    toolCalls: [],
    text: '',
    latencyMs: 5,
    usage: { inputTokens: 10, outputTokens: 2, cachedInputTokens: 0 },
    costUsd: null,
    cached: false,
  };
}

/** The exact two-sided p by brute force over the binomial pmf (what mcnemarExact must equal). */
function bruteForce(b: number, c: number): number {
  const n = b + c;
  if (n === 0) return 1;
  const choose = (k: number) => {
    let v = 1;
    for (let i = 1; i <= k; i += 1) v = (v * (n - i + 1)) / i;
    return v;
  };
  let tail = 0;
  for (let i = 0; i <= Math.min(b, c); i += 1) tail += choose(i) / 2 ** n;
  return Math.min(1, 2 * tail);
}

describe('exact McNemar test', () => {
  it('gives the known values', () => {
    // b = 1, c = 9: 2·(1 + 10)/1024 = 0.021484375.
    assert.ok(Math.abs(mcnemarExact(1, 9) - 0.021484375) < 1e-12, String(mcnemarExact(1, 9)));
    assert.equal(mcnemarExact(9, 1), mcnemarExact(1, 9), 'symmetric');
    assert.ok(Math.abs(mcnemarExact(0, 5) - 0.0625) < 1e-12, '2 / 2^5');
    assert.ok(Math.abs(mcnemarExact(0, 11) - 2 / 2048) < 1e-12);
    assert.ok(Math.abs(mcnemarExact(2, 8) - (2 * (1 + 10 + 45)) / 1024) < 1e-12, '0.109375');
  });

  it('is 1 when b = c and when there is no discordant pair', () => {
    for (const k of [1, 2, 5, 40, 500]) assert.equal(mcnemarExact(k, k), 1, `b = c = ${k}`);
    assert.equal(mcnemarExact(0, 0), 1);
    assert.equal(mcnemarExact(0, 1), 1, 'one discordant pair can never be significant');
  });

  it('matches the brute-force binomial sum, and stays finite for suites too big for 2^-n', () => {
    for (let b = 0; b <= 12; b += 1)
      for (let c = 0; c <= 12; c += 1)
        assert.ok(Math.abs(mcnemarExact(b, c) - bruteForce(b, c)) < 1e-12, `b=${b} c=${c}`);
    const big = mcnemarExact(600, 800);
    assert.ok(big > 0 && big < 1e-6 && Number.isFinite(big), String(big));
    assert.equal(mcnemarExact(700, 700), 1);
    assert.ok(mcnemarExact(1000, 1100) > 0.01 && mcnemarExact(1000, 1100) < 0.05, String(mcnemarExact(1000, 1100)));
  });

  it('refuses counts that are not whole numbers ≥ 0, naming which', () => {
    assert.throws(() => mcnemarExact(-1, 2), /b: expected a whole number ≥ 0, got -1/);
    assert.throws(() => mcnemarExact(1, 2.5), /c: expected a whole number ≥ 0, got 2.5/);
  });
});

describe('comparing two prompts (pairing)', () => {
  const models = ['a/x', 'b/y'];

  it('pairs by case, model and try, counts wins and losses per model, and leaves unpaired results out', () => {
    const a = [
      r('c1', 'a/x', false),
      r('c2', 'a/x', true),
      r('c3', 'a/x', false),
      r('c1', 'b/y', true),
      r('c2', 'b/y', false),
    ];
    // B in another order; c3 on b/y only in B, c2 on b/y missing from B (its run stopped).
    const b = [
      r('c2', 'a/x', false),
      r('c1', 'b/y', true),
      r('c3', 'a/x', false),
      r('c1', 'a/x', true),
      r('c3', 'b/y', true),
    ];
    const c = comparePrompts(a, b, models);
    assert.deepEqual(
      c.pairs.map((p) => `${p.caseId}/${p.model}:${p.change}`),
      ['c1/a/x:win', 'c2/a/x:loss', 'c3/a/x:bothFail', 'c1/b/y:bothPass'],
      "in A's order",
    );
    assert.deepEqual(
      { wins: c.total.wins, losses: c.total.losses, bothPass: c.total.bothPass, bothFail: c.total.bothFail },
      { wins: 1, losses: 1, bothPass: 1, bothFail: 1 },
    );
    assert.equal(c.total.pValue, 1);
    assert.equal(c.total.significant, false);
    assert.deepEqual(
      c.perModel.map((m) => [m.model, m.wins, m.losses, m.bothPass, m.bothFail]),
      [
        ['a/x', 1, 1, 0, 1],
        ['b/y', 0, 0, 1, 0],
      ],
    );
    assert.deepEqual(c.unpaired, { a: 1, b: 1 });
    assert.equal(c.alpha, 0.05);
  });

  it('pairs tries with tries (repeat 1 with repeat 1), not across tries', () => {
    const a = [r('c1', 'a/x', true, 0), r('c1', 'a/x', false, 1)];
    const b = [r('c1', 'a/x', false, 1), r('c1', 'a/x', false, 0)];
    assert.deepEqual(
      comparePrompts(a, b, ['a/x']).pairs.map((p) => [p.repeat, p.change]),
      [
        [0, 'loss'],
        [1, 'bothFail'],
      ],
    );
  });

  it('is significant with 9 wins against 1 loss, and says which prompt is better', () => {
    const ids = Array.from({ length: 12 }, (_, i) => `c${i}`);
    // 9 cases B fixes, 1 it breaks, 2 both pass.
    const a = ids.map((id, i) => r(id, 'a/x', i === 9 || i >= 10));
    const b = ids.map((id, i) => r(id, 'a/x', i < 9 || i >= 10));
    const c = comparePrompts(a, b, ['a/x']);
    assert.equal(c.total.wins, 9);
    assert.equal(c.total.losses, 1);
    assert.ok(Math.abs(c.total.pValue - 0.021484375) < 1e-12);
    assert.equal(c.total.significant, true);
    assert.equal(
      comparisonVerdict(c.total),
      'B is better: 9 wins, 1 loss, significant at 0.05 (exact McNemar p = 0.021).',
    );
    // The same counts the other way round: A is better.
    const reverse = comparePrompts(b, a, ['a/x']);
    assert.match(comparisonVerdict(reverse.total), /^A is better: 1 win, 9 losses, significant/);
    assert.match(
      formatComparison(c, 'v1', 'v2'),
      /^Comparison: A = v1, B = v2\nB is better[^\n]*\n {2}a\/x: 9 win\(s\), 1 loss\(es\), 2 both pass, 0 both fail, p = 0\.021\n$/,
    );
  });

  it('calls a small difference what it is: not significant, may be noise; equal counts no difference', () => {
    const t = { wins: 3, losses: 1, bothPass: 0, bothFail: 0, pValue: mcnemarExact(1, 3), significant: false };
    assert.equal(
      comparisonVerdict(t),
      'B looks better (3 wins, 1 loss) but the difference is not significant at 0.05 (exact McNemar p = 0.625): it may be noise.',
    );
    assert.equal(
      comparisonVerdict({ ...t, wins: 0, losses: 0, pValue: 1 }),
      'No difference: 0 wins, 0 losses (p = 1).',
    );
    assert.equal(formatPValue(0.0004), '< 0.001');
    assert.match(
      comparisonVerdict({
        wins: 11,
        losses: 0,
        bothPass: 5,
        bothFail: 0,
        pValue: mcnemarExact(0, 11),
        significant: true,
      }),
      /\(exact McNemar p < 0\.001\)\.$/,
    );
    assert.equal(formatPValue(1), '1');
  });

  it('refuses two results for one pair (the pairing would be ambiguous)', () => {
    assert.throws(
      () => comparePrompts([r('c1', 'a/x', true)], [r('c1', 'a/x', true), r('c1', 'a/x', false)], ['a/x']),
      /prompt B has two results for c1 on a\/x \(try 1\)/,
    );
    assert.throws(
      () => comparePrompts([r('c1', 'a/x', true), r('c1', 'a/x', true)], [], ['a/x']),
      /prompt A has two results/,
    );
  });
});

describe('the report view the panel is sent', () => {
  const suite: Suite = {
    name: 'S',
    file: 's.suite.json',
    tools: [{ name: 'get_weather', parameters: { type: 'object' } }],
    cases: [
      {
        id: 'w',
        messages: [
          { role: 'user', content: 'hi' },
          {
            role: 'assistant',
            content: '',
            toolCalls: [
              { name: 'get_weather', arguments: undefined, rawArguments: '{bad', argumentsError: 'Unexpected token' },
            ],
          },
          { role: 'tool', toolCallId: '1', name: 'get_weather', content: 'sunny' },
        ],
        expect: { kind: 'calls', calls: [{ tool: 'get_weather', args: { city: { regex: '^Oslo$' } } }] },
      },
      {
        id: 'n',
        description: 'no call',
        messages: [{ role: 'user', content: 'thanks' }],
        expect: { kind: 'noToolCall' },
      },
    ],
  };
  const caseIds = ['w', 'n'];

  it('maps cases, results and totals; unknown prices stay unknown; no comparison for one run', () => {
    const res = {
      ...r('w', 'a/x', true),
      toolCalls: [{ name: 'get_weather', arguments: { city: 'Oslo' }, rawArguments: '{"city":"Oslo"}' }],
    };
    const summary = summarize([res, r('n', 'a/x', false)], ['a/x'], caseIds, 1);
    const v = buildReportView({
      suite,
      suiteFile: 'suites/s.suite.json',
      models: ['a/x'],
      repeat: 1,
      runs: [{ label: '', title: 'p.md', text: 'You are…', summary, partial: null }],
      finishedAt: new Date('2026-12-01T00:00:00Z'),
    });
    assert.equal(v.suiteFile, 'suites/s.suite.json');
    assert.equal(v.finishedAt, '2026-12-01T00:00:00.000Z');
    assert.deepEqual(
      v.cases[0]!.messages.map((m) => [m.role, m.toolName, m.toolCalls.length]),
      [
        ['user', null, 0],
        ['assistant', null, 1],
        ['tool', 'get_weather', 0],
      ],
    );
    assert.deepEqual(v.cases[0]!.messages[1]!.toolCalls[0], {
      name: 'get_weather',
      arguments: '{bad',
      argumentsError: 'Unexpected token',
    });
    assert.deepEqual(v.cases[0]!.expected, ['get_weather({"city":{"regex":"^Oslo$"}})']);
    assert.deepEqual(v.cases[1]!.expected, ['no tool call']);
    assert.equal(v.cases[1]!.description, 'no call');
    const run = v.runs[0]!;
    assert.equal(run.results[0]!.toolCalls[0]!.arguments, '{\n  "city": "Oslo"\n}');
    assert.equal(run.results[0]!.costUsd, null);
    assert.equal(run.costIncomplete, true);
    assert.equal(run.costUsd, 0);
    assert.equal(run.inputTokens, 20);
    assert.equal(run.passHatK, null);
    assert.equal(v.comparison, null);
  });

  it('compares A and B when given two runs, with the verdict; pass^k with repeats', () => {
    const sa = summarize([r('w', 'a/x', false), r('n', 'a/x', true)], ['a/x'], caseIds, 1);
    const sb = summarize([r('w', 'a/x', true), r('n', 'a/x', true)], ['a/x'], caseIds, 1);
    const v = buildReportView({
      suite,
      suiteFile: 's',
      models: ['a/x'],
      repeat: 1,
      runs: [
        { label: 'A', title: 'a', text: 'A', summary: sa, partial: null },
        { label: 'B', title: 'b', text: 'B', summary: sb, partial: 'Cancelled after 2 of 4 results.' },
      ],
      finishedAt: new Date(),
    });
    const c = v.comparison;
    assert.ok(c, 'two runs are compared');
    assert.deepEqual(
      c.pairs.map((p) => p.change),
      ['win', 'bothPass'],
    );
    assert.equal(c.total.wins, 1);
    assert.match(c.verdict, /^B looks better \(1 win, 0 losses\) but the difference is not significant/);
    assert.equal(v.runs[1]!.partial, 'Cancelled after 2 of 4 results.');

    const repeated = summarize([r('w', 'a/x', true, 0), r('w', 'a/x', false, 1)], ['a/x'], caseIds, 2);
    const rv = buildReportView({
      suite,
      suiteFile: 's',
      models: ['a/x'],
      repeat: 2,
      runs: [{ label: '', title: 'a', text: 'A', summary: repeated, partial: null }],
      finishedAt: new Date(),
    });
    assert.equal(rv.runs[0]!.passHatK, 0);
    assert.throws(
      () => buildReportView({ suite, suiteFile: 's', models: [], repeat: 1, runs: [], finishedAt: new Date() }),
      /runs: expected one run or two/,
    );
  });

  it('writes matchers as the suite does', () => {
    assert.deepEqual(
      expectedLines({
        kind: 'calls',
        calls: [
          { tool: 't', args: {} },
          { tool: 'u', args: { n: { min: 1 } } },
        ],
      }),
      ['t({})', 'u({"n":{"min":1}})'],
    );
  });
});

describe('Open in Suite (where a case is in its file)', () => {
  const text = `{
  "name": "S",
  // a comment: suites are read as JSON with comments by the editor
  "cases": [
    { "id": "first", "prompt": "the id \\"second\\" in a string", "expect": { "noToolCall": true } },
    {
      "id": "second", "prompt": "x", "expect": { "noToolCall": true },
      "messages": [{ "role": "assistant", "content": "", "toolCalls": [{ "id": "third", "name": "t", "arguments": {} }] }]
    }
  ]
}`;

  it("finds the case's id property, not the same words elsewhere", () => {
    const at = caseOffset(text, 'second');
    assert.ok(at !== undefined);
    assert.equal(text.slice(at, at + 8), '"second"');
    assert.equal(text.slice(0, at).split('\n').length, 7, 'on the line of the second case');
    assert.equal(caseOffset(text, 'third'), undefined, "a tool call's id inside a case is not a case id");
    assert.equal(caseOffset(text, 'S'), undefined, "the suite's name is not a case id");
    const first = caseOffset(text, 'first');
    assert.ok(first !== undefined);
    assert.equal(text.slice(first, first + 7), '"first"');
    assert.equal(caseOffset('{ not json', 'first'), undefined);
  });
});
