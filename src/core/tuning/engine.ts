// The tuning engine: Quick (one generation of strategy variants) and Evolutionary (selection, reflective
// mutation from typed failures, crossover). The job runtime stores, batches, cancels and closes the run;
// here are only the generations, phase by phase: plan → breed → evaluate → select.
import { newJobId } from '../jobs/job';
import { JobRuntime, type Job, type JobStop } from '../jobs/runtime';
import type { LibraryRepository } from '../library/libraryRepository';
import type { ModelGateway } from '../models/types';
import { savedVersionOf } from '../optimize/libraryBest';
import type { Store } from '../store/store';
import { evaluatePrompt } from '../suites/evaluate';
import type { Suite } from '../suites/suiteSchema';
import { writeChildren, type BreedContext } from './breed';
import { CallTally } from './callTally';
import { newCandidate, type Candidate, type EmitTuneEvent } from './candidate';
import { splitCases } from './caseSplit';
import { parseTuneConfig, plannedGenerations, survivorCount, type TuneConfig } from './config';
import { estimateTune, type TuneEstimate } from './estimate';
import { evaluateCandidate, type EvaluationContext } from './evaluateCandidate';
import { promptKey } from './parseMetaReply';
import { childPlans, StrategyCycle, variantPlans, type PlanContext } from './plan';
import { TuneRunsRepository } from './runsRepository';
import { TuneRunWriter } from './runWriter';
import { carrySurvivors, rank } from './select';
import { foldEvent, initialSnapshot } from './snapshot';
import type { TuneEvent, TuneRunSnapshot } from './types';
import {
  checkSuiteUnchanged,
  evaluateRest,
  loadTuneResume,
  resumeEstimate,
  storedCandidate,
  TuneResumeError,
  type TuneResumeState,
} from '../runs/tuneResume';
import type { ChildPlan } from './plan';

export interface TuneJob extends Job<TuneEvent, TuneRunSnapshot> {
  /** The estimate the run was planned with (calls, seconds). */
  estimate: TuneEstimate;
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

const pct = (x: number) => `${Math.round(x * 1000) / 10}%`;

/** The closing event of a run that stopped early. */
function stopEvent(stop: JobStop, base: { runId: string; at: string }): TuneEvent {
  if (stop.kind === 'cancelled') return { type: 'tune_cancelled', ...base, reason: stop.message };
  if (stop.kind === 'budget') return { type: 'tune_error', ...base, error: stop.message, status: 'budget_reached' };
  return { type: 'tune_error', ...base, error: stop.message };
}

export function startTuning(configInput: TuneConfig, deps: TuneDeps): TuneJob {
  return launchTuning(parseTuneConfig(configInput), deps, undefined);
}

/** The stored config of a run, for a caller that needs it before resuming (the suite to load, the flags it had). */
export function storedTuneConfig(store: Store, runId: string): TuneConfig {
  const stored = new TuneRunsRepository(store).resumable(runId);
  if (!stored)
    throw new TuneResumeError(`runId: no tuning run ${runId} in this workspace (see prompt-tuner runs list)`);
  return parseTuneConfig(stored.config);
}

/**
 * Continues a cancelled, failed, budget-stopped or interrupted run from what is stored: prompts the meta model
 * wrote are not asked for again, finished evaluations are not made again, and the estimate counts only what is
 * left. Throws TuneResumeError for an unknown, completed or still running run, or a suite that changed.
 */
export function resumeTuning(runId: string, deps: TuneDeps & { isLiveHere?: (runId: string) => boolean }): TuneJob {
  const runs = new TuneRunsRepository(deps.store);
  const state = loadTuneResume(runs, runId, deps.isLiveHere);
  const config = parseTuneConfig(state.config);
  checkSuiteUnchanged(state, deps.suite, config.targetModels);
  runs.claim(runId);
  return launchTuning(config, deps, state);
}

export { TuneResumeError };

function launchTuning(config: TuneConfig, deps: TuneDeps, prior: TuneResumeState | undefined): TuneJob {
  const { suite, gateway } = deps;
  const runs = new TuneRunsRepository(deps.store);
  const writer = new TuneRunWriter(runs);
  const runId = prior?.runId ?? newJobId();
  const models = config.targetModels;
  const caseIds = suite.cases.map((c) => c.id);
  const split = splitCases(caseIds, config.validationSplit);
  const G = plannedGenerations(config);
  const latency = (m: string) => gateway.measuredLatencyMs(m);
  const left = prior ? resumeEstimate(config, caseIds.length, prior, latency) : undefined;
  const estimate = left ?? estimateTune({ ...config, metaModel: config.metaModel }, caseIds.length, latency);
  // A resumed run's plan counts what it did before: progress goes on from there.
  const callsPlanned = (prior?.snapshot.callsDone ?? 0) + estimate.calls;

  // A resumed run reads as starting again at once, before its first event.
  const initial = prior
    ? { ...prior.snapshot, status: 'pending' as const, etaSeconds: null, detail: 'Resuming from what is stored' }
    : initialSnapshot({
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
  if (!prior) runs.create(initial, config);

  const rt = new JobRuntime<TuneEvent, TuneRunSnapshot>({
    runId,
    initial,
    ...(prior ? { lastSeq: prior.lastSeq } : {}),
    fold: foldEvent,
    ephemeral: (e) => e.type === 'progress' || e.type === 'throttle',
    persist: (w) => writer.persist(w),
    gateway,
    throttleEvent: (ge, base) => ({ ...ge, ...base }),
    stopEvent,
    ...(deps.flushIntervalMs !== undefined ? { flushIntervalMs: deps.flushIntervalMs } : {}),
  });
  // Phases emit event bodies; the run id and time are stamped here (type first, as stored and printed).
  const emit: EmitTuneEvent = (body) => rt.emit(Object.assign({ type: body.type, runId, at: rt.at() }, body));
  const tally = new CallTally(callsPlanned, emit);
  const seen = new Set<string>();
  if (prior) {
    tally.callsDone = prior.snapshot.callsDone;
    tally.costUsd = prior.snapshot.costUsd;
    for (const c of prior.candidates.values()) seen.add(promptKey(c.text));
  }
  const stored = (id: string) => (prior ? storedCandidate(prior, id) : undefined);
  const hasGeneration = (n: number) => prior?.snapshot.generations.some((g) => g.number === n) ?? false;
  const trainSet = new Set(split.train);
  const validationSet = new Set(split.validation);
  const planning: PlanContext = {
    metaModel: config.metaModel,
    suite,
    train: trainSet,
    strategies: new StrategyCycle(),
  };
  const breeding: BreedContext = {
    gateway,
    emit,
    tally,
    allOrAbort: (tasks) => rt.allOrAbort(tasks),
    evalsPerCandidate: caseIds.length * models.length,
    seen,
  };
  const evaluation: EvaluationContext = {
    suite,
    models,
    gateway,
    cache: !config.noCache,
    split: { train: trainSet, validation: validationSet },
    evaluate: deps.evaluate ?? evaluatePrompt,
    emit,
    tally,
    signal: rt.signal,
    isFinished: () => rt.isFinished,
    keepResult: (r) => writer.keepResult(r),
  };

  /** The planned children: stored ones as they were (no call), skipped ones left out, the rest asked for. */
  async function breed(plans: ChildPlan[], generation: number): Promise<Candidate[]> {
    const kept = new Map<string, Candidate>();
    const ask: ChildPlan[] = [];
    for (const p of plans) {
      const c = stored(p.id);
      if (c) kept.set(p.id, c);
      else if (!prior?.skipped.has(p.id)) ask.push(p);
    }
    const written = ask.length ? await writeChildren(ask, generation, breeding) : [];
    const byId = new Map([...kept, ...written.map((c): [string, Candidate] => [c.id, c])]);
    return plans.flatMap((p) => byId.get(p.id) ?? []);
  }

  /** Evaluates a candidate, or what is left of it on a resumed run (a scored one takes its stored scores). */
  async function evaluate(c: Candidate): Promise<void> {
    const was = prior?.candidates.get(c.id);
    if (was && was.score !== null) return;
    const kept = prior?.results.get(c.id);
    if (kept?.length) await evaluateRest(c, kept, evaluation);
    else await evaluateCandidate(c, evaluation);
  }

  async function run(): Promise<void> {
    const P = config.population;
    const S = survivorCount(P, config.selectionRatio);
    emit({
      type: 'tune_start',
      mode: config.mode,
      metaModel: config.metaModel,
      targetModels: models,
      callsPlanned,
      generations: G,
      population: P,
      ...(split.validation.length && !prior ? { validationCaseIds: split.validation } : {}),
      ...(left && prior
        ? { resumed: { callsLeft: left.calls, evaluationsKept: left.evaluationsKept, stoppedAt: prior.stoppedAt } }
        : {}),
    });

    // Generation 1: the base and population − 1 strategy variants.
    if (!hasGeneration(1)) emit({ type: 'generation_start', generation: 1 });
    const base =
      stored('g1-p1') ??
      newCandidate({ id: 'g1-p1', generation: 1, text: config.basePrompt, origin: 'base', parentIds: [] });
    seen.add(promptKey(base.text));
    if (!prior?.candidates.has(base.id))
      emit({
        type: 'prompt_generated',
        generation: 1,
        promptId: base.id,
        text: base.text,
        origin: 'base',
        parentIds: [],
      });
    let population: Candidate[] = [base, ...(await breed(variantPlans(base, P - 1, planning), 1))];
    const all: Candidate[] = [...population];

    for (let gen = 1; gen <= G; gen++) {
      if (gen > 1) {
        if (!hasGeneration(gen)) emit({ type: 'generation_start', generation: gen });
        const carried = carrySurvivors(population, S, gen);
        for (const c of carried) {
          if (prior?.candidates.has(c.id)) continue;
          emit({
            type: 'prompt_generated',
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
        const children = await breed(childPlans(gen, carried, P - S, planning), gen);
        population = [...carried, ...children];
        all.push(...children);
      }
      for (const c of population) {
        if (c.origin === 'survivor') continue; // scores carry over: never evaluated again
        await evaluate(c);
      }
      const ranked = rank(population);
      const survivorIds = config.mode === 'evolutionary' && gen < G ? ranked.slice(0, S).map((c) => c.id) : [];
      const completedBefore = prior?.snapshot.generations.find((g) => g.number === gen)?.complete ?? false;
      if (!completedBefore)
        emit({ type: 'generation_complete', generation: gen, bestScore: ranked[0]?.score ?? 0, survivorIds });
    }

    const best = rank(all)[0];
    if (!best || best.score === null) throw new Error('no candidate was evaluated');
    // `runs save-best` or the panel's Save to Library may have saved this very prompt while the run went on:
    // that version is the run's save, not a second one with the same text. A better best found since is new.
    const version =
      savedVersionOf(deps.library, runId, best.text) ??
      deps.library.addVersion({
        name: deps.saveAs?.trim() || `${suite.name} (tuned)`,
        text: best.text,
        label: `${config.mode} tune, ${pct(best.score)}`,
        source: 'tuned',
        score: best.score,
        runId,
        parentVersionId: config.baseVersionId ?? null,
      });
    const savedVersion = { id: version.id, name: version.promptName, version: version.version };
    emit({ type: 'tune_complete', bestPrompt: best.text, bestScore: best.score, bestPromptId: best.id, savedVersion });
  }

  return { ...rt.start(run), estimate };
}
