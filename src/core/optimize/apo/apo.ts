// Agent Lightning's APO: textual gradients and beam search over system prompts. Each round every beam prompt
// is run on a training batch, its failures critiqued and the prompt edited branch_factor times; the beam and
// the new candidates are compared on a validate batch, the best beam_width kept, and the leader scored on the
// whole validate set. Must-not-regress items guard every choice. All scoring goes through ApoContext.
import type { ApoContext, ApoResult } from '../apoContext';
import type { ApoCandidate, ApoRound, ResourcesRow, RolloutInput, RolloutRow } from '../types';
import { critiqueRequest, editRequest, parseEditReply, ApoEditError, type ApoFailure } from './metaPrompts';

/** mulberry32: a small seeded PRNG, so a resumed run samples the same batches. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hashSeed(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** `size` distinct indexes of 0..count-1 (all when size ≥ count), drawn from seed and salt, ascending. */
export function sampleIndexes(count: number, size: number, seed: number, salt: string): number[] {
  const all = Array.from({ length: count }, (_, i) => i);
  if (size >= count) return all;
  const rand = prng(hashSeed(`${seed}\u0000${salt}`));
  for (let i = 0; i < size; i++) {
    const j = i + Math.floor(rand() * (count - i));
    [all[i], all[j]] = [all[j]!, all[i]!];
  }
  return all.slice(0, size).sort((a, b) => a - b);
}

/** A reward that counts as passed (floating point: the judge's 1.0 may come back as 0.9999999). */
const PASS = 1 - 1e-9;

function promptOf(row: ResourcesRow): string {
  const p = row.resources.system_prompt;
  return typeof p === 'string' ? p : '';
}

/** A failed rollout (no answer) scores 0, as it does in the report. */
function rewardOf(r: RolloutRow): number {
  return r.reward ?? 0;
}

function rewardsByItem(rows: RolloutRow[]): Map<number, number> {
  return new Map(rows.map((r) => [r.metadata.item_index, rewardOf(r)]));
}

function mean(values: number[]): number | null {
  return values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;
}

/** What the critique is shown: succeeded rollouts that lost reward (a failed rollout is the runner's fault, not the prompt's). */
function failuresOf(rows: RolloutRow[], items: RolloutInput[]): ApoFailure[] {
  return rows
    .filter((r) => r.status === 'succeeded' && rewardOf(r) < PASS)
    .sort((a, b) => a.metadata.item_index - b.metadata.item_index)
    .map((r) => {
      const input = items[r.metadata.item_index] ?? r.input;
      return { input: input.prompt, expected: input.expected ?? null, answer: r.answer, reward: rewardOf(r) };
    });
}

/**
 * A completed round's candidate as a resources row again (resume): only resources_id identifies it to the
 * store; the other fields are rebuilt from the candidate and the initial version.
 */
function rowOfCandidate(c: ApoCandidate, ctx: ApoContext): ResourcesRow {
  if (c.resources_id === ctx.initial.resources_id) return ctx.initial;
  return {
    resources_id: c.resources_id,
    version: c.resources_version,
    resources: { ...ctx.initial.resources, system_prompt: c.system_prompt },
    created_time: ctx.initial.created_time,
    is_latest: false,
    run_id: ctx.initial.run_id,
    label: 'apo',
    parent_version: c.parent_version,
  };
}

interface Scored {
  row: ResourcesRow;
  candidate: ApoCandidate;
}

/** Beam order: no regression first, then higher batch reward, then the older version (the simpler prompt). */
function byMerit(a: ApoCandidate, b: ApoCandidate): number {
  const ra = a.regressions.length > 0 ? 1 : 0;
  const rb = b.regressions.length > 0 ? 1 : 0;
  if (ra !== rb) return ra - rb;
  const d = (b.batch_reward ?? -1) - (a.batch_reward ?? -1);
  if (d !== 0) return d;
  return a.resources_version - b.resources_version;
}

/** The run's best so far: a leader without regressions that beats it on the whole validate set; ties keep the earlier. */
interface Best {
  row: ResourcesRow;
  reward: number | null;
}

function better(best: Best, row: ResourcesRow, reward: number | null, regressions: number[]): Best {
  if (regressions.length > 0 || reward === null) return best;
  if (best.reward === null || reward > best.reward) return { row, reward };
  return best;
}

export async function runApo(ctx: ApoContext): Promise<ApoResult> {
  const { config, apo, signal } = ctx;
  const hasValidate = config.validate.length > 0;
  // Without a validate set the candidates are compared on the optimize set (validate_reward then holds that score).
  const selectSet = hasValidate ? ('validate' as const) : ('optimize' as const);
  const selectItems = hasValidate ? config.validate : config.optimize;
  // Items whose loss is a regression: those the baseline passed among the ones that must not regress.
  const guarded = hasValidate
    ? ctx.mustNotRegress.filter((i) => (ctx.baselineValidate.get(i) ?? 0) >= PASS).sort((a, b) => a - b)
    : [];
  const regressionsOf = (rewards: Map<number, number>): number[] =>
    guarded.filter((i) => rewards.has(i) && rewards.get(i)! < PASS);

  const rounds: ApoRound[] = [...ctx.completedRounds];
  const baselineReward = hasValidate ? mean(config.validate.map((_, i) => ctx.baselineValidate.get(i) ?? 0)) : null;
  let best: Best = { row: ctx.initial, reward: baselineReward };
  if (!hasValidate && config.optimize.length > 0 && apo.rounds > rounds.length) {
    // No baseline on a validate set: score the initial prompt on the selection set once, so a leader must beat it.
    const initialRows = await ctx.evaluate(
      ctx.initial,
      'optimize',
      config.optimize.map((_, i) => i),
      'leader',
      0,
    );
    best = { row: ctx.initial, reward: mean(initialRows.map(rewardOf)) };
  }

  let beam: ResourcesRow[] = [ctx.initial];
  const seen = new Set<string>([promptOf(ctx.initial)]);
  for (const done of rounds) {
    for (const c of done.candidates) seen.add(c.system_prompt);
    const kept = done.candidates.filter((c) => c.kept);
    // In rank order, as a live round leaves the beam, so the resumed round edits its parents in the same order.
    if (kept.length > 0) beam = [...kept].sort(byMerit).map((c) => rowOfCandidate(c, ctx));
    const leader = done.candidates.find((c) => c.resources_version === done.leader_version);
    if (leader) best = better(best, rowOfCandidate(leader, ctx), leader.validate_reward, leader.regressions);
  }
  if (config.optimize.length === 0) return { best: best.row, bestReward: hasValidate ? best.reward : null, rounds };

  for (let round = rounds.length + 1; round <= apo.rounds; round++) {
    signal.throwIfAborted();
    ctx.roundStart(round);
    const gradientBatch = sampleIndexes(config.optimize.length, apo.gradient_batch_size, ctx.seed, `gradient ${round}`);
    const critiques: ApoRound['critiques'] = [];
    const fresh: ResourcesRow[] = [];
    for (const [p, parent] of beam.entries()) {
      const rows = await ctx.evaluate(parent, 'optimize', gradientBatch, 'gradient', round);
      const failures = failuresOf(rows, config.optimize);
      if (failures.length === 0) continue;
      const critique = (
        await ctx.gateway.call(critiqueRequest(ctx.gradientModel, promptOf(parent), failures), { signal, cache: false })
      ).text.trim();
      critiques.push({ parent_version: parent.version, text: critique });
      for (let j = 1; j <= apo.branch_factor; j++) {
        // The label's k counts every edit of the round, so a resumed round finds the same labels.
        const k = p * apo.branch_factor + j;
        const reply = await ctx.gateway.call(
          editRequest(ctx.editModel, promptOf(parent), critique, j, apo.branch_factor),
          { signal, cache: false },
        );
        let prompt: string;
        try {
          prompt = parseEditReply(reply.text);
        } catch (e) {
          if (e instanceof ApoEditError) continue;
          throw e;
        }
        if (seen.has(prompt)) continue;
        seen.add(prompt);
        fresh.push(await ctx.newCandidate(prompt, parent, round, k));
      }
    }

    const valBatch = sampleIndexes(selectItems.length, apo.val_batch_size, ctx.seed, `validate ${round}`);
    // The guarded items are scored with every candidate, so a regression is seen whichever batch was drawn.
    const scoredItems = [...new Set([...valBatch, ...guarded])].sort((a, b) => a - b);
    const scored: Scored[] = [];
    for (const row of [...beam, ...fresh]) {
      const rewards = rewardsByItem(await ctx.evaluate(row, selectSet, scoredItems, 'candidate', round));
      scored.push({
        row,
        candidate: {
          resources_id: row.resources_id,
          resources_version: row.version,
          parent_version: row.parent_version,
          system_prompt: promptOf(row),
          batch_reward: mean(valBatch.map((i) => rewards.get(i) ?? 0)),
          validate_reward: null,
          regressions: regressionsOf(rewards),
          kept: false,
        },
      });
    }
    const ranked = [...scored].sort((a, b) => byMerit(a.candidate, b.candidate));
    const keep = new Set(ranked.slice(0, apo.beam_width).map((s) => s.row.resources_id));
    for (const s of scored) s.candidate.kept = keep.has(s.row.resources_id);
    beam = ranked.slice(0, apo.beam_width).map((s) => s.row);

    const leader = ranked[0]!;
    const full = rewardsByItem(
      await ctx.evaluate(
        leader.row,
        selectSet,
        selectItems.map((_, i) => i),
        'leader',
        round,
      ),
    );
    leader.candidate.validate_reward = mean(selectItems.map((_, i) => full.get(i) ?? 0));
    leader.candidate.regressions = regressionsOf(full);
    best = better(best, leader.row, leader.candidate.validate_reward, leader.candidate.regressions);

    const done: ApoRound = {
      round,
      candidates: scored.map((s) => s.candidate),
      leader_version: leader.row.version,
      leader_reward: leader.candidate.validate_reward,
      critiques,
    };
    rounds.push(done);
    ctx.roundComplete(done);
  }
  return { best: best.row, bestReward: hasValidate ? best.reward : null, rounds };
}
