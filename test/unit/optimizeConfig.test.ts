// The prompt-optimization config at the boundary: Tau's messages word for word, the aliases, the defaults,
// the rewards and APO beyond Tau, and the warnings that name unknown keys.
import { strict as assert } from 'node:assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  defaultApo,
  OptimizeConfigError,
  parseOptimizeConfig,
  readOptimizeConfig,
} from '../../src/core/optimize/config';
import { APO_DEFAULTS, TAU_DEFAULTS } from '../../src/core/optimize/types';

const P = 'cfg/po.json';
const parse = (value: unknown) => parseOptimizeConfig(typeof value === 'string' ? value : JSON.stringify(value), P);

function refusal(value: unknown): string {
  try {
    parse(value);
  } catch (e) {
    assert.ok(e instanceof OptimizeConfigError, `expected OptimizeConfigError, got ${String(e)}`);
    assert.equal(e.path, P);
    return e.message;
  }
  assert.fail(`expected ${JSON.stringify(value)} to be refused`);
}

const PARSE = `failed to parse prompt-optimization config '${P}': `;
const MIN = { optimize: ['What is 1 + 1?'], resources: { system_prompt: 'Be brief.' } };

describe('prompt-optimization config', () => {
  it("fills Tau's defaults and ours", () => {
    const { config, warnings } = parse(MIN);
    assert.deepEqual(warnings, []);
    assert.equal(config.worker_count, TAU_DEFAULTS.worker_count);
    assert.deepEqual(
      [
        config.worker_count,
        config.poll_interval_ms,
        config.heartbeat_interval_ms,
        config.completion_poll_interval_ms,
        config.completion_timeout_secs,
      ],
      [2, 50, 1000, 60, 30],
    );
    assert.equal(config.max_attempts, 1);
    assert.equal(config.rollout_timeout_secs, null);
    assert.deepEqual(config.reward, { type: 'exact_match' });
    assert.equal(config.apo, null);
    assert.deepEqual(config.validate, []);
    assert.deepEqual(config.optimize, [{ prompt: 'What is 1 + 1?' }]);
  });

  it('keeps the values given', () => {
    const { config } = parse({
      ...MIN,
      worker_count: 8,
      poll_interval_ms: 5,
      heartbeat_interval_ms: 200,
      completion_poll_interval_ms: 10,
      completion_timeout_secs: 0.5,
      max_attempts: 3,
      rollout_timeout_secs: 12,
    });
    assert.deepEqual(
      [
        config.worker_count,
        config.poll_interval_ms,
        config.heartbeat_interval_ms,
        config.completion_poll_interval_ms,
        config.completion_timeout_secs,
        config.max_attempts,
        config.rollout_timeout_secs,
      ],
      [8, 5, 200, 10, 0.5, 3, 12],
    );
  });

  it('reads the aliases train → optimize and val → validate', () => {
    const { config } = parse({ train: ['a'], val: [{ prompt: 'b', expected: 'B' }] });
    assert.deepEqual(config.optimize, [{ prompt: 'a' }]);
    assert.deepEqual(config.validate, [{ prompt: 'b', expected: 'B' }]);
  });

  it('refuses a name and its alias together, naming both', () => {
    assert.equal(
      refusal({ optimize: ['a'], train: ['b'] }),
      `${PARSE}both 'optimize' and its alias 'train' are given: keep one`,
    );
    assert.equal(
      refusal({ validate: ['a'], val: ['b'] }),
      `${PARSE}both 'validate' and its alias 'val' are given: keep one`,
    );
  });

  it('takes a rollout input as a string or an object with a string prompt, keeping other keys', () => {
    const { config } = parse({
      optimize: ['plain', { prompt: 'q', expected: 'a', topic: 'maths', weight: 2 }],
      validate: [{ prompt: 'v', must_not_regress: true }],
    });
    assert.deepEqual(config.optimize, [{ prompt: 'plain' }, { prompt: 'q', expected: 'a', topic: 'maths', weight: 2 }]);
    assert.deepEqual(config.validate, [{ prompt: 'v', must_not_regress: true }]);
  });

  it('refuses a rollout input that is neither, naming the item in the spelling the file uses', () => {
    assert.equal(
      refusal({ optimize: ['a', { question: 'b' }] }),
      `${PARSE}field 'optimize[1]' must be a string or an object with a string 'prompt', got {"question":"b"}`,
    );
    assert.equal(
      refusal({ train: [7] }),
      `${PARSE}field 'train[0]' must be a string or an object with a string 'prompt', got 7`,
    );
    assert.equal(
      refusal({ val: [{ prompt: 'a', expected: 4 }] }),
      `${PARSE}field 'val[0].expected' must be a string, got 4`,
    );
    assert.equal(
      refusal({ validate: [{ prompt: 'a', must_not_regress: 'yes' }] }),
      `${PARSE}field 'validate[0].must_not_regress' must be true or false, got "yes"`,
    );
    assert.equal(refusal({ optimize: 'a' }), `${PARSE}field 'optimize' must be an array of rollout inputs, got "a"`);
  });

  it("says Tau's parse message for text that is not a JSON object", () => {
    assert.equal(refusal('[1, 2]'), `${PARSE}expected JSON object`);
    assert.equal(refusal('"text"'), `${PARSE}expected JSON object`);
    assert.equal(refusal('null'), `${PARSE}expected JSON object`);
    assert.ok(refusal('{"optimize": [').startsWith(PARSE), 'broken JSON is a parse error');
  });

  it('names the field of the wrong type', () => {
    assert.equal(
      refusal({ ...MIN, worker_count: 'two' }),
      `${PARSE}field 'worker_count' must be a whole number, got "two"`,
    );
    assert.equal(
      refusal({ ...MIN, poll_interval_ms: 2.5 }),
      `${PARSE}field 'poll_interval_ms' must be a whole number, got 2.5`,
    );
    assert.equal(
      refusal({ ...MIN, completion_timeout_secs: '30' }),
      `${PARSE}field 'completion_timeout_secs' must be a number, got "30"`,
    );
    assert.equal(refusal({ ...MIN, resources: ['x'] }), `${PARSE}field 'resources' must be an object, got ["x"]`);
    assert.equal(
      refusal({ ...MIN, resources: { system_prompt: 3 } }),
      `${PARSE}field 'resources.system_prompt' must be a string, got 3`,
    );
    assert.equal(
      refusal({ ...MIN, rollout_timeout_secs: 'soon' }),
      `${PARSE}field 'rollout_timeout_secs' must be a number, got "soon"`,
    );
  });

  it("says Tau's message when there is no rollout at all", () => {
    const message = `prompt-optimization config '${P}' must contain at least one rollout in 'optimize' or 'validate'`;
    assert.equal(refusal({}), message);
    assert.equal(refusal({ optimize: [], validate: [] }), message);
    assert.equal(refusal({ train: [], resources: { system_prompt: 'x' } }), message);
  });

  it("says Tau's message for each field that must be greater than 0", () => {
    for (const field of [
      'worker_count',
      'poll_interval_ms',
      'heartbeat_interval_ms',
      'completion_poll_interval_ms',
      'completion_timeout_secs',
    ]) {
      assert.equal(refusal({ ...MIN, [field]: 0 }), `training config field '${field}' must be greater than 0`);
      assert.equal(refusal({ ...MIN, [field]: -1 }), `training config field '${field}' must be greater than 0`);
    }
    assert.equal(refusal({ ...MIN, max_attempts: 0 }), `training config field 'max_attempts' must be at least 1`);
    assert.equal(
      refusal({ ...MIN, rollout_timeout_secs: 0 }),
      `training config field 'rollout_timeout_secs' must be greater than 0`,
    );
  });

  it('checks in the order Tau reports: parse, then the rollout count, then the > 0 fields', () => {
    assert.equal(
      refusal({ worker_count: 0 }),
      `prompt-optimization config '${P}' must contain at least one rollout in 'optimize' or 'validate'`,
    );
    assert.ok(refusal({ worker_count: 'x' }).startsWith(PARSE));
  });

  it('reads the rewards with their defaults', () => {
    const reward = (r: unknown) => parse({ ...MIN, reward: r }).config.reward;
    assert.deepEqual(reward({ type: 'exact_match' }), { type: 'exact_match' });
    assert.deepEqual(reward('contains'), { type: 'contains', case_sensitive: true });
    assert.deepEqual(reward({ type: 'contains', case_sensitive: false }), { type: 'contains', case_sensitive: false });
    assert.deepEqual(reward({ type: 'regex' }), { type: 'regex', flags: '' });
    assert.deepEqual(reward({ type: 'regex', flags: 'i' }), { type: 'regex', flags: 'i' });
    assert.deepEqual(reward({ type: 'number' }), { type: 'number', tolerance: 0 });
    assert.deepEqual(reward({ type: 'number', tolerance: 0.5 }), { type: 'number', tolerance: 0.5 });
    assert.deepEqual(reward({ type: 'llm_judge', rubric: 'Correct and brief.' }), {
      type: 'llm_judge',
      rubric: 'Correct and brief.',
      model: null,
    });
    assert.deepEqual(reward({ type: 'llm_judge', rubric: 'Correct.', model: 'openai/sim-1' }), {
      type: 'llm_judge',
      rubric: 'Correct.',
      model: 'openai/sim-1',
    });
  });

  it('refuses a bad reward, naming the field', () => {
    assert.equal(
      refusal({ ...MIN, reward: { type: 'fuzzy' } }),
      `${PARSE}field 'reward.type' must be one of exact_match, contains, regex, number, llm_judge, got "fuzzy"`,
    );
    assert.equal(
      refusal({ ...MIN, reward: 3 }),
      `${PARSE}field 'reward' must be an object with a 'type' (exact_match, contains, regex, number, llm_judge), got 3`,
    );
    assert.equal(
      refusal({ ...MIN, reward: { type: 'number', tolerance: -1 } }),
      `${PARSE}field 'reward.tolerance' must be 0 or more`,
    );
    assert.equal(
      refusal({ ...MIN, reward: { type: 'llm_judge' } }),
      `${PARSE}field 'reward.rubric' must be a string, got nothing`,
    );
    assert.equal(
      refusal({ ...MIN, reward: { type: 'llm_judge', rubric: '  ' } }),
      `${PARSE}field 'reward.rubric' must not be empty`,
    );
    assert.equal(
      refusal({ ...MIN, reward: { type: 'llm_judge', rubric: 'ok', model: 'gpt' } }),
      `${PARSE}field 'reward.model' must be a model id like openai/gpt-4o-mini (provider/model), got "gpt"`,
    );
    assert.equal(
      refusal({ ...MIN, reward: { type: 'regex', flags: 'q' } }),
      `${PARSE}field 'reward.flags' is not a valid set of regular expression flags: "q"`,
    );
    assert.equal(
      refusal({ ...MIN, reward: { type: 'contains', case_sensitive: 'no' } }),
      `${PARSE}field 'reward.case_sensitive' must be true or false, got "no"`,
    );
  });

  it('refuses an expected the reward cannot read: an invalid pattern, a number that is not one', () => {
    const regex = refusal({
      optimize: ['a'],
      validate: ['b', { prompt: 'c', expected: '(unclosed' }],
      reward: { type: 'regex' },
    });
    assert.ok(
      regex.startsWith(
        `${PARSE}field 'validate[1].expected' is not a valid regular expression for the 'regex' reward: `,
      ),
      regex,
    );
    assert.equal(
      refusal({ train: [{ prompt: 'a', expected: 'forty-two' }], reward: { type: 'number' } }),
      `${PARSE}field 'train[0].expected' must be a number for the 'number' reward, got "forty-two"`,
    );
    // The same texts are fine for exact_match.
    assert.equal(parse({ optimize: [{ prompt: 'a', expected: '(unclosed' }] }).config.optimize.length, 1);
  });

  it("reads apo with Agent Lightning's defaults", () => {
    assert.deepEqual(parse({ ...MIN, apo: {} }).config.apo, {
      ...APO_DEFAULTS,
      gradient_model: null,
      edit_model: null,
    });
    assert.deepEqual(parse({ ...MIN, apo: true }).config.apo, defaultApo());
    assert.equal(parse({ ...MIN, apo: false }).config.apo, null);
    const apo = parse({
      ...MIN,
      apo: {
        rounds: 2,
        beam_width: 2,
        branch_factor: 3,
        gradient_batch_size: 5,
        val_batch_size: 6,
        gradient_model: 'openai/sim-1',
        edit_model: 'anthropic/sim-1',
      },
    }).config.apo;
    assert.deepEqual(apo, {
      rounds: 2,
      beam_width: 2,
      branch_factor: 3,
      gradient_batch_size: 5,
      val_batch_size: 6,
      gradient_model: 'openai/sim-1',
      edit_model: 'anthropic/sim-1',
    });
  });

  it('refuses an apo number that is not a positive whole number, naming it', () => {
    for (const key of ['rounds', 'beam_width', 'branch_factor', 'gradient_batch_size', 'val_batch_size']) {
      assert.equal(
        refusal({ ...MIN, apo: { [key]: 0 } }),
        `${PARSE}field 'apo.${key}' must be a positive whole number, got 0`,
      );
      assert.equal(
        refusal({ ...MIN, apo: { [key]: 1.5 } }),
        `${PARSE}field 'apo.${key}' must be a positive whole number, got 1.5`,
      );
    }
    assert.equal(
      refusal({ ...MIN, apo: 3 }),
      `${PARSE}field 'apo' must be an object (or true for the defaults), got 3`,
    );
    assert.equal(
      refusal({ ...MIN, apo: { edit_model: 5 } }),
      `${PARSE}field 'apo.edit_model' must be a model id like openai/gpt-4o-mini or null, got 5`,
    );
  });

  it('names unknown keys in a warning: top level, in reward, in apo', () => {
    const { warnings } = parse({
      ...MIN,
      learning_rate: 1,
      epochs: 2,
      reward: { type: 'contains', fuzzy: true },
      apo: { rounds: 1, temperature: 0 },
    });
    assert.deepEqual(warnings, [
      `prompt-optimization config '${P}': unknown keys ignored: 'learning_rate', 'epochs'`,
      `prompt-optimization config '${P}': unknown key in 'reward' (contains) ignored: 'fuzzy'`,
      `prompt-optimization config '${P}': unknown key in 'apo' ignored: 'temperature'`,
    ]);
  });

  it('warns when resources has no system_prompt', () => {
    const { warnings } = parse({ optimize: ['a'] });
    assert.deepEqual(warnings, [
      `prompt-optimization config '${P}': resources has no 'system_prompt': rollouts run without a system prompt`,
    ]);
  });

  it("reads a file, and says Tau's read message when it cannot", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pt-opt-cfg-'));
    const file = path.join(dir, 'po.json');
    writeFileSync(file, JSON.stringify(MIN));
    assert.deepEqual((await readOptimizeConfig(file)).config.optimize, [{ prompt: 'What is 1 + 1?' }]);
    const missing = path.join(dir, 'absent.json');
    await assert.rejects(
      readOptimizeConfig(missing),
      (e: unknown) =>
        e instanceof OptimizeConfigError &&
        e.message === `failed to read prompt-optimization config '${missing}': no such file`,
    );
  });
});
