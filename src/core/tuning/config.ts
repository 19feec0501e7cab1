// A tuning run's configuration, validated at the boundary (panel message, CLI flags) with zod.
import { z } from 'zod';
import type { TuneMode } from './types';

/** Ranges shared by the schema, the CLI help and the panel. */
export const TUNE_LIMITS = {
  population: { min: 2, max: 20, default: 6 },
  generations: { min: 1, max: 10, default: 3 },
  selectionRatio: { min: 0.1, max: 0.9, default: 0.5 },
  validationSplit: { min: 0, max: 0.5, default: 0 },
  concurrency: { min: 1, max: 64 },
} as const;

const range = (field: string, min: number, max: number, integer: boolean) => {
  const what = integer ? 'a whole number' : 'a number';
  let s = z.number({ error: `${field}: must be ${what} from ${min} to ${max}` });
  if (integer) s = s.int({ error: `${field}: must be a whole number from ${min} to ${max}` });
  return s
    .min(min, { error: (iss) => `${field}: must be from ${min} to ${max}, got ${String(iss.input)}` })
    .max(max, { error: (iss) => `${field}: must be from ${min} to ${max}, got ${String(iss.input)}` });
};

const modelId = (field: string) =>
  z
    .string({ error: `${field}: expected a model id like openai/gpt-4o-mini` })
    .trim()
    .regex(/^[^/\s]+\/\S+$/, {
      error: (iss) => `${field}: expected provider/model (e.g. openai/gpt-4o-mini), got "${String(iss.input)}"`,
    });

export const TuneConfigSchema = z.object({
  /** Path of the `*.suite.json` file. */
  suiteFile: z
    .string({ error: 'suiteFile: choose a suite file' })
    .trim()
    .min(1, { error: 'suiteFile: choose a suite file' }),
  /** quick: one generation; evolutionary: several with selection. */
  mode: z.enum(['quick', 'evolutionary'], {
    error: (iss) => `mode: must be quick or evolutionary, got ${JSON.stringify(iss.input)}`,
  }),
  /** The model that writes and mutates prompts. */
  metaModel: modelId('metaModel'),
  /** Models the prompts are evaluated on (at least one, no duplicates). */
  targetModels: z
    .array(modelId('targetModels'), { error: 'targetModels: choose at least one target model' })
    .min(1, { error: 'targetModels: choose at least one target model' })
    .refine((a) => new Set(a).size === a.length, { error: 'targetModels: a model is listed twice' }),
  /** The prompt tuning starts from. */
  basePrompt: z
    .string({ error: 'basePrompt: expected text' })
    .refine((s) => s.trim().length > 0, { error: 'basePrompt: must not be empty' }),
  /** Library version the base prompt came from. */
  baseVersionId: z.number().int().positive().nullable().optional(),
  /** Prompts per generation (base and survivors included). */
  population: range('population', TUNE_LIMITS.population.min, TUNE_LIMITS.population.max, true).default(
    TUNE_LIMITS.population.default,
  ),
  /** Generations (evolutionary only; quick always runs one). */
  generations: range('generations', TUNE_LIMITS.generations.min, TUNE_LIMITS.generations.max, true).default(
    TUNE_LIMITS.generations.default,
  ),
  /** Share of the population that survives into the next generation (evolutionary only). */
  selectionRatio: range(
    'selectionRatio',
    TUNE_LIMITS.selectionRatio.min,
    TUNE_LIMITS.selectionRatio.max,
    false,
  ).default(TUNE_LIMITS.selectionRatio.default),
  /** Share of the cases held out for validation: selection uses the rest. */
  validationSplit: range(
    'validationSplit',
    TUNE_LIMITS.validationSplit.min,
    TUNE_LIMITS.validationSplit.max,
    false,
  ).optional(),
  /** Stop starting calls once this many USD are spent. */
  budgetUsd: z
    .number({ error: 'budgetUsd: must be a number above 0' })
    .positive({ error: 'budgetUsd: must be above 0' })
    .optional(),
  /** Parallel calls per provider. */
  concurrency: range('concurrency', TUNE_LIMITS.concurrency.min, TUNE_LIMITS.concurrency.max, true).optional(),
  /** Skip the response cache for evaluations too. */
  noCache: z.boolean().optional(),
});

export type TuneConfig = z.output<typeof TuneConfigSchema> & { mode: TuneMode };
/** What a caller may pass: defaults fill population, generations and selectionRatio. */
export type TuneConfigInput = z.input<typeof TuneConfigSchema>;

/** Bad configuration; `field` names the first offending field, `message` says what is wrong. */
export class TuneConfigError extends Error {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
    this.name = 'TuneConfigError';
  }
}

/** Validates and fills defaults; throws TuneConfigError whose message starts with the field name. */
export function parseTuneConfig(input: unknown): TuneConfig {
  const r = TuneConfigSchema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const field = issue.path.length ? issue.path.map(String).join('.') : 'config';
  const top = String(issue.path[0] ?? 'config');
  // Our messages already start with the field; zod's own (e.g. an unknown type) get it prefixed.
  const message = issue.message.startsWith(`${top}:`) ? issue.message : `${field}: ${issue.message}`;
  throw new TuneConfigError(message, field);
}

/** Survivors per generation: ⌈population × ratio⌉, kept below the population so every generation has a child. */
export function survivorCount(population: number, selectionRatio: number): number {
  return Math.min(population - 1, Math.max(1, Math.ceil(population * selectionRatio - 1e-9)));
}

/** Generations actually run: quick always runs one. */
export function plannedGenerations(config: Pick<TuneConfig, 'mode' | 'generations'>): number {
  return config.mode === 'quick' ? 1 : config.generations;
}
