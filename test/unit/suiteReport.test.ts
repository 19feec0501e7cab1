import { strict as assert } from 'node:assert';
import { formatCost, formatEvalReport } from '../../src/core/suites/evalReport';
import { summarize, type CaseResult } from '../../src/core/suites/evaluate';

function result(caseId: string, model: string, pass: boolean, repeat = 0, costUsd: number | null = 0.001): CaseResult {
  return {
    caseId,
    model,
    repeat,
    pass,
    reason: pass ? null : 'value_error',
    detail: pass ? null : 'args.date: expected "2026-12-05", got "December 5"',
    toolCalls: [],
    text: '',
    latencyMs: 10,
    usage: { inputTokens: 100, outputTokens: 5, cachedInputTokens: 0 },
    costUsd,
    cached: false,
  };
}

describe('evaluation report', () => {
  it('never shows an unknown cost as 0', () => {
    assert.equal(formatCost(0, true), 'unknown');
    assert.equal(formatCost(0.0123, true), '$0.0123 + unknown (some prices unknown)');
    assert.equal(formatCost(0, false), '$0.00');
    assert.equal(formatCost(1.5, false), '$1.50');
  });

  it('shows per-model scores, a case grid, failures with details and totals', () => {
    const models = ['a/x', 'b/y'];
    const s = summarize(
      [
        result('w1', 'a/x', true),
        result('w1', 'b/y', false),
        result('w2', 'a/x', false, 0, null),
        result('w2', 'b/y', true),
      ],
      models,
      ['w1', 'w2'],
      1,
    );
    const text = formatEvalReport(s, {
      suiteName: 'Travel',
      caseIds: ['w1', 'w2'],
      models,
      repeat: 1,
      expectedResults: 4,
    });
    assert.match(text, /^a\/x\s+50\.0%\s+1\/2$/m);
    assert.match(text, /^w1\s+pass\s+FAIL value_error$/m);
    assert.match(text, /^ {2}w1 · b\/y: value_error — args\.date: expected "2026-12-05", got "December 5"$/m);
    assert.match(text, /^Score: 50\.0% \(2\/4 passed\)$/m);
    assert.match(text, /cost: \$0\.0030 \+ unknown/);
    assert.doesNotMatch(text, /partial/);
  });

  it('marks partial runs and shows pass^k with repeats', () => {
    const s = summarize([result('w1', 'a/x', true, 0), result('w1', 'a/x', false, 1)], ['a/x'], ['w1', 'w2'], 2);
    const text = formatEvalReport(s, {
      suiteName: 'Travel',
      caseIds: ['w1', 'w2'],
      models: ['a/x'],
      repeat: 2,
      expectedResults: 4,
    });
    assert.match(text, /^w1\s+1\/2 pass \(value_error\)$/m);
    assert.match(text, /^w2\s+—$/m);
    assert.match(text, /\(partial: 2 of 4 results\)/);
    assert.match(text, /^pass\^2: 0\.0% of case × model pairs passed all 2 tries$/m);
    assert.match(text, /w1 · a\/x · try 2: value_error/);
  });
});
