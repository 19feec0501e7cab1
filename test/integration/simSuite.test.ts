// The example suite through the product's own loader, evaluator and gateway against the simulator:
// the base prompt scores low, each rule fixes its group, all rules score 100% (test/sim/README.md).
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCliGateway } from '../../src/core/models/cliGateway';
import { evaluatePrompt } from '../../src/core/suites/evaluate';
import { loadSuite } from '../../src/core/suites/loadSuite';
import type { Suite } from '../../src/core/suites/suiteSchema';
import { SIM_RULES } from '../sim/behaviour';
import { startSimulator, type Simulator } from '../sim/server';

const BASE = 'You are a helpful travel assistant.';

describe('example suite travel-desk on the simulator', () => {
  let sim: Simulator;
  let suite: Suite;
  let workspace: string;

  before(async () => {
    sim = await startSimulator();
    suite = await loadSuite(join(__dirname, '../../examples/travel-desk.suite.json'));
    workspace = mkdtempSync(join(tmpdir(), 'sim-suite-'));
  });
  after(async () => {
    await sim.close();
    rmSync(workspace, { recursive: true, force: true });
  });

  const evaluate = (prompt: string, models: string[]) =>
    evaluatePrompt({
      suite,
      prompt,
      models,
      gateway: createCliGateway({
        env: {
          OPENAI_API_KEY: 'k',
          ANTHROPIC_API_KEY: 'k',
          OPENAI_BASE_URL: sim.openaiBaseUrl,
          ANTHROPIC_BASE_URL: sim.anthropicBaseUrl,
        },
        workspace,
        noCache: true,
      }),
    });

  it('scores the base prompt between 20% and 40% and all rules 100%, on both APIs', async () => {
    const models = ['openai/sim-1', 'anthropic/sim-1'];
    const base = await evaluate(BASE, models);
    assert.ok(base.score >= 0.2 && base.score <= 0.4, `base ${base.score}`);
    assert.deepEqual(
      base.perModel.map((m) => m.score),
      [base.score, base.score],
    );
    const all = await evaluate([BASE, ...SIM_RULES.map((r) => r.sentence)].join('\n'), models);
    assert.equal(all.score, 1, JSON.stringify(all.cases.filter((c) => !c.pass).map((c) => [c.caseId, c.reason])));
  });

  it('fixes with each rule exactly the failure reasons it names, and nothing it does not', async () => {
    const base = await evaluate(BASE, ['openai/sim-1']);
    const baseReason = new Map(base.cases.map((c) => [c.caseId, c.reason]));
    for (const rule of SIM_RULES) {
      const withRule = await evaluate(`${BASE}\n${rule.sentence}`, ['openai/sim-1']);
      assert.ok(withRule.score > base.score, `${rule.id}: ${withRule.score} vs ${base.score}`);
      for (const c of withRule.cases) {
        const before = baseReason.get(c.caseId) ?? null;
        if (before === null) assert.ok(c.pass, `${rule.id} broke ${c.caseId}: ${c.reason}`);
        if (c.pass && before !== null)
          assert.ok(rule.fixes.includes(before), `${rule.id} fixed ${c.caseId} (${before})`);
      }
    }
  });

  it('loads the smart-home suite and scores it the same way', async () => {
    const smartHome = await loadSuite(join(__dirname, '../../examples/smart-home.suite.json'));
    const gateway = createCliGateway({
      env: { OPENAI_API_KEY: 'k', OPENAI_BASE_URL: sim.openaiBaseUrl },
      workspace,
      noCache: true,
    });
    const base = await evaluatePrompt({ suite: smartHome, prompt: BASE, models: ['openai/sim-1'], gateway });
    const all = await evaluatePrompt({
      suite: smartHome,
      prompt: [BASE, ...SIM_RULES.map((r) => r.sentence)].join('\n'),
      models: ['openai/sim-1'],
      gateway,
    });
    assert.ok(base.score >= 0.2 && base.score <= 0.4, `base ${base.score}`);
    assert.equal(all.score, 1);
  });

  it('scores the lite model lower with every rule: it never makes two calls', async () => {
    const all = await evaluate([BASE, ...SIM_RULES.map((r) => r.sentence)].join('\n'), [
      'openai/sim-1',
      'openai/sim-lite',
    ]);
    const [full, lite] = all.perModel;
    assert.equal(full?.score, 1);
    assert.ok(lite && lite.score < 1);
    assert.ok(
      all.cases.filter((c) => !c.pass).every((c) => c.model === 'openai/sim-lite' && c.reason === 'call_count'),
    );
  });
});
