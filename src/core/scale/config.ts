// A scale run's configuration, validated at the boundary (panel message, CLI flags, the stored config of a run
// being resumed) with zod. Every message starts with the field and, for a cap, names the cap.
import { z } from 'zod';
import type { PromptSource, ScaleConfig } from './types';

/** Ranges shared by the schema, the CLI help and the panel. */
export const SCALE_LIMITS = {
  runs: { min: 1, max: 10, default: 5 },
  concurrency: { min: 1, max: 5, default: 3 },
  temperature: { min: 0, max: 2, default: 0.7 },
} as const;

/** Bad input (exit code 2 in the CLI); the message names the field and, for a cap, the cap. */
export class ScaleConfigError extends Error {
  constructor(
    message: string,
    /** The first offending field ("config" when the input is not an object). */
    readonly field = 'config',
  ) {
    super(message);
    this.name = 'ScaleConfigError';
  }
}

const got = (input: unknown) => (typeof input === 'string' ? JSON.stringify(input) : String(input));

/** A whole number in [min, max]; the cap wording is the issue's ("runs: at most 10 (the cap), got 11"). */
const count = (field: string, min: number, max: number, capWord: string) =>
  z
    .number({ error: (iss) => `${field}: must be a whole number from ${min} to ${max}, got ${got(iss.input)}` })
    .int({ error: (iss) => `${field}: must be a whole number, got ${got(iss.input)}` })
    .min(min, { error: (iss) => `${field}: at least ${min}, got ${got(iss.input)}` })
    .max(max, { error: (iss) => `${field}: at most ${max}${capWord}, got ${got(iss.input)}` });

const modelId = (field: string) =>
  z
    .string({ error: `${field}: expected a model id like openai/gpt-4o-mini` })
    .trim()
    .regex(/^[^/\s]+\/\S+$/, {
      error: (iss) => `${field}: expected provider/model (e.g. openai/gpt-4o-mini), got ${got(iss.input)}`,
    });

const usd = (field: string) =>
  z
    .number({ error: (iss) => `${field}: must be a number of USD above 0, got ${got(iss.input)}` })
    .positive({ error: (iss) => `${field}: must be above 0, got ${got(iss.input)}` })
    .refine((x) => Number.isFinite(x), { error: `${field}: must be a finite number` });

const optionalText = (field: string) => z.string({ error: `${field}: expected text` }).optional();

const PromptSourceSchema: z.ZodType<PromptSource> = z.union(
  [
    z.strictObject({ kind: z.literal('agent') }),
    z.strictObject({ kind: z.literal('text') }),
    z.strictObject({ kind: z.literal('file'), path: z.string().min(1) }),
    z.strictObject({ kind: z.literal('library'), versionId: z.number().int().positive(), ref: z.string().min(1) }),
    z.strictObject({ kind: z.literal('revised'), fromRunId: z.string().min(1) }),
  ],
  { error: 'promptSource: expected {kind: agent | text | file | library | revised, …}' },
);

const InputObject = z.object({
  /** Path of the *.agent.json file. */
  agentFile: z
    .string({ error: 'agentFile: choose an agent file (*.agent.json)' })
    .trim()
    .min(1, { error: 'agentFile: choose an agent file (*.agent.json)' }),
  /** The agent under test. */
  agentModel: modelId('agentModel'),
  /** Simulated user; default agentModel. */
  userModel: modelId('userModel').optional(),
  /** Judge; default agentModel. */
  judgeModel: modelId('judgeModel').optional(),
  /** Summarizer; default agentModel. */
  summarizerModel: modelId('summarizerModel').optional(),
  /** The system prompt under test, resolved by the caller (agent file, text, file or library). */
  systemPrompt: z
    .string({ error: 'systemPrompt: expected the system prompt text' })
    .refine((s) => s.trim().length > 0, {
      error: 'systemPrompt: must not be empty (the agent file has none: give one)',
    }),
  /** Where systemPrompt came from; default the agent file. */
  promptSource: PromptSourceSchema.default({ kind: 'agent' }),
  goal: optionalText('goal'),
  userMessage: optionalText('userMessage'),
  runs: count('runs', SCALE_LIMITS.runs.min, SCALE_LIMITS.runs.max, ' (the cap)').default(SCALE_LIMITS.runs.default),
  concurrency: count('concurrency', SCALE_LIMITS.concurrency.min, SCALE_LIMITS.concurrency.max, '').default(
    SCALE_LIMITS.concurrency.default,
  ),
  maxBudgetUsd: usd('maxBudgetUsd').optional(),
  maxConversationUsd: usd('maxConversationUsd').optional(),
  seed: z
    .number({ error: (iss) => `seed: must be a whole number, got ${got(iss.input)}` })
    .int({ error: (iss) => `seed: must be a whole number, got ${got(iss.input)}` })
    .min(0, { error: (iss) => `seed: at least 0, got ${got(iss.input)}` })
    .max(2 ** 31 - 1 - SCALE_LIMITS.runs.max, {
      error: (iss) => `seed: at most ${2 ** 31 - 1 - SCALE_LIMITS.runs.max}, got ${got(iss.input)}`,
    })
    .default(1),
  temperature: z
    .number({ error: (iss) => `temperature: must be a number from 0 to 2, got ${got(iss.input)}` })
    .min(SCALE_LIMITS.temperature.min, { error: (iss) => `temperature: at least 0, got ${got(iss.input)}` })
    .max(SCALE_LIMITS.temperature.max, { error: (iss) => `temperature: at most 2, got ${got(iss.input)}` })
    .default(SCALE_LIMITS.temperature.default),
  evaluator: z
    .enum(['builtin', 'promptfoo', 'http'], {
      error: (iss) => `evaluator: must be builtin, promptfoo or http, got ${got(iss.input)}`,
    })
    .default('builtin'),
  evaluatorUrl: z
    .string({ error: 'evaluatorUrl: expected a URL' })
    .trim()
    .refine((s) => /^https?:\/\/\S+$/.test(s), {
      error: (iss) => `evaluatorUrl: expected an http(s) URL, got ${got(iss.input)}`,
    })
    .optional(),
  idempotencyKey: z
    .string({ error: 'idempotencyKey: expected text' })
    .trim()
    .min(1, { error: 'idempotencyKey: must not be empty' })
    .max(200, { error: 'idempotencyKey: at most 200 characters' })
    .optional(),
  verify: z.boolean({ error: (iss) => `verify: must be true or false, got ${got(iss.input)}` }).default(false),
});

/** What a form or the CLI gives: the agent file, the agent model and the prompt; everything else has a default. */
export const ScaleConfigInputSchema = InputObject.superRefine((c, ctx) => {
  if (c.evaluator === 'http' && !c.evaluatorUrl) {
    ctx.addIssue({
      code: 'custom',
      path: ['evaluatorUrl'],
      message: 'evaluatorUrl: the http evaluator needs a URL (POST {url}/eval)',
    });
  }
  if (c.maxBudgetUsd !== undefined && c.maxConversationUsd !== undefined && c.maxConversationUsd > c.maxBudgetUsd) {
    ctx.addIssue({
      code: 'custom',
      path: ['maxConversationUsd'],
      message: `maxConversationUsd: at most maxBudgetUsd ($${c.maxBudgetUsd}), got $${c.maxConversationUsd}`,
    });
  }
}).transform((c): ScaleConfig => ({
  ...c,
  userModel: c.userModel ?? c.agentModel,
  judgeModel: c.judgeModel ?? c.agentModel,
  summarizerModel: c.summarizerModel ?? c.agentModel,
}));

/** What a caller may pass (defaults fill the rest). */
export type ScaleConfigInput = z.input<typeof ScaleConfigInputSchema>;

/** Validates and fills defaults; throws ScaleConfigError whose message starts with the field name. */
export function parseScaleConfig(input: unknown): ScaleConfig {
  const r = ScaleConfigInputSchema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const field = issue.path.length ? issue.path.map(String).join('.') : 'config';
  const top = String(issue.path[0] ?? 'config');
  // Our messages start with the field; zod's own (an object expected, an unknown key) get it prefixed.
  const message = issue.message.startsWith(`${top}:`) ? issue.message : `${field}: ${issue.message}`;
  throw new ScaleConfigError(message, field);
}
