// The call and time estimate shown before anything is spent (panel, debounced; `tune --estimate`).
import { plannedGenerations, survivorCount, type TuneConfig } from './config';

/** Assumed latency of one call when a model was never measured. */
export const DEFAULT_LATENCY_MS = 1500;
/** Parallel calls per provider when nothing sets them: the gateway's own default (createGateway), so the estimate assumes what runs. */
export const DEFAULT_CONCURRENCY = 8;
/** Above this many calls the estimate carries a warning. */
export const CALL_WARNING_THRESHOLD = 100;

export interface TuneEstimate {
  /** Exact API calls: meta-model calls + evaluations (cases × target models × candidates evaluated). */
  calls: number;
  /** Meta-model calls among them. */
  metaCalls: number;
  /** Evaluation calls among them. */
  evalCalls: number;
  /** Candidates evaluated (survivors are not evaluated again). */
  candidatesEvaluated: number;
  /** Rough wall time in seconds. */
  seconds: number;
  /** Set when calls exceed the threshold; says how to spend less. */
  warning: string | null;
  /** True when some model had no measured latency and DEFAULT_LATENCY_MS was assumed. */
  assumedDefaultLatency: boolean;
  /** Concurrency the seconds assume (the lowest among the run's models when they differ). */
  concurrency: number;
  /** Per model of the run (meta model first): the latency assumed, whether it was measured, and its concurrency. */
  latencies?: ModelTiming[];
}

/** How one model's calls are timed in the estimate. */
export interface ModelTiming {
  model: string;
  /** Latency of one call in ms. */
  ms: number;
  /** True when measured on earlier calls; false when DEFAULT_LATENCY_MS was assumed. */
  measured: boolean;
  /** Calls at a time the run will really use for this model's provider. */
  concurrency: number;
}

/** Per generation: how many new prompts the meta model writes and how many candidates get evaluated. */
export function generationPlan(
  config: Pick<TuneConfig, 'mode' | 'population' | 'generations' | 'selectionRatio'>,
): { metaCalls: number; evaluated: number }[] {
  const gens = plannedGenerations(config);
  const plan = [{ metaCalls: config.population - 1, evaluated: config.population }];
  const children = config.population - survivorCount(config.population, config.selectionRatio);
  for (let g = 2; g <= gens; g++) plan.push({ metaCalls: children, evaluated: children });
  return plan;
}

/**
 * calls = Σ generations (metaCalls + evaluated × cases × models), where
 * generation 1 = population − 1 meta calls and population candidates (the base included),
 * later generations = population − survivors children, one meta call and one evaluation each.
 * Every candidate is evaluated on every case (validation cases included), so the split does not change the count.
 * seconds = Σ models (that model's calls × its latency / its provider's concurrency).
 * Concurrency: the config's, else `concurrencyOf(model)` (config.json or settings per provider), else the
 * gateway's default; latency: measured when the gateway has measured the model, else assumed.
 */
export function estimateTune(
  config: Pick<
    TuneConfig,
    'mode' | 'population' | 'generations' | 'selectionRatio' | 'targetModels' | 'validationSplit' | 'concurrency'
  > & {
    metaModel?: string;
  },
  caseCount: number,
  latencyMs: (model: string) => number | undefined,
  concurrencyOf: (model: string) => number | undefined = () => undefined,
): TuneEstimate {
  const plan = generationPlan(config);
  const models = config.targetModels.length;
  const metaCalls = plan.reduce((s, g) => s + g.metaCalls, 0);
  const candidatesEvaluated = plan.reduce((s, g) => s + g.evaluated, 0);
  const evalCalls = candidatesEvaluated * caseCount * models;
  const calls = metaCalls + evalCalls;

  const timing = (model: string): ModelTiming => {
    const m = latencyMs(model);
    const measured = m !== undefined && Number.isFinite(m) && m >= 0;
    return {
      model,
      ms: measured ? m : DEFAULT_LATENCY_MS,
      measured,
      concurrency: Math.max(1, config.concurrency ?? concurrencyOf(model) ?? DEFAULT_CONCURRENCY),
    };
  };
  const work: [ModelTiming, number][] = [];
  if (config.metaModel !== undefined) work.push([timing(config.metaModel), metaCalls]);
  else if (metaCalls > 0)
    work.push([
      {
        model: '(meta model)',
        ms: DEFAULT_LATENCY_MS,
        measured: false,
        concurrency: config.concurrency ?? DEFAULT_CONCURRENCY,
      },
      metaCalls,
    ]);
  for (const m of config.targetModels) work.push([timing(m), candidatesEvaluated * caseCount]);
  let ms = 0;
  for (const [t, n] of work) ms += (n * t.ms) / t.concurrency;
  const latencies = work.map(([t]) => t);
  const seconds = Math.round((ms / 1000) * 10) / 10;
  const warning =
    calls > CALL_WARNING_THRESHOLD
      ? `${calls} API calls (more than ${CALL_WARNING_THRESHOLD}): lower the population${config.mode === 'evolutionary' ? ' or the generations' : ''}, or use fewer target models, to spend less.`
      : null;
  return {
    calls,
    metaCalls,
    evalCalls,
    candidatesEvaluated,
    seconds,
    warning,
    assumedDefaultLatency: latencies.some((l) => !l.measured),
    concurrency: Math.min(...latencies.map((l) => l.concurrency)),
    latencies,
  };
}

/** "1.5 s" / "820 ms". */
function latencyText(ms: number): string {
  return ms >= 1000 ? `${(Math.round(ms / 100) / 10).toString()} s` : `${Math.round(ms)} ms`;
}

/**
 * "X API calls, ~Ys (…)": the time says which latencies were measured and which assumed, and how many calls
 * run at a time, as the panel and the CLI show it.
 */
export function formatEstimate(e: TuneEstimate): string {
  const secs = e.seconds < 90 ? `~${Math.ceil(e.seconds)}s` : `~${Math.round(e.seconds / 60)} min`;
  const seen = new Set<string>();
  const unique = (e.latencies ?? []).filter((l) => !seen.has(l.model) && seen.add(l.model));
  const measured = unique.filter((l) => l.measured).map((l) => `${l.model} ${latencyText(l.ms)}`);
  const assumed = unique.filter((l) => !l.measured).map((l) => l.model);
  const parts: string[] = [];
  if (measured.length) parts.push(`measured: ${measured.join(', ')}`);
  if (assumed.length) parts.push(`assumed ${latencyText(DEFAULT_LATENCY_MS)} per call: ${assumed.join(', ')}`);
  const conc = unique.length ? [...new Set(unique.map((l) => l.concurrency))] : [e.concurrency];
  parts.push(
    conc.length === 1
      ? `${conc[0]!} at a time`
      : `at a time: ${unique.map((l) => `${l.model} ${l.concurrency}`).join(', ')}`,
  );
  return `${e.calls} API calls, ${secs} (${parts.join('; ')})`;
}
