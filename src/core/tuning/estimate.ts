// The call and time estimate shown before anything is spent (panel, debounced; `tune --estimate`).
import { plannedGenerations, survivorCount, type TuneConfig } from './config';

/** Assumed latency of one call when a model was never measured. */
export const DEFAULT_LATENCY_MS = 1500;
/** Assumed parallel calls when the config sets none (the gateway's per-provider default). */
export const DEFAULT_CONCURRENCY = 4;
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
  /** Concurrency the seconds assume. */
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
 * seconds = (meta calls × meta latency + Σ models evaluations × model latency) / concurrency.
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
): TuneEstimate {
  const plan = generationPlan(config);
  const models = config.targetModels.length;
  const metaCalls = plan.reduce((s, g) => s + g.metaCalls, 0);
  const candidatesEvaluated = plan.reduce((s, g) => s + g.evaluated, 0);
  const evalCalls = candidatesEvaluated * caseCount * models;
  const calls = metaCalls + evalCalls;

  let assumedDefaultLatency = false;
  const lat = (model: string | undefined): number => {
    const m = model === undefined ? undefined : latencyMs(model);
    if (m === undefined || !Number.isFinite(m) || m < 0) {
      assumedDefaultLatency = true;
      return DEFAULT_LATENCY_MS;
    }
    return m;
  };
  const concurrency = config.concurrency ?? DEFAULT_CONCURRENCY;
  let ms = metaCalls * lat(config.metaModel);
  for (const m of config.targetModels) ms += candidatesEvaluated * caseCount * lat(m);
  const seconds = Math.round((ms / concurrency / 1000) * 10) / 10;
  const warning =
    calls > CALL_WARNING_THRESHOLD
      ? `${calls} API calls (more than ${CALL_WARNING_THRESHOLD}): lower the population${config.mode === 'evolutionary' ? ' or the generations' : ''}, or use fewer target models, to spend less.`
      : null;
  return { calls, metaCalls, evalCalls, candidatesEvaluated, seconds, warning, assumedDefaultLatency, concurrency };
}

/** "X API calls, ~Ys", as the panel and the CLI show it. */
export function formatEstimate(e: TuneEstimate): string {
  const secs = e.seconds < 90 ? `~${Math.ceil(e.seconds)}s` : `~${Math.round(e.seconds / 60)} min`;
  const note = e.assumedDefaultLatency
    ? ` (assuming ${DEFAULT_LATENCY_MS / 1000}s per call, ${e.concurrency} at a time)`
    : ` (${e.concurrency} at a time)`;
  return `${e.calls} API calls, ${secs}${note}`;
}
