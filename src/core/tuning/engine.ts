// The tuning engine: Quick (one generation of strategy variants) and Evolutionary (selection, reflective
// mutation from typed failures, crossover). The job runtime stores, batches, cancels and closes the run;
// here are only the generations, phase by phase: plan → breed → evaluate → select.
import { newJobId } from '../jobs/job';
import { JobRuntime, type Job, type JobStop } from '../jobs/runtime';
import type { LibraryRepository } from '../library/libraryRepository';
import type { ModelGateway } from '../models/types';
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
  const config = parseTuneConfig(configInput);
  const { suite, gateway } = deps;
  const runs = new TuneRunsRepository(deps.store);
  const writer = new TuneRunWriter(runs);
  const runId = newJobId();
  const models = config.targetModels;
  const caseIds = suite.cases.map((c) => c.id);
  const split = splitCases(caseIds, config.validationSplit);
  const G = plannedGenerations(config);
  const estimate = estimateTune({ ...config, metaModel: config.metaModel }, caseIds.length, (m) =>
    gateway.measuredLatencyMs(m),
  );

  const initial = initialSnapshot({
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
  runs.create(initial, config);

  const rt = new JobRuntime<TuneEvent, TuneRunSnapshot>({
    runId,
    initial,
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
  const tally = new CallTally(estimate.calls, emit);
  const seen = new Set<string>();
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

  async function run(): Promise<void> {
    const P = config.population;
    const S = survivorCount(P, config.selectionRatio);
    emit({
      type: 'tune_start',
      mode: config.mode,
      metaModel: config.metaModel,
      targetModels: models,
      callsPlanned: estimate.calls,
      generations: G,
      population: P,
      ...(split.validation.length ? { validationCaseIds: split.validation } : {}),
    });

    // Generation 1: the base and population − 1 strategy variants.
    emit({ type: 'generation_start', generation: 1 });
    const base = newCandidate({ id: 'g1-p1', generation: 1, text: config.basePrompt, origin: 'base', parentIds: [] });
    seen.add(promptKey(base.text));
    emit({
      type: 'prompt_generated',
      generation: 1,
      promptId: base.id,
      text: base.text,
      origin: 'base',
      parentIds: [],
    });
    let population: Candidate[] = [base, ...(await writeChildren(variantPlans(base, P - 1, planning), 1, breeding))];
    const all: Candidate[] = [...population];

    for (let gen = 1; gen <= G; gen++) {
      if (gen > 1) {
        emit({ type: 'generation_start', generation: gen });
        const carried = carrySurvivors(population, S, gen);
        for (const c of carried) {
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
        const children = await writeChildren(childPlans(gen, carried, P - S, planning), gen, breeding);
        population = [...carried, ...children];
        all.push(...children);
      }
      for (const c of population) {
        if (c.origin === 'survivor') continue; // scores carry over: never evaluated again
        await evaluateCandidate(c, evaluation);
      }
      const ranked = rank(population);
      const survivorIds = config.mode === 'evolutionary' && gen < G ? ranked.slice(0, S).map((c) => c.id) : [];
      emit({ type: 'generation_complete', generation: gen, bestScore: ranked[0]?.score ?? 0, survivorIds });
    }

    const best = rank(all)[0];
    if (!best || best.score === null) throw new Error('no candidate was evaluated');
    const version = deps.library.addVersion({
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
