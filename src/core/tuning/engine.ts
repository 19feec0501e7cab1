// The tuning engine: Quick (one generation of strategy variants) and Evolutionary (selection, reflective
// mutation from typed failures, crossover). Every step is an event, folded into a snapshot and stored as it goes.
import { linkedController, newJobId, TypedEmitter } from '../jobs/job';
import type { LibraryRepository } from '../library/libraryRepository';
import { ModelError, type ModelGateway, type ModelRequest } from '../models/types';
import type { Store } from '../store/store';
import { evaluatePrompt, type CaseResult } from '../suites/evaluate';
import type { Suite } from '../suites/suiteSchema';
import { parseTuneConfig, plannedGenerations, survivorCount, type TuneConfig } from './config';
import { estimateTune, type TuneEstimate } from './estimate';
import { crossoverRequest, reflectiveRequest, RETRY_NOTE, STRATEGIES, variantRequest, type FailureLine } from './metaPrompts';
import { parseMetaReply, promptKey } from './parseMetaReply';
import { TuneRunsRepository, type StoredCaseResult } from './runsRepository';
import { betterCandidate, foldEvent, initialSnapshot } from './snapshot';
import type { CandidateSnapshot, ModelScore, TuneEvent, TuneRunSnapshot } from './types';

export interface TuneJob {
  runId: string;
  /** The estimate the run was planned with (calls, seconds). */
  estimate: TuneEstimate;
  snapshot(): TuneRunSnapshot;
  onEvent(listener: (e: TuneEvent) => void): () => void;
  onSnapshot(listener: (s: TuneRunSnapshot) => void): () => void;
  /** Stops new calls and aborts the ones in flight; partial results stay. No-op once finished. */
  cancel(reason?: string): void;
  /** Resolves with the final snapshot (completed, failed, cancelled or budget_reached); never rejects. */
  done: Promise<TuneRunSnapshot>;
}

export interface TuneDeps {
  suite: Suite;
  gateway: ModelGateway;
  store: Store;
  library: LibraryRepository;
  /** Library prompt name for the best prompt; default `<suite name> (tuned)`. */
  saveAs?: string;
  /** Evaluation function (tests may wrap it); default evaluatePrompt. */
  evaluate?: typeof evaluatePrompt;
  /** Ms between batched store writes of case results and progress (default 250). */
  flushIntervalMs?: number;
}

/** A candidate as the engine keeps it: the snapshot fields plus its case results (for failures). */
interface Cand {
  id: string;
  generation: number;
  text: string;
  origin: CandidateSnapshot['origin'];
  parentIds: string[];
  note?: string;
  score: number | null;
  validationScore: number | null;
  perModel: ModelScore[];
  results: CaseResult[];
  /** Survivors point at the candidate that was evaluated; others at themselves. */
  evaluatedAs: string;
}

/** A child the meta model is asked for. */
interface ChildPlan {
  id: string;
  origin: 'variant' | 'mutation' | 'crossover';
  parentIds: string[];
  note: string;
  request: ModelRequest;
  /** The one retry after an empty or duplicate reply. */
  retry: () => { request: ModelRequest; note: string };
}

const DEFAULT_FLUSH_MS = 250;
const pct = (x: number) => `${Math.round(x * 1000) / 10}%`;

/** FNV-1a: a stable hash so the validation split depends only on the case ids. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** Deterministic split: ⌊n × ratio⌋ cases (at most n − 1) with the lowest hashes are held out for validation. */
export function splitCases(caseIds: string[], ratio: number | undefined): { train: string[]; validation: string[] } {
  const k = Math.min(caseIds.length - 1, Math.floor(caseIds.length * (ratio ?? 0) + 1e-9));
  if (k <= 0) return { train: [...caseIds], validation: [] };
  const held = new Set(
    [...caseIds]
      .sort((a, b) => fnv1a(a) - fnv1a(b) || (a < b ? -1 : a > b ? 1 : 0))
      .slice(0, k),
  );
  return { train: caseIds.filter((id) => !held.has(id)), validation: caseIds.filter((id) => held.has(id)) };
}

/** Pass rate over the given cases, overall and per model; null when none of the cases were evaluated. */
function scoreOn(results: CaseResult[], caseIds: Set<string>, models: string[]): { score: number | null; perModel: ModelScore[] } {
  const rs = results.filter((r) => caseIds.has(r.caseId));
  const perModel = models.map((model) => {
    const mine = rs.filter((r) => r.model === model);
    const passed = mine.filter((r) => r.pass).length;
    return { model, score: mine.length ? passed / mine.length : 0, passed, total: mine.length };
  });
  const total = rs.length;
  return { score: total ? rs.filter((r) => r.pass).length / total : null, perModel };
}

function lastUserText(suite: Suite, caseId: string): string {
  const c = suite.cases.find((x) => x.id === caseId);
  const msg = c ? [...c.messages].reverse().find((m) => m.role === 'user') : undefined;
  const t = msg && msg.role === 'user' ? msg.content.replace(/\s+/g, ' ').trim() : '';
  return t.length > 160 ? `${t.slice(0, 157)}…` : t;
}

function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}

export function startTuning(configInput: TuneConfig, deps: TuneDeps): TuneJob {
  const config = parseTuneConfig(configInput);
  const { suite, gateway } = deps;
  const evaluate = deps.evaluate ?? evaluatePrompt;
  const runs = new TuneRunsRepository(deps.store);
  const runId = newJobId();
  const models = config.targetModels;
  const caseIds = suite.cases.map((c) => c.id);
  const split = splitCases(caseIds, config.validationSplit);
  const trainSet = new Set(split.train);
  const validationSet = new Set(split.validation);
  const P = config.population;
  const G = plannedGenerations(config);
  const S = survivorCount(P, config.selectionRatio);
  const evalsPerCandidate = caseIds.length * models.length;
  const estimate = estimateTune({ ...config, metaModel: config.metaModel }, caseIds.length, (m) => gateway.measuredLatencyMs(m));
  const saveAs = deps.saveAs?.trim() || `${suite.name} (tuned)`;

  const controller = new AbortController();
  let cancelReason = 'Cancelled by the user';
  let finished = false;
  const emitter = new TypedEmitter<TuneEvent>();
  const snapshotEmitter = new TypedEmitter<TuneRunSnapshot>();

  let snap = initialSnapshot({
    runId,
    mode: config.mode,
    suite: { name: suite.name, file: suite.file },
    metaModel: config.metaModel,
    targetModels: models,
    basePrompt: config.basePrompt,
    baseVersionId: config.baseVersionId ?? null,
    generationsPlanned: G,
    callsPlanned: estimate.calls,
    startedAt: new Date().toISOString(),
  });
  runs.create(snap, config);

  // Store batching: events, candidates and generations are written at once; case results and progress
  // ride along on the next write, at most flushIntervalMs later.
  let seq = 0;
  let pendingEvents: { seq: number; event: TuneEvent }[] = [];
  let pendingResults: StoredCaseResult[] = [];
  const dirtyCandidates = new Set<string>();
  const dirtyGenerations = new Set<number>();
  let flushTimer: NodeJS.Timeout | undefined;
  let storeError: unknown;
  /** Set once the run has stopped and only the closing event is left to write. */
  let finishing = false;

  function flush(): void {
    if (flushTimer) {
      clearTimeout(flushTimer);
      flushTimer = undefined;
    }
    const all = snap.generations.flatMap((g) => g.candidates);
    const w = {
      snapshot: snap,
      events: pendingEvents,
      results: pendingResults,
      candidates: all.filter((c) => dirtyCandidates.has(c.id)),
      generations: snap.generations.filter((g) => dirtyGenerations.has(g.number)),
    };
    pendingEvents = [];
    pendingResults = [];
    dirtyCandidates.clear();
    dirtyGenerations.clear();
    runs.write(w);
  }

  function flushSoon(): void {
    if (flushTimer || finished) return;
    flushTimer = setTimeout(() => {
      flushTimer = undefined;
      try {
        flush();
      } catch (e) {
        storeError = e;
        controller.abort(e);
      }
    }, deps.flushIntervalMs ?? DEFAULT_FLUSH_MS);
  }

  function emit(event: TuneEvent): void {
    snap = foldEvent(snap, event);
    if ('promptId' in event && event.promptId) dirtyCandidates.add(event.promptId);
    if ('generation' in event) dirtyGenerations.add(event.generation);
    if (event.type === 'generation_complete') {
      for (const c of snap.generations.find((g) => g.number === event.generation)?.candidates ?? []) dirtyCandidates.add(c.id);
    }
    const ephemeral = event.type === 'progress' || event.type === 'throttle';
    if (ephemeral) {
      emitter.emit(event);
      snapshotEmitter.emit(snap);
      flushSoon();
      return;
    }
    pendingEvents.push({ seq: ++seq, event });
    // Stored before anyone hears of it: an event a listener (the panel, `--events`) saw survives a kill -9.
    try {
      flush();
    } catch (e) {
      storeError ??= e;
      controller.abort(e);
      emitter.emit(event);
      snapshotEmitter.emit(snap);
      if (!finishing) throw e;
      return;
    }
    emitter.emit(event);
    snapshotEmitter.emit(snap);
  }

  const at = () => new Date().toISOString();
  let callsDone = 0;
  let callsPlanned = estimate.calls;
  let costUsd = 0;

  function progress(detail: string, promptId?: string, evaluated?: number): void {
    emit({
      type: 'progress',
      runId,
      at: at(),
      callsDone,
      callsPlanned,
      detail,
      costUsd,
      ...(promptId !== undefined ? { promptId, evaluated } : {}),
    });
  }

  const unsubscribeGateway = gateway.onEvent((ge) => {
    if (finished || ge.type !== 'throttle') return;
    emit({ ...ge, runId, at: at() });
  });

  // Prompts seen in this run (normalised): a child equal to one of them is a duplicate.
  const seen = new Set<string>();
  let strategyCursor = 0;
  const nextStrategy = () => STRATEGIES[strategyCursor++ % STRATEGIES.length]!;

  async function metaCall(request: ModelRequest, signal: AbortSignal, what: string): Promise<string | null> {
    progress(`Meta model: ${what}`);
    const r = await gateway.call(request, { signal, cache: false });
    callsDone += 1;
    costUsd += r.costUsd ?? 0;
    progress(`Meta model wrote ${what}`);
    return parseMetaReply(r.text);
  }

  /** Runs calls in parallel; the first failure aborts the rest and is thrown once all have settled. */
  async function allOrAbort<T>(tasks: ((signal: AbortSignal) => Promise<T>)[]): Promise<T[]> {
    const phase = linkedController(controller.signal);
    let firstError: unknown;
    const settled = await Promise.allSettled(
      tasks.map((t) =>
        t(phase.signal).catch((e: unknown) => {
          if (firstError === undefined) firstError = e;
          phase.abort(e);
          throw e;
        }),
      ),
    );
    if (firstError !== undefined) throw firstError;
    return settled.map((x) => (x as PromiseFulfilledResult<T>).value);
  }

  /**
   * The meta calls of one generation, in parallel. Replies are checked in plan order (not arrival order),
   * so which child counts as the duplicate is the same on every run. An empty or duplicate reply is asked
   * for once more; a second miss skips the child.
   */
  async function writeChildren(plans: ChildPlan[], generation: number): Promise<Cand[]> {
    const fresh = (text: string | null): text is string => text !== null && !seen.has(promptKey(text));
    const why = (text: string | null) => (text === null ? 'empty reply' : 'identical to an existing prompt');
    const texts = await allOrAbort(plans.map((p) => (signal: AbortSignal) => metaCall(p.request, signal, `${p.id} (${p.note})`)));
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
      callsPlanned += 1;
      emit({ type: 'prompt_retry', runId, at: at(), generation, promptId: p.id, note: `${why(text)}; asking once more (${retry.note}; one meta call more than planned)` });
      retries.push({ index: i, ...retry });
    });
    if (retries.length) {
      const again = await allOrAbort(retries.map((r) => (signal: AbortSignal) => metaCall(r.request, signal, `${plans[r.index]!.id} again (${r.note})`)));
      retries.forEach((r, k) => {
        const text = again[k]!;
        const p = plans[r.index]!;
        if (fresh(text)) {
          seen.add(promptKey(text));
          accepted[r.index] = text;
          notes[r.index] = `${p.note}; retried: ${r.note}`;
          return;
        }
        callsPlanned -= evalsPerCandidate;
        emit({ type: 'prompt_skipped', runId, at: at(), generation, promptId: p.id, parentIds: p.parentIds, note: `${why(text)} twice; ${evalsPerCandidate} evaluations fewer than planned` });
      });
    }
    const out: Cand[] = [];
    plans.forEach((p, i) => {
      const text = accepted[i];
      if (text === null || text === undefined) return;
      const c: Cand = { id: p.id, generation, text, origin: p.origin, parentIds: p.parentIds, note: notes[i]!, score: null, validationScore: null, perModel: [], results: [], evaluatedAs: p.id };
      out.push(c);
      emit({ type: 'prompt_generated', runId, at: at(), generation, promptId: c.id, text: c.text, origin: c.origin, parentIds: c.parentIds, note: notes[i]! });
    });
    return out;
  }

  async function evaluateCandidate(c: Cand): Promise<void> {
    emit({ type: 'prompt_eval_start', runId, at: at(), generation: c.generation, promptId: c.id, toEvaluate: evalsPerCandidate });
    let evaluated = 0;
    await evaluate({
      suite,
      prompt: c.text,
      models,
      gateway,
      cache: !config.noCache,
      signal: controller.signal,
      onResult: (r) => {
        if (finished) return;
        c.results.push(r);
        pendingResults.push({ ...r, candidateId: c.id, split: validationSet.has(r.caseId) ? 'validation' : 'train' });
        evaluated += 1;
        callsDone += 1;
        costUsd += r.costUsd ?? 0;
        progress(`Evaluating ${c.id}: ${evaluated}/${evalsPerCandidate}`, c.id, evaluated);
      },
    });
    const sel = scoreOn(c.results, trainSet, models);
    const val = validationSet.size ? scoreOn(c.results, validationSet, models).score : null;
    c.score = sel.score ?? 0;
    c.perModel = sel.perModel;
    c.validationScore = val;
    emit({ type: 'prompt_eval_result', runId, at: at(), generation: c.generation, promptId: c.id, score: c.score, validationScore: val, perModel: c.perModel });
  }

  /** Candidates ranked best first: score, then the shorter prompt, then creation order. */
  function rank(cands: Cand[]): Cand[] {
    return cands
      .filter((c) => c.score !== null)
      .map((c, i) => ({ c, i }))
      .sort((a, b) => {
        if (betterCandidate({ score: a.c.score!, text: a.c.text }, { score: b.c.score!, text: b.c.text })) return -1;
        if (betterCandidate({ score: b.c.score!, text: b.c.text }, { score: a.c.score!, text: a.c.text })) return 1;
        return a.i - b.i;
      })
      .map((x) => x.c);
  }

  /**
   * The parent's failures on the selection cases (never validation: that would leak it), grouped by reason,
   * most frequent first, rotated by `focus` so sibling mutations each lead with a different failure group
   * (GEPA gets the same diversity from different minibatches).
   */
  function failuresOf(c: Cand, focus = 0): FailureLine[] {
    const lines = c.results
      .filter((r) => !r.pass && trainSet.has(r.caseId))
      .map((r) => ({ caseId: r.caseId, model: r.model, reason: r.reason ?? 'value_error', detail: r.detail, input: lastUserText(suite, r.caseId) }));
    const groups = new Map<string, FailureLine[]>();
    for (const l of lines) groups.set(l.reason, [...(groups.get(l.reason) ?? []), l]);
    const ordered = [...groups.values()].sort((a, b) => b.length - a.length);
    const k = ordered.length ? focus % ordered.length : 0;
    return [...ordered.slice(k), ...ordered.slice(0, k)].flat();
  }

  /** Lines of `b` that `a` lacks: crossover pairs with more to exchange are tried first. */
  function novelty(a: Cand, b: Cand): number {
    const la = new Set(a.text.split('\n').map(promptKey));
    const lb = new Set(b.text.split('\n').map(promptKey));
    let n = 0;
    for (const l of lb) if (l && !la.has(l)) n++;
    for (const l of la) if (l && !lb.has(l)) n++;
    return n;
  }

  function strategyRetry(parentText: string): () => { request: ModelRequest; note: string } {
    return () => {
      const strategy = nextStrategy();
      return { request: variantRequest(config.metaModel, parentText, strategy, RETRY_NOTE), note: `strategy "${strategy}"` };
    };
  }

  function childPlans(generation: number, survivors: Cand[], count: number): ChildPlan[] {
    const plans: ChildPlan[] = [];
    const ranked: { pair: [Cand, Cand]; novelty: number; order: number }[] = [];
    for (let j = 1; j < survivors.length; j++) {
      for (let i = 0; i < j; i++) ranked.push({ pair: [survivors[i]!, survivors[j]!], novelty: novelty(survivors[i]!, survivors[j]!), order: ranked.length });
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
          request: crossoverRequest(config.metaModel, a.text, b.text),
          retry: strategyRetry(a.text),
        });
        continue;
      }
      const parent = survivors[parentCursor++ % survivors.length]!;
      const focus = mutationCursor++;
      const failures = failuresOf(parent, focus);
      if (failures.length) {
        const reasons = [...new Set(failures.map((f) => f.reason))];
        plans.push({
          id,
          origin: 'mutation',
          parentIds: [parent.evaluatedAs],
          note: `reflective mutation of ${parent.evaluatedAs} (${failures.length} failures: ${reasons.join(', ')})`,
          request: reflectiveRequest(config.metaModel, parent.text, failures),
          // Ask again leading with the next failure group; with one group only, fall back to a strategy.
          retry:
            reasons.length > 1
              ? () => {
                  const next = failuresOf(parent, focus + 1);
                  return { request: reflectiveRequest(config.metaModel, parent.text, next, RETRY_NOTE), note: `leading with ${next[0]!.reason}` };
                }
              : strategyRetry(parent.text),
        });
      } else {
        // Nothing failed on the selection cases: a reflective mutation has nothing to reflect on.
        const strategy = nextStrategy();
        plans.push({
          id,
          origin: 'mutation',
          parentIds: [parent.evaluatedAs],
          note: `mutation of ${parent.evaluatedAs}: ${strategy}`,
          request: variantRequest(config.metaModel, parent.text, strategy),
          retry: strategyRetry(parent.text),
        });
      }
    }
    return plans;
  }

  async function run(): Promise<void> {
    emit({
      type: 'tune_start',
      runId,
      at: at(),
      mode: config.mode,
      metaModel: config.metaModel,
      targetModels: models,
      callsPlanned: estimate.calls,
      generations: G,
      population: P,
      ...(split.validation.length ? { validationCaseIds: split.validation } : {}),
    });

    // Generation 1: the base and population − 1 strategy variants.
    emit({ type: 'generation_start', runId, at: at(), generation: 1 });
    const base: Cand = {
      id: 'g1-p1',
      generation: 1,
      text: config.basePrompt,
      origin: 'base',
      parentIds: [],
      score: null,
      validationScore: null,
      perModel: [],
      results: [],
      evaluatedAs: 'g1-p1',
    };
    seen.add(promptKey(base.text));
    emit({ type: 'prompt_generated', runId, at: at(), generation: 1, promptId: base.id, text: base.text, origin: 'base', parentIds: [] });
    const firstPlans: ChildPlan[] = [];
    for (let k = 0; k < P - 1; k++) {
      const strategy = nextStrategy();
      firstPlans.push({
        id: `g1-p${k + 2}`,
        origin: 'variant',
        parentIds: [base.id],
        note: strategy,
        request: variantRequest(config.metaModel, base.text, strategy),
        retry: strategyRetry(base.text),
      });
    }
    let population: Cand[] = [base, ...(await writeChildren(firstPlans, 1))];
    const all: Cand[] = [...population];

    for (let gen = 1; gen <= G; gen++) {
      if (gen > 1) {
        emit({ type: 'generation_start', runId, at: at(), generation: gen });
        const survivors = rank(population).slice(0, S);
        const carried: Cand[] = survivors.map((s, i) => ({
          ...s,
          id: `g${gen}-p${i + 1}`,
          generation: gen,
          origin: 'survivor',
          parentIds: [s.evaluatedAs],
          note: `survivor of ${s.evaluatedAs}, score carried over`,
        }));
        for (const c of carried) {
          emit({
            type: 'prompt_generated',
            runId,
            at: at(),
            generation: gen,
            promptId: c.id,
            text: c.text,
            origin: 'survivor',
            parentIds: c.parentIds,
            note: c.note!,
            score: c.score,
            validationScore: c.validationScore,
            perModel: c.perModel,
          });
        }
        const children = await writeChildren(childPlans(gen, carried, P - S), gen);
        population = [...carried, ...children];
        all.push(...children);
      }
      for (const c of population) {
        if (c.origin === 'survivor') continue; // scores carry over: never evaluated again
        await evaluateCandidate(c);
      }
      const ranked = rank(population);
      const survivorIds = config.mode === 'evolutionary' && gen < G ? ranked.slice(0, S).map((c) => c.id) : [];
      emit({ type: 'generation_complete', runId, at: at(), generation: gen, bestScore: ranked[0]?.score ?? 0, survivorIds });
    }

    const best = rank(all)[0];
    if (!best || best.score === null) throw new Error('no candidate was evaluated');
    const version = deps.library.addVersion({
      name: saveAs,
      text: best.text,
      label: `${config.mode} tune, ${pct(best.score)}`,
      source: 'tuned',
      score: best.score,
      runId,
      parentVersionId: config.baseVersionId ?? null,
    });
    const savedVersion = { id: version.id, name: version.promptName, version: version.version };
    emit({ type: 'tune_complete', runId, at: at(), bestPrompt: best.text, bestScore: best.score, bestPromptId: best.id, savedVersion });
  }

  const done = (async (): Promise<TuneRunSnapshot> => {
    try {
      // Start on the next tick so the caller can subscribe before tune_start.
      await Promise.resolve();
      await run();
    } catch (e) {
      finishing = true;
      if (storeError !== undefined) {
        emit({ type: 'tune_error', runId, at: at(), error: `could not write the run to the store: ${errorMessage(storeError)}` });
      } else if (controller.signal.aborted) {
        emit({ type: 'tune_cancelled', runId, at: at(), reason: cancelReason });
      } else if (e instanceof ModelError && e.kind === 'budget') {
        emit({ type: 'tune_error', runId, at: at(), error: e.message, status: 'budget_reached' });
      } else {
        emit({ type: 'tune_error', runId, at: at(), error: errorMessage(e) });
      }
    } finally {
      finished = true;
      unsubscribeGateway();
      try {
        flush();
      } catch {
        // the failure event above already says the store failed
      }
    }
    return snap;
  })();

  return {
    runId,
    estimate,
    snapshot: () => snap,
    onEvent: (l) => emitter.on(l),
    onSnapshot: (l) => snapshotEmitter.on(l),
    cancel: (reason?: string) => {
      if (finished || controller.signal.aborted) return;
      if (reason) cancelReason = reason;
      controller.abort(new ModelError('cancelled', cancelReason));
    },
    done,
  };
}
