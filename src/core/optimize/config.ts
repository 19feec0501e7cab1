// A prompt-optimization config file (Tau's format plus max_attempts, rollout_timeout_secs, reward and apo),
// checked completely before anything is written, with Tau's wording so users can search for the messages.
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import {
  APO_DEFAULTS,
  TAU_DEFAULTS,
  type ApoConfig,
  type OptimizeConfig,
  type RewardSpec,
  type RolloutInput,
} from './types';

/** Bad input (exit code 2 in the CLI); the message is the user's, in Tau's words where Tau has them. */
export class OptimizeConfigError extends Error {
  constructor(
    message: string,
    /** The config file it is about. */
    readonly path: string,
  ) {
    super(message);
    this.name = 'OptimizeConfigError';
  }
}

export interface ParsedOptimizeConfig {
  config: OptimizeConfig;
  /** One line each: unknown keys (Tau ignores them silently; we name them) and other hints. */
  warnings: string[];
}

const TOP_KEYS = [
  'optimize',
  'train',
  'validate',
  'val',
  'resources',
  'worker_count',
  'poll_interval_ms',
  'heartbeat_interval_ms',
  'completion_poll_interval_ms',
  'completion_timeout_secs',
  'max_attempts',
  'rollout_timeout_secs',
  'reward',
  'apo',
];
const APO_KEYS = [
  'rounds',
  'beam_width',
  'branch_factor',
  'gradient_batch_size',
  'val_batch_size',
  'gradient_model',
  'edit_model',
];
const REWARD_KEYS: Record<RewardSpec['type'], string[]> = {
  exact_match: ['type'],
  contains: ['type', 'case_sensitive'],
  regex: ['type', 'flags'],
  number: ['type', 'tolerance'],
  llm_judge: ['type', 'rubric', 'model'],
};
const REWARD_TYPES = Object.keys(REWARD_KEYS) as RewardSpec['type'][];

/** Tau's "> 0" fields; whole numbers except the timeout, where a fraction of a second is harmless. */
const POSITIVE_FIELDS = [
  ['worker_count', true],
  ['poll_interval_ms', true],
  ['heartbeat_interval_ms', true],
  ['completion_poll_interval_ms', true],
  ['completion_timeout_secs', false],
] as const;

// JSON.stringify gives undefined for a function or a symbol, though typed string.
const got = (v: unknown) => (v === undefined ? 'nothing' : ((JSON.stringify(v) as string | undefined) ?? String(v)));

/** An error inside the file's content: Tau's parse prefix, then the field. */
class FieldError extends Error {}

const fail = (field: string, problem: string): never => {
  throw new FieldError(`field '${field}' ${problem}`);
};

/** Runs a zod schema on one value; its first issue becomes "field 'F' …". */
function check<T>(schema: z.ZodType<T>, value: unknown, field: string): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const sub = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
  return fail(`${field}${sub}`, issue.message);
}

const number = z
  .number({ error: (iss) => `must be a number, got ${got(iss.input)}` })
  .refine(Number.isFinite, { error: 'must be a finite number' });
const wholeNumber = z
  .number({ error: (iss) => `must be a whole number, got ${got(iss.input)}` })
  .int({ error: (iss) => `must be a whole number, got ${got(iss.input)}` });
const positiveInt = z
  .number({ error: (iss) => `must be a positive whole number, got ${got(iss.input)}` })
  .int({ error: (iss) => `must be a positive whole number, got ${got(iss.input)}` })
  .positive({ error: (iss) => `must be a positive whole number, got ${got(iss.input)}` });
const text = z.string({ error: (iss) => `must be a string, got ${got(iss.input)}` });
const bool = z.boolean({ error: (iss) => `must be true or false, got ${got(iss.input)}` });
const modelRef = z
  .string({ error: (iss) => `must be a model id like openai/gpt-4o-mini or null, got ${got(iss.input)}` })
  .regex(/^[^/\s]+\/\S+$/, {
    error: (iss) => `must be a model id like openai/gpt-4o-mini (provider/model), got ${got(iss.input)}`,
  })
  .nullable()
  .default(null);
const plainObject = (what: string) =>
  z
    .record(z.string(), z.unknown(), { error: (iss) => `must be ${what}, got ${got(iss.input)}` })
    .refine((v) => !Array.isArray(v), { error: `must be ${what}` });

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function unknownKeys(value: Record<string, unknown>, known: string[]): string[] {
  return Object.keys(value).filter((k) => !known.includes(k));
}

const quoteList = (keys: string[]) => keys.map((k) => `'${k}'`).join(', ');

function rolloutInput(value: unknown, field: string): RolloutInput {
  if (typeof value === 'string') return { prompt: value };
  if (!isObject(value) || typeof value.prompt !== 'string') {
    return fail(field, `must be a string or an object with a string 'prompt', got ${got(value)}`);
  }
  if (value.expected !== undefined) check(text, value.expected, `${field}.expected`);
  if (value.must_not_regress !== undefined) check(bool, value.must_not_regress, `${field}.must_not_regress`);
  // Other keys are kept: Tau stores the whole input.
  return { ...value, prompt: value.prompt };
}

/** The list under `key` or its alias; both at once is ambiguous, so it is an error naming both. */
function rolloutList(
  raw: Record<string, unknown>,
  key: 'optimize' | 'validate',
  alias: 'train' | 'val',
): RolloutInput[] {
  if (raw[key] !== undefined && raw[alias] !== undefined) {
    throw new FieldError(`both '${key}' and its alias '${alias}' are given: keep one`);
  }
  const field = raw[key] !== undefined ? key : alias;
  const value = raw[field];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) return fail(field, `must be an array of rollout inputs, got ${got(value)}`);
  return value.map((item, i) => rolloutInput(item, `${field}[${i}]`));
}

function regexFlags(flags: string): string {
  try {
    new RegExp('', flags);
  } catch {
    fail('reward.flags', `is not a valid set of regular expression flags: ${got(flags)}`);
  }
  return flags;
}

function reward(value: unknown, warnings: string[]): RewardSpec {
  if (value === undefined || value === null) return { type: 'exact_match' };
  // "reward": "contains" is the type with its defaults.
  const spec = typeof value === 'string' ? { type: value } : value;
  if (!isObject(spec))
    return fail('reward', `must be an object with a 'type' (${REWARD_TYPES.join(', ')}), got ${got(value)}`);
  const type = spec.type ?? 'exact_match';
  if (typeof type !== 'string' || !(REWARD_TYPES as string[]).includes(type))
    return fail('reward.type', `must be one of ${REWARD_TYPES.join(', ')}, got ${got(type)}`);
  const t = type as RewardSpec['type'];
  const extra = unknownKeys(spec, REWARD_KEYS[t]);
  if (extra.length)
    warnings.push(`unknown key${extra.length === 1 ? '' : 's'} in 'reward' (${t}) ignored: ${quoteList(extra)}`);
  switch (t) {
    case 'exact_match':
      return { type: t };
    case 'contains':
      return { type: t, case_sensitive: check(bool.default(true), spec.case_sensitive, 'reward.case_sensitive') };
    case 'regex':
      return { type: t, flags: regexFlags(check(text.default(''), spec.flags, 'reward.flags')) };
    case 'number':
      return {
        type: t,
        tolerance: check(
          number.refine((x) => x >= 0, { error: 'must be 0 or more' }).default(0),
          spec.tolerance,
          'reward.tolerance',
        ),
      };
    case 'llm_judge':
      return {
        type: t,
        rubric: check(
          text.refine((s) => s.trim().length > 0, { error: 'must not be empty' }),
          spec.rubric,
          'reward.rubric',
        ),
        model: check(modelRef, spec.model, 'reward.model'),
      };
  }
}

/** Every item's expected must make sense for the reward, so a bad pattern or number stops the run before it starts. */
function checkExpected(spec: RewardSpec, lists: [string, RolloutInput[]][]): void {
  if (spec.type !== 'regex' && spec.type !== 'number') return;
  for (const [field, items] of lists) {
    items.forEach((item, i) => {
      if (item.expected === undefined) return;
      const where = `${field}[${i}].expected`;
      if (spec.type === 'regex') {
        try {
          new RegExp(item.expected, spec.flags);
        } catch (e) {
          fail(where, `is not a valid regular expression for the 'regex' reward: ${(e as Error).message}`);
        }
      } else if (item.expected.trim() === '' || !Number.isFinite(Number(item.expected))) {
        fail(where, `must be a number for the 'number' reward, got ${got(item.expected)}`);
      }
    });
  }
}

/** APO with Agent Lightning's defaults (what `--apo` turns on when the config has none). */
export function defaultApo(): ApoConfig {
  return { ...APO_DEFAULTS, gradient_model: null, edit_model: null };
}

function apo(value: unknown, warnings: string[]): ApoConfig | null {
  if (value === undefined || value === null || value === false) return null;
  if (value === true) return defaultApo();
  if (!isObject(value)) return fail('apo', `must be an object (or true for the defaults), got ${got(value)}`);
  const extra = unknownKeys(value, APO_KEYS);
  if (extra.length) warnings.push(`unknown key${extra.length === 1 ? '' : 's'} in 'apo' ignored: ${quoteList(extra)}`);
  const n = (k: keyof typeof APO_DEFAULTS) => check(positiveInt.default(APO_DEFAULTS[k]), value[k], `apo.${k}`);
  return {
    rounds: n('rounds'),
    beam_width: n('beam_width'),
    branch_factor: n('branch_factor'),
    gradient_batch_size: n('gradient_batch_size'),
    val_batch_size: n('val_batch_size'),
    gradient_model: check(modelRef, value.gradient_model, 'apo.gradient_model'),
    edit_model: check(modelRef, value.edit_model, 'apo.edit_model'),
  };
}

/** Tau's "> 0" check: after the parse and the rollout count, as Tau orders them (but before any store). */
function greaterThanZero(
  raw: Record<string, unknown>,
): Pick<OptimizeConfig, (typeof POSITIVE_FIELDS)[number][0] | 'max_attempts' | 'rollout_timeout_secs'> {
  const out: Record<string, number | null> = {};
  for (const [key, integer] of POSITIVE_FIELDS) {
    const v = check((integer ? wholeNumber : number).default(TAU_DEFAULTS[key]), raw[key], key);
    out[key] = v;
  }
  out.max_attempts = check(wholeNumber.default(1), raw.max_attempts, 'max_attempts');
  out.rollout_timeout_secs = check(number.nullable().default(null), raw.rollout_timeout_secs, 'rollout_timeout_secs');
  return out as ReturnType<typeof greaterThanZero>;
}

/** Parses and checks a config file's text; throws OptimizeConfigError with Tau's wording. */
export function parseOptimizeConfig(source: string, path: string): ParsedOptimizeConfig {
  const parseError = (why: string) =>
    new OptimizeConfigError(`failed to parse prompt-optimization config '${path}': ${why}`, path);
  let raw: unknown;
  try {
    raw = JSON.parse(source);
  } catch (e) {
    throw parseError((e as Error).message);
  }
  if (!isObject(raw)) throw parseError('expected JSON object');

  const warnings: string[] = [];
  let config: OptimizeConfig;
  try {
    const extra = unknownKeys(raw, TOP_KEYS);
    if (extra.length) warnings.push(`unknown key${extra.length === 1 ? '' : 's'} ignored: ${quoteList(extra)}`);
    const optimize = rolloutList(raw, 'optimize', 'train');
    const validate = rolloutList(raw, 'validate', 'val');
    const resources =
      raw.resources === undefined || raw.resources === null
        ? {}
        : check(plainObject('an object'), raw.resources, 'resources');
    if (resources.system_prompt !== undefined) check(text, resources.system_prompt, 'resources.system_prompt');
    const numbers = greaterThanZero(raw);
    const rewardSpec = reward(raw.reward, warnings);
    checkExpected(rewardSpec, [
      [raw.optimize !== undefined ? 'optimize' : 'train', optimize],
      [raw.validate !== undefined ? 'validate' : 'val', validate],
    ]);
    config = { optimize, validate, resources, ...numbers, reward: rewardSpec, apo: apo(raw.apo, warnings) };
  } catch (e) {
    if (e instanceof FieldError) throw parseError(e.message);
    throw e;
  }

  if (config.optimize.length === 0 && config.validate.length === 0) {
    throw new OptimizeConfigError(
      `prompt-optimization config '${path}' must contain at least one rollout in 'optimize' or 'validate'`,
      path,
    );
  }
  for (const [key] of POSITIVE_FIELDS) {
    if (!(config[key] > 0))
      throw new OptimizeConfigError(`training config field '${key}' must be greater than 0`, path);
  }
  if (config.max_attempts < 1)
    throw new OptimizeConfigError(`training config field 'max_attempts' must be at least 1`, path);
  if (config.rollout_timeout_secs !== null && !(config.rollout_timeout_secs > 0)) {
    throw new OptimizeConfigError(`training config field 'rollout_timeout_secs' must be greater than 0`, path);
  }
  if (typeof config.resources.system_prompt !== 'string') {
    warnings.push(
      `resources has no 'system_prompt': rollouts run without a system prompt${config.apo ? ' and APO starts from an empty one' : ''}`,
    );
  }
  return { config, warnings: warnings.map((w) => `prompt-optimization config '${path}': ${w}`) };
}

/** Reads and checks a config file. */
export async function readOptimizeConfig(path: string): Promise<ParsedOptimizeConfig> {
  let source: string;
  try {
    source = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new OptimizeConfigError(
      `failed to read prompt-optimization config '${path}': ${code === 'ENOENT' ? 'no such file' : (e as Error).message}`,
      path,
    );
  }
  return parseOptimizeConfig(source, path);
}
