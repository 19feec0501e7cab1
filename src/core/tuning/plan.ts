// Plan: which children a generation asks the meta model for. Generation 1: strategy variants of the base.
// Later generations: reflective mutations of the survivors (from their typed failures on the selection cases)
// and crossovers of survivor pairs. Each plan carries its one retry for an empty or duplicate reply.
import type { ModelRequest } from '../models/types';
import type { Suite } from '../suites/suiteSchema';
import type { Candidate } from './candidate';
import {
  crossoverRequest,
  reflectiveRequest,
  RETRY_NOTE,
  STRATEGIES,
  variantRequest,
  type FailureLine,
} from './metaPrompts';
import { promptKey } from './parseMetaReply';

/** A child the meta model is asked for. */
export interface ChildPlan {
  id: string;
  origin: 'variant' | 'mutation' | 'crossover';
  parentIds: string[];
  note: string;
  request: ModelRequest;
  /** The one retry after an empty or duplicate reply. */
  retry: () => { request: ModelRequest; note: string };
}

/** The rewriting strategies in turn, across the whole run (first plans, later mutations and retries). */
export class StrategyCycle {
  private cursor = 0;

  next(): string {
    return STRATEGIES[this.cursor++ % STRATEGIES.length]!;
  }
}

/** What planning needs from the run. */
export interface PlanContext {
  metaModel: string;
  suite: Suite;
  /** Selection case ids: only their failures are shown to the meta model. */
  train: Set<string>;
  strategies: StrategyCycle;
}

function lastUserText(suite: Suite, caseId: string): string {
  const c = suite.cases.find((x) => x.id === caseId);
  const msg = c ? [...c.messages].reverse().find((m) => m.role === 'user') : undefined;
  const t = msg ? msg.content.replace(/\s+/g, ' ').trim() : '';
  return t.length > 160 ? `${t.slice(0, 157)}…` : t;
}

/**
 * The parent's failures on the selection cases (never validation: that would leak it), grouped by reason,
 * most frequent first, rotated by `focus` so sibling mutations each lead with a different failure group
 * (GEPA gets the same diversity from different minibatches).
 */
export function failuresOf(c: Candidate, ctx: Pick<PlanContext, 'suite' | 'train'>, focus = 0): FailureLine[] {
  const lines = c.results
    .filter((r) => !r.pass && ctx.train.has(r.caseId))
    .map((r) => ({
      caseId: r.caseId,
      model: r.model,
      reason: r.reason ?? 'value_error',
      detail: r.detail,
      input: lastUserText(ctx.suite, r.caseId),
    }));
  const groups = new Map<string, FailureLine[]>();
  for (const l of lines) groups.set(l.reason, [...(groups.get(l.reason) ?? []), l]);
  const ordered = [...groups.values()].sort((a, b) => b.length - a.length);
  const k = ordered.length ? focus % ordered.length : 0;
  return [...ordered.slice(k), ...ordered.slice(0, k)].flat();
}

/** Lines of `b` that `a` lacks and the other way round: crossover pairs with more to exchange are tried first. */
function novelty(a: Candidate, b: Candidate): number {
  const la = new Set(a.text.split('\n').map(promptKey));
  const lb = new Set(b.text.split('\n').map(promptKey));
  let n = 0;
  for (const l of lb) if (l && !la.has(l)) n++;
  for (const l of la) if (l && !lb.has(l)) n++;
  return n;
}

function strategyRetry(parentText: string, ctx: PlanContext): ChildPlan['retry'] {
  return () => {
    const strategy = ctx.strategies.next();
    return { request: variantRequest(ctx.metaModel, parentText, strategy, RETRY_NOTE), note: `strategy "${strategy}"` };
  };
}

/** Generation 1: `count` variants of the base, each with the next strategy. */
export function variantPlans(base: Candidate, count: number, ctx: PlanContext): ChildPlan[] {
  const plans: ChildPlan[] = [];
  for (let k = 0; k < count; k++) {
    const strategy = ctx.strategies.next();
    plans.push({
      id: `g1-p${k + 2}`,
      origin: 'variant',
      parentIds: [base.id],
      note: strategy,
      request: variantRequest(ctx.metaModel, base.text, strategy),
      retry: strategyRetry(base.text, ctx),
    });
  }
  return plans;
}

/** A later generation: `count` children of the survivors, mutations and crossovers in turn (crossover on odd slots). */
export function childPlans(generation: number, survivors: Candidate[], count: number, ctx: PlanContext): ChildPlan[] {
  const plans: ChildPlan[] = [];
  const ranked: { pair: [Candidate, Candidate]; novelty: number; order: number }[] = [];
  for (let j = 1; j < survivors.length; j++) {
    for (let i = 0; i < j; i++)
      ranked.push({
        pair: [survivors[i]!, survivors[j]!],
        novelty: novelty(survivors[i]!, survivors[j]!),
        order: ranked.length,
      });
  }
  const pairs = ranked.sort((a, b) => b.novelty - a.novelty || a.order - b.order).map((x) => x.pair);
  let pairCursor = 0;
  let parentCursor = 0;
  let mutationCursor = 0;
  for (let k = 0; k < count; k++) {
    const id = `g${generation}-p${survivors.length + k + 1}`;
    const crossover = pairs.length > 0 && (k % 2 === 1 || count === 1);
    if (crossover) {
      const [a, b] = pairs[pairCursor++ % pairs.length]!;
      plans.push({
        id,
        origin: 'crossover',
        parentIds: [a.evaluatedAs, b.evaluatedAs],
        note: `crossover of ${a.evaluatedAs} and ${b.evaluatedAs}`,
        request: crossoverRequest(ctx.metaModel, a.text, b.text),
        retry: strategyRetry(a.text, ctx),
      });
      continue;
    }
    plans.push(mutationPlan(id, survivors[parentCursor++ % survivors.length]!, mutationCursor++, ctx));
  }
  return plans;
}

function mutationPlan(id: string, parent: Candidate, focus: number, ctx: PlanContext): ChildPlan {
  const failures = failuresOf(parent, ctx, focus);
  if (!failures.length) {
    // Nothing failed on the selection cases: a reflective mutation has nothing to reflect on.
    const strategy = ctx.strategies.next();
    return {
      id,
      origin: 'mutation',
      parentIds: [parent.evaluatedAs],
      note: `mutation of ${parent.evaluatedAs}: ${strategy}`,
      request: variantRequest(ctx.metaModel, parent.text, strategy),
      retry: strategyRetry(parent.text, ctx),
    };
  }
  const reasons = [...new Set(failures.map((f) => f.reason))];
  return {
    id,
    origin: 'mutation',
    parentIds: [parent.evaluatedAs],
    note: `reflective mutation of ${parent.evaluatedAs} (${failures.length} failures: ${reasons.join(', ')})`,
    request: reflectiveRequest(ctx.metaModel, parent.text, failures),
    // Ask again leading with the next failure group; with one group only, fall back to a strategy.
    retry:
      reasons.length > 1
        ? () => {
            const next = failuresOf(parent, ctx, focus + 1);
            return {
              request: reflectiveRequest(ctx.metaModel, parent.text, next, RETRY_NOTE),
              note: `leading with ${next[0]!.reason}`,
            };
          }
        : strategyRetry(parent.text, ctx),
  };
}
