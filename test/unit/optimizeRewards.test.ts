// The rewards a rollout is scored with: Tau's exact_match (trimmed equality), contains, regex, number with a
// tolerance, and llm_judge through the real gateway against the simulator's judge.
import { strict as assert } from 'node:assert';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createCliGateway } from '../../src/core/models/cliGateway';
import type { Gateway } from '../../src/core/models/gateway';
import { firstNumber, scoreAnswer } from '../../src/core/optimize/rewards';
import type { RewardSpec } from '../../src/core/optimize/types';
import { startSimulator, type Simulator } from '../sim/server';

const EXACT: RewardSpec = { type: 'exact_match' };

describe('optimize rewards', function () {
  this.timeout(20_000);

  it('exact_match trims both sides, as Tau', async () => {
    assert.equal((await scoreAnswer(EXACT, '  19\n', { prompt: 'What is 12 + 7?', expected: ' 19 ' })).value, 1);
    const miss = await scoreAnswer(EXACT, '19.', { prompt: 'What is 12 + 7?', expected: '19' });
    assert.deepEqual([miss.value, miss.name], [0, 'exact_match']);
    assert.match(miss.detail, /expected "19", got "19\."/);
    assert.equal((await scoreAnswer(EXACT, 'paris', { prompt: 'q', expected: 'Paris' })).value, 0, 'case matters');
  });

  it('an input without expected never passes', async () => {
    for (const spec of [
      EXACT,
      { type: 'contains', case_sensitive: false },
      { type: 'regex', flags: '' },
      { type: 'number', tolerance: 1 },
    ] as RewardSpec[]) {
      const r = await scoreAnswer(spec, 'anything', { prompt: 'q' });
      assert.equal(r.value, 0, spec.type);
      assert.match(r.detail, /no expected answer/);
    }
  });

  it('contains, with and without case', async () => {
    const insensitive: RewardSpec = { type: 'contains', case_sensitive: false };
    const sensitive: RewardSpec = { type: 'contains', case_sensitive: true };
    const input = { prompt: 'Capital of France?', expected: 'Paris' };
    assert.equal((await scoreAnswer(insensitive, 'The capital of France is PARIS.', input)).value, 1);
    assert.equal((await scoreAnswer(sensitive, 'The capital of France is PARIS.', input)).value, 0);
    assert.equal((await scoreAnswer(sensitive, 'It is Paris.', input)).value, 1);
    assert.equal((await scoreAnswer(insensitive, 'It is Lyon.', input)).value, 0);
  });

  it('regex with flags; a bad pattern scores 0 and says why', async () => {
    assert.equal(
      (
        await scoreAnswer({ type: 'regex', flags: 'i' }, 'The answer is PARIS', {
          prompt: 'q',
          expected: '^the answer is paris$',
        })
      ).value,
      1,
    );
    assert.equal(
      (
        await scoreAnswer({ type: 'regex', flags: '' }, 'The answer is PARIS', {
          prompt: 'q',
          expected: '^the answer is paris$',
        })
      ).value,
      0,
    );
    const bad = await scoreAnswer({ type: 'regex', flags: '' }, 'x', { prompt: 'q', expected: '(unclosed' });
    assert.equal(bad.value, 0);
    assert.match(bad.detail, /"\(unclosed" is not a valid regular expression/);
  });

  it('number: the first number of the answer within the tolerance', async () => {
    const exact: RewardSpec = { type: 'number', tolerance: 0 };
    const loose: RewardSpec = { type: 'number', tolerance: 0.5 };
    assert.equal((await scoreAnswer(exact, 'The answer is 19.', { prompt: 'q', expected: '19' })).value, 1);
    assert.equal((await scoreAnswer(exact, 'The answer is 20.', { prompt: 'q', expected: '19' })).value, 0);
    assert.equal((await scoreAnswer(loose, 'about 19.4 units', { prompt: 'q', expected: '19' })).value, 1);
    assert.equal((await scoreAnswer(loose, 'It costs 1,250 dollars', { prompt: 'q', expected: '1250' })).value, 1);
    assert.equal((await scoreAnswer(exact, '-3 degrees', { prompt: 'q', expected: '-3' })).value, 1);
    const words = await scoreAnswer(exact, 'nineteen', { prompt: 'q', expected: '19' });
    assert.equal(words.value, 0);
    assert.match(words.detail, /no number written in digits/);
    const notNumber = await scoreAnswer(exact, '19', { prompt: 'q', expected: 'nineteen' });
    assert.match(notNumber.detail, /is not a number/);
    assert.equal(firstNumber('v2 costs 3.5'), 2);
    assert.equal(firstNumber('none'), null);
  });

  describe('llm_judge against the simulator', () => {
    let sim: Simulator;
    let gateway: Gateway;
    before(async () => {
      sim = await startSimulator();
      gateway = createCliGateway({
        env: { OPENAI_BASE_URL: sim.openaiBaseUrl, OPENAI_API_KEY: 'sim-key' },
        workspace: mkdtempSync(path.join(tmpdir(), 'pt-rewards-')),
        retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 10 },
      });
    });
    after(async () => {
      await sim.close();
    });
    beforeEach(() => sim.reset());

    const judge = () => ({ gateway, model: 'openai/sim-1', signal: new AbortController().signal });
    const input = { prompt: 'What is the capital of France?', expected: 'Paris' };

    it('the judge score is the reward; the request carries the rubric and the expected answer', async () => {
      const spec: RewardSpec = { type: 'llm_judge', rubric: 'The reply names the city "Paris".', model: null };
      const calls: number[] = [];
      const pass = await scoreAnswer(spec, 'It is Paris.', input, { ...judge(), onCall: () => calls.push(1) });
      assert.equal(pass.value, 1, pass.detail);
      assert.equal(pass.name, 'llm_judge');
      assert.match(pass.detail, /^pass/);
      const fail = await scoreAnswer(spec, 'It is Lyon.', input, judge());
      assert.equal(fail.value, 0, fail.detail);
      assert.equal(calls.length, 1);
      const sent = sim.requests()[0]!.body as { messages: { role: string; content: string }[] };
      const system = sent.messages.find((m) => m.role === 'system')!.content;
      assert.match(system, /<rubric>\nThe reply names the city "Paris"\.\n<\/rubric>/);
      assert.match(system, /<expected>\nParis\n<\/expected>/);
      assert.match(
        sent.messages.find((m) => m.role === 'user')!.content,
        /<transcript>\n\[turn 1\] USER: What is the capital of France\?\n\[turn 1\] AGENT: It is Paris\.\n<\/transcript>/,
      );
    });

    it('the spec model wins over the default judge model', async () => {
      await scoreAnswer(
        { type: 'llm_judge', rubric: 'Says "Paris".', model: 'openai/judge-model' },
        'Paris',
        input,
        judge(),
      );
      assert.equal((sim.requests()[0]!.body as { model: string }).model, 'judge-model');
    });

    it('a judge that never answers JSON scores 0, never a pass', async () => {
      const r = await scoreAnswer(
        { type: 'llm_judge', rubric: 'Says "Paris". [sim:bad-json]', model: null },
        'Paris',
        input,
        judge(),
      );
      assert.equal(r.value, 0);
      assert.match(r.detail, /not valid JSON after one re-ask/);
      assert.equal(sim.requests().length, 2, 'one re-ask');
    });

    it('without a judge the answer cannot be judged', async () => {
      const r = await scoreAnswer({ type: 'llm_judge', rubric: 'x', model: null }, 'Paris', input);
      assert.deepEqual([r.value, r.detail], [0, 'no judge model was given, so the answer could not be judged']);
    });

    it('a cancelled judge call stops instead of scoring', async () => {
      const ctl = new AbortController();
      ctl.abort();
      await assert.rejects(
        scoreAnswer({ type: 'llm_judge', rubric: 'Says "Paris".', model: null }, 'Paris', input, {
          gateway,
          model: 'openai/sim-1',
          signal: ctl.signal,
        }),
        /cancelled/,
      );
    });
  });
});
