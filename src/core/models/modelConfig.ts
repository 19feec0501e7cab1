// `<workspace>/.prompt-tuner/config.json`: endpoints, concurrency and price overrides for the CLI.
// Keys never go in this file, only the names of the environment variables that hold them.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { PriceOverridesSchema } from './prices';
import { EndpointSchema } from './providerRegistry';

export const ModelConfigSchema = z
  .object({
    /** OpenAI-compatible (or Anthropic-compatible) endpoints, usable as `<name>/<model>`. */
    endpoints: z.array(EndpointSchema).default([]),
    /** Calls at a time: one number for every provider, or per provider id with an optional `default`. */
    concurrency: z
      .union([z.number().int().min(1).max(256), z.record(z.string(), z.number().int().min(1).max(256))])
      .optional(),
    /** Price overrides by model id, USD per million tokens. */
    prices: PriceOverridesSchema.default({}),
    /** Seconds one request may take before it is retried (the CLI's `--timeout-s` wins); 60 when absent. */
    requestTimeoutSeconds: z.number().min(1).max(600).optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    const seen = new Set<string>();
    c.endpoints.forEach((e, i) => {
      if (seen.has(e.name))
        ctx.addIssue({
          code: 'custom',
          path: ['endpoints', i, 'name'],
          message: `"${e.name}" is used by another endpoint`,
        });
      seen.add(e.name);
    });
  });
export type ModelConfig = z.infer<typeof ModelConfigSchema>;

export class ModelConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelConfigError';
  }
}

/** Path of the config file for a workspace. */
export function modelConfigPath(workspace: string): string {
  return path.join(workspace, '.prompt-tuner', 'config.json');
}

/** Turns zod issues into "file: endpoints[0].baseUrl: must be a URL …" lines. */
function describeIssues(file: string, error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const where = issue.path
        .map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`))
        .join('');
      let message = issue.message;
      if (issue.code === 'invalid_key' && issue.issues[0]) message = `${issue.issues[0].message}`;
      if (issue.code === 'unrecognized_keys' && issue.keys.some((k) => /key|secret|token/i.test(k))) {
        message = `${issue.keys.join(', ')}: keys never go in config.json; put the key in an environment variable and name it with "apiKeyEnv"`;
      }
      return `${file}: ${where || '(root)'}: ${message}`;
    })
    .join('\n');
}

/** Parses config text; throws ModelConfigError naming the file, the path and the problem. */
export function parseModelConfig(text: string, file: string): ModelConfig {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new ModelConfigError(`${file}: not valid JSON: ${(error as Error).message}`);
  }
  const result = ModelConfigSchema.safeParse(data);
  if (!result.success) throw new ModelConfigError(describeIssues(file, result.error));
  return result.data;
}

/** Reads the workspace's config.json (small, read once per command); an absent file is an empty config. */
export function loadModelConfig(workspace: string): ModelConfig {
  const file = modelConfigPath(workspace);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { endpoints: [], prices: {} };
    throw new ModelConfigError(`${file}: cannot be read: ${(error as Error).message}`);
  }
  return parseModelConfig(text, file);
}

/** Concurrency per provider id from the config's `concurrency` (a number applies to all). */
export function concurrencyMap(config: ModelConfig): { default?: number; perProvider: Record<string, number> } {
  if (config.concurrency === undefined) return { perProvider: {} };
  if (typeof config.concurrency === 'number') return { default: config.concurrency, perProvider: {} };
  const { default: def, ...perProvider } = config.concurrency;
  return { ...(def !== undefined ? { default: def } : {}), perProvider };
}
