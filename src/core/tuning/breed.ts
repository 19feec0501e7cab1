// Breed: the meta calls of one generation, in parallel, turned into new candidates. An empty or duplicate
// reply is asked for once more (one call more than planned); a second miss skips the child (its
// evaluations fewer than planned). Both corrections go into the plan at once.
import type { ModelGateway, ModelRequest } from '../models/types';
import type { CallTally } from './callTally';
import { newCandidate, type Candidate, type EmitTuneEvent } from './candidate';
import { parseMetaReply, promptKey } from './parseMetaReply';
import type { ChildPlan } from './plan';

export interface BreedContext {
  gateway: ModelGateway;
  emit: EmitTuneEvent;
  tally: CallTally;
  /** Runs the calls under one signal; the first failure aborts the rest (JobRuntime.allOrAbort). */
  allOrAbort<T>(tasks: ((signal: AbortSignal) => Promise<T>)[]): Promise<T[]>;
  /** Evaluations one candidate costs (cases × models): what a skipped child takes off the plan. */
  evalsPerCandidate: number;
  /** Prompts of this run so far, normalised (promptKey): a reply equal to one of them is a duplicate. */
  seen: Set<string>;
}

async function metaCall(
  request: ModelRequest,
  signal: AbortSignal,
  what: string,
  ctx: BreedContext,
): Promise<string | null> {
  ctx.tally.report(`Meta model: ${what}`);
  // Never from the response cache: asking again must be able to give another prompt.
  const r = await ctx.gateway.call(request, { signal, cache: false });
  ctx.tally.recordCall(r.costUsd);
  ctx.tally.report(`Meta model wrote ${what}`);
  return parseMetaReply(r.text);
}

const why = (text: string | null) => (text === null ? 'empty reply' : 'identical to an existing prompt');

/**
 * Writes the planned children. Replies are checked in plan order (not arrival order), so which child counts
 * as the duplicate is the same on every run.
 */
export async function writeChildren(plans: ChildPlan[], generation: number, ctx: BreedContext): Promise<Candidate[]> {
  const { emit, tally, seen } = ctx;
  const fresh = (text: string | null): text is string => text !== null && !seen.has(promptKey(text));
  const texts = await ctx.allOrAbort(
    plans.map((p) => (signal: AbortSignal) => metaCall(p.request, signal, `${p.id} (${p.note})`, ctx)),
  );
  const notes = plans.map((p) => p.note);
  const accepted: (string | null)[] = plans.map(() => null);
  const retries: { index: number; request: ModelRequest; note: string }[] = [];
  plans.forEach((p, i) => {
    const text = texts[i]!;
    if (fresh(text)) {
      seen.add(promptKey(text));
      accepted[i] = text;
      return;
    }
    const retry = p.retry();
    tally.callsPlanned += 1;
    emit({
      type: 'prompt_retry',
      generation,
      promptId: p.id,
      note: `${why(text)}; asking once more (${retry.note}; one meta call more than planned)`,
    });
    retries.push({ index: i, ...retry });
  });
  if (retries.length) {
    const again = await ctx.allOrAbort(
      retries.map(
        (r) => (signal: AbortSignal) => metaCall(r.request, signal, `${plans[r.index]!.id} again (${r.note})`, ctx),
      ),
    );
    retries.forEach((r, k) => {
      const text = again[k]!;
      const p = plans[r.index]!;
      if (fresh(text)) {
        seen.add(promptKey(text));
        accepted[r.index] = text;
        notes[r.index] = `${p.note}; retried: ${r.note}`;
        return;
      }
      tally.callsPlanned -= ctx.evalsPerCandidate;
      emit({
        type: 'prompt_skipped',
        generation,
        promptId: p.id,
        parentIds: p.parentIds,
        note: `${why(text)} twice; ${ctx.evalsPerCandidate} evaluations fewer than planned`,
      });
    });
  }
  const out: Candidate[] = [];
  plans.forEach((p, i) => {
    const text = accepted[i];
    if (text === null || text === undefined) return;
    const c = newCandidate({ id: p.id, generation, text, origin: p.origin, parentIds: p.parentIds, note: notes[i]! });
    out.push(c);
    emit({
      type: 'prompt_generated',
      generation,
      promptId: c.id,
      text: c.text,
      origin: c.origin,
      parentIds: c.parentIds,
      note: notes[i]!,
    });
  });
  return out;
}
