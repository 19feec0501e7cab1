// APO (runApo) over the real gateway and the simulator's answer, critique and edit roles, with a small
// in-memory ApoContext instead of the store: it beats the baseline, resumes after completed rounds, guards
// must-not-regress items, and scores a duplicate edit once. Also the critique/edit prompts and reply parsing.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runApo, sampleIndexes } from '../../src/core/optimize/apo/apo';
import {
  ApoEditError,
  CRITIQUE_SYSTEM,
  EDIT_SYSTEM,
  critiqueRequest,
  editRequest,
  parseEditReply,
} from '../../src/core/optimize/apo/metaPrompts';
import type { ApoContext, ApoResult } from '../../src/core/optimize/apoContext';
import {
  APO_DEFAULTS,
  type ApoConfig,
  type ApoRound,
  type OptimizeConfig,
  type ResourcesRow,
  type RolloutInput,
  type RolloutMetadata,
  type RolloutRow,
} from '../../src/core/optimize/types';
import { createCliGateway } from '../../src/core/models/cliGateway';
import type { ModelGateway } from '../../src/core/models/types';
import { ANSWER_SIM_RULES, type AnswerSimRuleId } from '../sim/answerBehaviour';
import { startSimulator, type Simulator } from '../sim/server';
import { optimizeConfig } from '../support/optimizeConfig';

const MODEL = 'openai/sim-1';
const BASE = 'You are a concise assistant.';
const sentence = (id: AnswerSimRuleId): string => ANSWER_SIM_RULES.find((r) => r.id === id)!.sentence;
const withRules = (...ids: AnswerSimRuleId[]): string => [BASE, ...ids.map(sentence)].join('\n');

interface ExampleFile {
  optimize: RolloutInput[];
  validate: RolloutInput[];
  resources: Record<string, unknown>;
  apo: Partial<ApoConfig>;
}
const example = JSON.parse(
  readFileSync(path.join(__dirname, '../../examples/prompt-optimization.json'), 'utf8'),
) as ExampleFile;

function configOf(optimize: RolloutInput[], validate: RolloutInput[], apo: Partial<ApoConfig>): OptimizeConfig {
  return optimizeConfig({
    optimize,
    validate,
    resources: { system_prompt: BASE },
    apo: { ...APO_DEFAULTS, gradient_model: null, edit_model: null, ...apo },
  });
}

/** What the fake trainer saw APO do. */
interface Log {
  evaluations: {
    resources_id: string;
    set: 'optimize' | 'validate';
    items: number[];
    purpose: RolloutMetadata['purpose'];
    round: number;
  }[];
  newCandidates: { label: string; prompt: string }[];
  roundsStarted: number[];
  roundsCompleted: ApoRound[];
}

/**
 * An ApoContext whose rollouts are one gateway call each, scored by exact match (what the trainer's workers do),
 * and whose resources are in memory; reuse by (resources, item, purpose, round) as the contract says.
 */
async function contextFor(
  gateway: ModelGateway,
  config: OptimizeConfig,
  initialPrompt: string,
  opts: { seed?: number; completedRounds?: ApoRound[]; mustNotRegress?: number[]; resources?: ResourcesRow[] } = {},
): Promise<{ ctx: ApoContext; log: Log; baselineMean: number; resources: ResourcesRow[] }> {
  const log: Log = { evaluations: [], newCandidates: [], roundsStarted: [], roundsCompleted: [] };
  const resources: ResourcesRow[] = opts.resources ?? [
    {
      resources_id: 'resources-1',
      version: 1,
      resources: { system_prompt: initialPrompt },
      created_time: '2026-01-01T00:00:00.000Z',
      is_latest: true,
      run_id: 'run-1',
      label: 'initial',
      parent_version: null,
    },
  ];
  const initial = resources[0]!;
  const made = new Map<string, RolloutRow>();
  let n = 0;
  const rollout = async (
    res: ResourcesRow,
    set: 'optimize' | 'validate',
    i: number,
    purpose: RolloutMetadata['purpose'],
    round: number,
  ): Promise<RolloutRow> => {
    const key = `${res.resources_id}|${set}|${i}|${purpose}|${round}`;
    const hit = made.get(key);
    if (hit) return hit;
    const input = (set === 'optimize' ? config.optimize : config.validate)[i]!;
    const result = await gateway.call({
      model: MODEL,
      system: String(res.resources.system_prompt),
      messages: [{ role: 'user', content: input.prompt }],
    });
    const reward = input.expected !== undefined && result.text.trim() === input.expected.trim() ? 1 : 0;
    const row: RolloutRow = {
      rollout_id: `${set === 'optimize' ? 'train' : 'val'}-1-${++n}`,
      run_id: 'run-1',
      input,
      mode: set === 'optimize' ? 'train' : 'val',
      status: 'succeeded',
      start_time: '2026-01-01T00:00:00.000Z',
      end_time: '2026-01-01T00:00:01.000Z',
      config: { max_attempts: 1, timeout_seconds: null, unresponsive_seconds: 3, retry_condition: ['unresponsive'] },
      metadata: { run_id: 'run-1', item_index: i, set, purpose, round },
      assigned_worker_id: 'w1',
      attempt_count: 1,
      resources_id: res.resources_id,
      reward,
      answer: result.text,
    };
    made.set(key, row);
    return row;
  };
  const baselineRows = await Promise.all(config.validate.map((_, i) => rollout(initial, 'validate', i, 'baseline', 0)));
  const baselineValidate = new Map(baselineRows.map((r) => [r.metadata.item_index, r.reward ?? 0]));
  const passed = baselineRows.filter((r) => r.reward === 1).map((r) => r.metadata.item_index);
  const ctx: ApoContext = {
    config,
    apo: config.apo!,
    gradientModel: MODEL,
    editModel: MODEL,
    gateway,
    signal: new AbortController().signal,
    seed: opts.seed ?? 1,
    initial,
    baselineValidate,
    mustNotRegress: opts.mustNotRegress ?? passed,
    completedRounds: opts.completedRounds ?? [],
    evaluate: async (res, set, items, purpose, round) => {
      log.evaluations.push({ resources_id: res.resources_id, set, items, purpose, round });
      return Promise.all(items.map((i) => rollout(res, set, i, purpose, round)));
    },
    newCandidate: async (systemPrompt, parent, round, k) => {
      const label = `apo r${round} c${k}`;
      const existing = resources.find((r) => r.label === label);
      if (existing) return existing;
      log.newCandidates.push({ label, prompt: systemPrompt });
      const version = Math.max(...resources.map((r) => r.version)) + 1;
      const row: ResourcesRow = {
        resources_id: `resources-${version}`,
        version,
        resources: { ...parent.resources, system_prompt: systemPrompt },
        created_time: '2026-01-01T00:00:00.000Z',
        is_latest: false,
        run_id: 'run-1',
        label,
        parent_version: parent.version,
      };
      resources.push(row);
      return row;
    },
    roundStart: (round) => log.roundsStarted.push(round),
    roundComplete: (round) => log.roundsCompleted.push(round),
  };
  const baselineMean = baselineRows.reduce((a, r) => a + (r.reward ?? 0), 0) / Math.max(1, baselineRows.length);
  return { ctx, log, baselineMean, resources };
}

const promptOf = (row: ResourcesRow): string => String(row.resources.system_prompt);

describe('APO against the simulator', function () {
  this.timeout(30_000);
  let sim: Simulator;
  let gateway: ModelGateway;
  before(async () => {
    sim = await startSimulator();
    gateway = createCliGateway({
      env: { OPENAI_BASE_URL: sim.openaiBaseUrl, OPENAI_API_KEY: 'sim-key' },
      workspace: mkdtempSync(path.join(tmpdir(), 'pt-apo-')),
      concurrency: 8,
      retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 10 },
    });
  });
  after(async () => {
    await sim.close();
  });
  beforeEach(() => sim.reset());

  const exampleConfig = (): OptimizeConfig => configOf(example.optimize, example.validate, example.apo);

  it('beats the baseline of examples/prompt-optimization.json: the best prompt states every rule and passes the whole validate set', async () => {
    const { ctx, log, baselineMean } = await contextFor(
      gateway,
      exampleConfig(),
      String(example.resources.system_prompt),
    );
    const result = await runApo(ctx);
    assert.ok(baselineMean <= 0.3, `baseline ${baselineMean}`);
    assert.equal(result.bestReward, 1);
    assert.notEqual(result.best.resources_id, ctx.initial.resources_id);
    for (const rule of ANSWER_SIM_RULES) assert.ok(promptOf(result.best).includes(rule.sentence), rule.id);
    assert.deepEqual(log.roundsStarted, [1, 2]);
    assert.deepEqual(
      result.rounds.map((r) => r.round),
      [1, 2],
    );
    assert.deepEqual(log.roundsCompleted, result.rounds);
    const first = result.rounds[0]!;
    assert.equal(first.critiques.length, 1, 'round 1 critiques the initial prompt only');
    assert.equal(first.critiques[0]!.parent_version, 1);
    assert.ok(first.candidates.filter((c) => c.kept).length <= 2, 'beam_width 2');
    assert.ok(
      first.candidates.length >= 2 && first.candidates.length <= 3,
      'the initial prompt and up to branch_factor edits',
    );
    // Seed 1's first gradient batch shows no number in words: round 1 fixes the wording, round 2 the digits.
    assert.ok(
      (first.leader_reward ?? 0) > baselineMean && (first.leader_reward ?? 0) < 1,
      `round 1 leader ${first.leader_reward}`,
    );
    assert.equal(
      first.candidates.find((c) => c.resources_version === first.leader_version)?.validate_reward,
      first.leader_reward,
    );
    assert.equal(result.rounds[1]!.leader_reward, 1);
    const leaderEval = log.evaluations.find((e) => e.purpose === 'leader' && e.round === 1)!;
    assert.deepEqual(
      leaderEval.items,
      example.validate.map((_, i) => i),
      'the leader is scored on the whole validate set',
    );
    for (const e of log.evaluations.filter((x) => x.purpose === 'gradient'))
      assert.equal(e.items.length, 4, 'gradient_batch_size');
    const counts = sim.counters().byMode;
    assert.ok(counts.critique >= 1 && counts.edit >= 2, JSON.stringify(counts));
  });

  it('critiques only parents with failures: a prompt that already passes everything makes no critique or edit', async () => {
    const { ctx, log } = await contextFor(gateway, exampleConfig(), withRules('final_only', 'digits', 'no_period'));
    const result = await runApo(ctx);
    assert.equal(sim.counters().byMode.critique, 0);
    assert.equal(sim.counters().byMode.edit, 0);
    assert.deepEqual(log.newCandidates, []);
    assert.equal(result.best.resources_id, ctx.initial.resources_id);
    assert.deepEqual(
      result.rounds.map((r) => r.critiques),
      [[], []],
    );
  });

  it('skips the rounds a previous process completed and continues from their beam, with the same batches', async () => {
    const config = exampleConfig();
    const fresh = await contextFor(gateway, config, BASE);
    const whole = await runApo(fresh.ctx);

    const oneRound = await contextFor(gateway, { ...config, apo: { ...config.apo!, rounds: 1 } }, BASE);
    const partial = await runApo(oneRound.ctx);
    assert.deepEqual(
      partial.rounds.map((r) => r.round),
      [1],
    );
    sim.reset();
    const resumed = await contextFor(gateway, config, BASE, {
      completedRounds: partial.rounds,
      resources: oneRound.resources,
    });
    const result = await runApo(resumed.ctx);
    assert.deepEqual(resumed.log.roundsStarted, [2], 'round 1 is not run again');
    assert.ok(resumed.log.evaluations.every((e) => e.round === 2));
    assert.deepEqual(
      result.rounds.map((r) => r.round),
      [1, 2],
    );
    assert.deepEqual(result.rounds[0], partial.rounds[0]);
    assert.equal(result.bestReward, whole.bestReward);
    assert.equal(promptOf(result.best), promptOf(whole.best));
    const gradient = (log: Log) =>
      log.evaluations.filter((e) => e.purpose === 'gradient' && e.round === 2).map((e) => e.items);
    assert.deepEqual(gradient(resumed.log)[0], gradient(fresh.log)[0], 'round 2 draws the same batch from the seed');
  });

  it('reports a regression on a must-not-regress item and never chooses a candidate that regresses', async () => {
    // The digits rule fixes the numbers in words but breaks the item that asks for a number in words.
    const optimize: RolloutInput[] = [
      { prompt: 'What is 12 + 7?', expected: '19' },
      { prompt: 'What is 8 times 3?', expected: '24' },
      { prompt: 'What is 50 minus 13?', expected: '37' },
      { prompt: 'What is the capital of Peru?', expected: 'Lima' },
    ];
    const validate: RolloutInput[] = [
      { prompt: 'What is 6 times 7?', expected: '42' },
      { prompt: 'Spell out the number 12 in words.', expected: 'twelve', must_not_regress: true },
      { prompt: 'What is 100 divided by 4?', expected: '25' },
      { prompt: 'What is 7 + 5?', expected: '12' },
      { prompt: 'What is 9 * 9?', expected: '81' },
      { prompt: 'What is 12 + 7?', expected: '19' },
      { prompt: 'What is 8 times 3?', expected: '24' },
      { prompt: 'What is 50 minus 13?', expected: '37' },
    ];
    const config = configOf(optimize, validate, {
      rounds: 1,
      beam_width: 2,
      branch_factor: 2,
      gradient_batch_size: 4,
      val_batch_size: 8,
    });
    const { ctx } = await contextFor(gateway, config, withRules('final_only', 'no_period'), { mustNotRegress: [1] });
    assert.equal(ctx.baselineValidate.get(1), 1, 'the baseline passes the spelled-out number');
    const result: ApoResult = await runApo(ctx);
    const round = result.rounds[0]!;
    const edited = round.candidates.filter((c) => c.parent_version !== null);
    assert.ok(edited.length >= 1);
    for (const c of edited) {
      assert.ok(c.system_prompt.includes(sentence('digits')));
      assert.deepEqual(c.regressions, [1], 'the guarded item is scored with every candidate');
      assert.ok(
        (c.batch_reward ?? 0) > (round.candidates[0]!.batch_reward ?? 0),
        'higher on the batch, yet not chosen',
      );
    }
    assert.equal(round.leader_version, 1, 'the leader is the prompt without a regression');
    assert.equal(result.best.resources_id, ctx.initial.resources_id);
    assert.deepEqual(round.candidates.find((c) => c.resources_version === 1)!.regressions, []);
  });

  it('scores a duplicate edit once: two edits of one parent that return the same prompt make one candidate', async () => {
    // Only no_period is missing, so both edits of the parent add the same sentence.
    const config = configOf(example.optimize, example.validate, {
      rounds: 1,
      beam_width: 2,
      branch_factor: 2,
      gradient_batch_size: 4,
      val_batch_size: 6,
    });
    const { ctx, log } = await contextFor(gateway, config, withRules('final_only', 'digits'));
    const result = await runApo(ctx);
    assert.equal(sim.counters().byMode.edit, 2, 'both edits were asked');
    assert.deepEqual(log.newCandidates, [
      { label: 'apo r1 c1', prompt: withRules('final_only', 'digits', 'no_period') },
    ]);
    const scoredOnBatch = log.evaluations.filter((e) => e.purpose === 'candidate').map((e) => e.resources_id);
    assert.deepEqual(scoredOnBatch, ['resources-1', 'resources-2']);
    assert.equal(result.rounds[0]!.candidates.length, 2);
    assert.equal(result.bestReward, 1);
  });
});

describe('APO batches, prompts and edit replies', () => {
  it('samples batches deterministically from the seed and the round', () => {
    assert.deepEqual(sampleIndexes(10, 4, 3, 'gradient 1'), sampleIndexes(10, 4, 3, 'gradient 1'));
    const batch = sampleIndexes(10, 4, 3, 'gradient 1');
    assert.equal(new Set(batch).size, 4);
    assert.ok(batch.every((i) => i >= 0 && i < 10));
    assert.deepEqual(
      batch,
      [...batch].sort((a, b) => a - b),
    );
    const draws = new Set(Array.from({ length: 6 }, (_, r) => sampleIndexes(10, 4, 3, `gradient ${r + 1}`).join(',')));
    assert.ok(draws.size > 1, 'rounds draw different batches');
    assert.deepEqual(sampleIndexes(3, 16, 1, 'validate 1'), [0, 1, 2], 'a batch larger than the set is the whole set');
  });

  it('starts the system prompts with Tau’s sentences and carries the tags the contract names', () => {
    assert.ok(
      CRITIQUE_SYSTEM.startsWith('You critique system prompts for an agent. Return concise actionable guidance.'),
    );
    assert.ok(EDIT_SYSTEM.startsWith('You edit system prompts using critique text. Return only the revised prompt.'));
    const c = critiqueRequest(MODEL, 'P', [{ input: 'What is 1 + 1?', expected: '2', answer: 'two', reward: 0 }]);
    assert.equal(c.system, CRITIQUE_SYSTEM);
    const cu = c.messages[0]!.content;
    assert.match(cu, /<current_prompt>\nP\n<\/current_prompt>/);
    assert.match(
      cu,
      /<example><input>What is 1 \+ 1\?<\/input><expected>2<\/expected><answer>two<\/answer><reward>0<\/reward><\/example>/,
    );
    const e = editRequest(MODEL, 'P', 'Be brief.', 2, 3);
    assert.equal(e.system, EDIT_SYSTEM);
    assert.match(e.messages[0]!.content, /<critique>\nBe brief\.\n<\/critique>/);
    assert.match(e.messages[0]!.content, /Candidate 2 of 3\./);
  });

  it('strips fences, quotes and <prompt> tags from an edit reply, and refuses an empty one', () => {
    assert.equal(parseEditReply('  You are brief.\nAnswer only.  '), 'You are brief.\nAnswer only.');
    assert.equal(parseEditReply('```\nYou are brief.\n```'), 'You are brief.');
    assert.equal(parseEditReply('```text\nYou are brief.\n```'), 'You are brief.');
    assert.equal(parseEditReply('"You are brief."'), 'You are brief.');
    assert.equal(parseEditReply('“You are brief.”'), 'You are brief.');
    assert.equal(parseEditReply('Here it is:\n<prompt>You are brief.</prompt>'), 'You are brief.');
    for (const empty of ['', '   ', '```\n```', '""'])
      assert.throws(() => parseEditReply(empty), ApoEditError, JSON.stringify(empty));
  });
});
