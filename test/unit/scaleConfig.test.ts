// The scale run's config at the boundary: defaults, the caps with the messages a user sees, field names in errors.
import { strict as assert } from 'node:assert';
import { parseScaleConfig, SCALE_LIMITS, ScaleConfigError } from '../../src/core/scale/config';

const MIN = {
  agentFile: 'examples/hotel-desk.agent.json',
  agentModel: 'openai/sim-1',
  systemPrompt: 'You are the front desk.',
};

function refusal(input: Record<string, unknown>): ScaleConfigError {
  try {
    parseScaleConfig({ ...MIN, ...input });
  } catch (e) {
    assert.ok(e instanceof ScaleConfigError, `expected ScaleConfigError, got ${String(e)}`);
    return e;
  }
  assert.fail(`expected ${JSON.stringify(input)} to be refused`);
}

describe('scale config', () => {
  it('fills the defaults: 5 runs, 3 at a time, seed 1, temperature 0.7, builtin evaluator, no verify, every role on the agent model', () => {
    const c = parseScaleConfig(MIN);
    assert.equal(c.runs, 5);
    assert.equal(c.concurrency, 3);
    assert.equal(c.seed, 1);
    assert.equal(c.temperature, 0.7);
    assert.equal(c.evaluator, 'builtin');
    assert.equal(c.verify, false);
    assert.equal(c.userModel, 'openai/sim-1');
    assert.equal(c.judgeModel, 'openai/sim-1');
    assert.equal(c.summarizerModel, 'openai/sim-1');
    assert.deepEqual(c.promptSource, { kind: 'agent' });
    assert.equal(c.maxBudgetUsd, undefined);
    assert.deepEqual([SCALE_LIMITS.runs.default, SCALE_LIMITS.concurrency.default], [5, 3]);
  });

  it('keeps models given per role', () => {
    const c = parseScaleConfig({
      ...MIN,
      userModel: 'anthropic/sim-1',
      judgeModel: 'openai/sim-lite',
      summarizerModel: 'anthropic/sim-lite',
    });
    assert.deepEqual(
      [c.agentModel, c.userModel, c.judgeModel, c.summarizerModel],
      ['openai/sim-1', 'anthropic/sim-1', 'openai/sim-lite', 'anthropic/sim-lite'],
    );
  });

  it('refuses 11 runs naming the cap, and 6 at a time', () => {
    const runs = refusal({ runs: 11 });
    assert.equal(runs.message, 'runs: at most 10 (the cap), got 11');
    assert.equal(runs.field, 'runs');
    const conc = refusal({ concurrency: 6 });
    assert.equal(conc.message, 'concurrency: at most 5, got 6');
    assert.equal(conc.field, 'concurrency');
    // The caps themselves are allowed.
    assert.equal(parseScaleConfig({ ...MIN, runs: 10, concurrency: 5 }).runs, 10);
  });

  it('refuses fewer than one run, fractional runs and a temperature over 2', () => {
    assert.equal(refusal({ runs: 0 }).message, 'runs: at least 1, got 0');
    assert.equal(refusal({ runs: 2.5 }).message, 'runs: must be a whole number, got 2.5');
    assert.equal(refusal({ runs: '3' }).message, 'runs: must be a whole number from 1 to 10, got "3"');
    assert.equal(refusal({ temperature: 2.5 }).message, 'temperature: at most 2, got 2.5');
    assert.equal(refusal({ concurrency: 0 }).message, 'concurrency: at least 1, got 0');
  });

  it('needs a URL for the http evaluator', () => {
    const e = refusal({ evaluator: 'http' });
    assert.equal(e.field, 'evaluatorUrl');
    assert.match(e.message, /^evaluatorUrl: the http evaluator needs a URL/);
    assert.match(
      refusal({ evaluator: 'http', evaluatorUrl: 'not a url' }).message,
      /^evaluatorUrl: expected an http\(s\) URL/,
    );
    assert.equal(
      parseScaleConfig({ ...MIN, evaluator: 'http', evaluatorUrl: 'http://127.0.0.1:9000' }).evaluatorUrl,
      'http://127.0.0.1:9000',
    );
    assert.match(
      refusal({ evaluator: 'deepeval' }).message,
      /^evaluator: must be builtin, promptfoo or http, got "deepeval"/,
    );
  });

  it('names the field of every other bad input', () => {
    assert.match(refusal({ agentModel: 'gpt-4o' }).message, /^agentModel: expected provider\/model/);
    assert.match(refusal({ judgeModel: 'judge' }).message, /^judgeModel: expected provider\/model/);
    assert.match(refusal({ agentFile: '' }).message, /^agentFile: choose an agent file/);
    assert.match(refusal({ systemPrompt: '   ' }).message, /^systemPrompt: must not be empty/);
    assert.equal(refusal({ maxBudgetUsd: -1 }).message, 'maxBudgetUsd: must be above 0, got -1');
    assert.equal(
      refusal({ maxBudgetUsd: 1, maxConversationUsd: 2 }).message,
      'maxConversationUsd: at most maxBudgetUsd ($1), got $2',
    );
    assert.match(refusal({ seed: -3 }).message, /^seed: at least 0, got -3/);
    assert.match(refusal({ idempotencyKey: '' }).message, /^idempotencyKey: must not be empty/);
    assert.match(refusal({ promptSource: { kind: 'elsewhere' } }).message, /^promptSource: /);
    assert.throws(
      () => parseScaleConfig('runs=3'),
      (e: unknown) => e instanceof ScaleConfigError && /^config: /.test(e.message),
    );
  });

  it('reads its own output back unchanged (a stored config is parsed again on resume)', () => {
    const c = parseScaleConfig({
      ...MIN,
      runs: 3,
      maxBudgetUsd: 0.5,
      idempotencyKey: 'k-1',
      promptSource: { kind: 'library', versionId: 4, ref: 'Desk@2' },
    });
    assert.deepEqual(parseScaleConfig(JSON.parse(JSON.stringify(c))), c);
  });
});
