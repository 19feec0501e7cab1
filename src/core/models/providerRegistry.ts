// Endpoints (OpenAI-compatible servers and presets) and how providers are built from them, shared by the
// CLI (keys from environment variables) and the editor (keys from SecretStorage).
import { z } from 'zod';
import { createAnthropicProvider } from './anthropicProvider';
import { createOpenAiProvider } from './openaiProvider';
import type { KeySource, ModelProvider } from './providerTypes';

/** Ids that name built-in providers and cannot be used as endpoint names. */
export const RESERVED_PROVIDER_IDS = ['openai', 'anthropic', 'vscode-lm'] as const;

/** Known OpenAI-compatible servers: usable as `ollama/llama3.1` without configuration. */
export const ENDPOINT_PRESETS: Record<
  string,
  { baseUrl: string; apiKeyEnv?: string; keyRequired: boolean; label: string }
> = {
  ollama: { baseUrl: 'http://localhost:11434/v1', keyRequired: false, label: 'Ollama' },
  lmstudio: { baseUrl: 'http://localhost:1234/v1', keyRequired: false, label: 'LM Studio' },
  vllm: { baseUrl: 'http://localhost:8000/v1', keyRequired: false, label: 'vLLM' },
  openrouter: {
    baseUrl: 'https://openrouter.ai/api/v1',
    apiKeyEnv: 'OPENROUTER_API_KEY',
    keyRequired: true,
    label: 'OpenRouter',
  },
};

/** One endpoint as written in config.json or the `promptTuner.endpoints` setting. Never holds a key. */
export const EndpointSchema = z
  .object({
    /** Provider id used in model ids (`<name>/<model>`). */
    name: z
      .string()
      .regex(
        /^[A-Za-z0-9][A-Za-z0-9._-]*$/,
        'must be letters, digits, ".", "_" or "-" (it becomes the part before "/" in model ids)',
      )
      .refine(
        (n) => !(RESERVED_PROVIDER_IDS as readonly string[]).includes(n),
        'is a built-in provider id; choose another name',
      ),
    /** Base URL of the API (for OpenAI-compatible servers it ends in /v1); a preset's URL when absent. */
    baseUrl: z.string().url('must be a URL such as http://localhost:11434/v1').optional(),
    /** Name of the environment variable that holds the key (CLI); the editor uses Set API Key instead. */
    apiKeyEnv: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name')
      .optional(),
    /** Wire protocol: `openai` (Chat Completions, default) or `anthropic` (Messages). */
    api: z.enum(['openai', 'anthropic']).optional(),
    /** Calls at a time for this endpoint. */
    concurrency: z.number().int().min(1).max(256).optional(),
    /** Rate cap in requests per minute. */
    requestsPerMinute: z.number().positive().optional(),
    /** genai-prices provider id for prices (e.g. `openai` when the endpoint proxies OpenAI models). */
    pricesFrom: z.string().optional(),
  })
  .strict()
  .superRefine((e, ctx) => {
    if (!e.baseUrl && !ENDPOINT_PRESETS[e.name]) {
      ctx.addIssue({
        code: 'custom',
        path: ['baseUrl'],
        message: `is required: "${e.name}" is not a preset (${Object.keys(ENDPOINT_PRESETS).join(', ')})`,
      });
    }
  });
export type EndpointConfig = z.infer<typeof EndpointSchema>;

/** How keys are found and what to say when one is missing; differs between the CLI and the editor. */
export interface KeyResolver {
  /** The key for a provider id (`openai`, `anthropic`, an endpoint name). */
  keyFor(providerId: string, endpoint?: EndpointConfig): KeySource;
  /** What to tell the user when the key is missing or refused, e.g. "set OPENAI_API_KEY". */
  missingKeyHint(providerId: string, endpoint?: EndpointConfig): string;
}

export interface RegistryOptions {
  keys: KeyResolver;
  /** OpenAI base URL (the simulator's …/v1 in tests); the public API when absent. */
  openaiBaseUrl?: string;
  /** Anthropic base URL; the public API when absent. */
  anthropicBaseUrl?: string;
  /** Configured endpoints; presets not named here are added with their defaults. */
  endpoints?: EndpointConfig[];
  /** Concurrency per provider id (overrides the endpoint's own). */
  concurrency?: Record<string, number>;
}

/** Whether calls to an API at this base URL need a key: the public API always does, a proxy or the simulator may not. */
function publicApi(baseUrl: string | undefined, host: RegExp): boolean {
  return !baseUrl || host.test(baseUrl);
}

/**
 * Whether a provider refuses to call without a key (the key preflight asks before any call, buildProviders
 * decides the same way at call time); undefined for a provider id nobody configured.
 */
export function keyRequired(
  providerId: string,
  options: Pick<RegistryOptions, 'openaiBaseUrl' | 'anthropicBaseUrl' | 'endpoints'>,
): boolean | undefined {
  if (providerId === 'openai') return publicApi(options.openaiBaseUrl, /api\.openai\.com/);
  if (providerId === 'anthropic') return publicApi(options.anthropicBaseUrl, /api\.anthropic\.com/);
  const preset = ENDPOINT_PRESETS[providerId];
  const endpoint = options.endpoints?.find((e) => e.name === providerId);
  if (!preset && !endpoint) return undefined;
  return preset?.keyRequired === true && (!endpoint?.baseUrl || endpoint.baseUrl === preset.baseUrl);
}

/** All providers: openai, anthropic, every configured endpoint and the presets not configured. */
export function buildProviders(options: RegistryOptions): ModelProvider[] {
  const { keys } = options;
  const conc = (id: string, fallback?: number) => options.concurrency?.[id] ?? fallback;
  const missing = (id: string, e?: EndpointConfig) => `no API key for ${id}: ${keys.missingKeyHint(id, e)}`;
  const publicOpenAi = keyRequired('openai', options) === true;
  const publicAnthropic = keyRequired('anthropic', options) === true;
  const providers: ModelProvider[] = [
    createOpenAiProvider({
      id: 'openai',
      ...(options.openaiBaseUrl ? { baseUrl: options.openaiBaseUrl } : {}),
      apiKey: keys.keyFor('openai'),
      // A custom base URL (a proxy, the simulator) may need no key; the public API always does.
      missingKeyMessage: publicOpenAi ? missing('openai') : null,
      priceProviderId: 'openai',
      ...(conc('openai') ? { concurrency: conc('openai') } : {}),
    }),
    createAnthropicProvider({
      id: 'anthropic',
      ...(options.anthropicBaseUrl ? { baseUrl: options.anthropicBaseUrl } : {}),
      apiKey: keys.keyFor('anthropic'),
      missingKeyMessage: publicAnthropic ? missing('anthropic') : null,
      priceProviderId: 'anthropic',
      ...(conc('anthropic') ? { concurrency: conc('anthropic') } : {}),
    }),
  ];
  const configured = new Map<string, EndpointConfig>();
  for (const e of options.endpoints ?? []) configured.set(e.name, e);
  for (const name of Object.keys(ENDPOINT_PRESETS)) if (!configured.has(name)) configured.set(name, { name });
  for (const e of configured.values()) {
    const preset = ENDPOINT_PRESETS[e.name];
    const baseUrl = e.baseUrl ?? preset?.baseUrl;
    if (!baseUrl) continue; // schema refuses this; kept for callers that skip the schema
    const common = {
      id: e.name,
      baseUrl,
      apiKey: keys.keyFor(e.name, e),
      missingKeyMessage: keyRequired(e.name, { endpoints: [e] }) === true ? missing(e.name, e) : null,
      ...(e.pricesFrom ? { priceProviderId: e.pricesFrom } : {}),
      ...(conc(e.name, e.concurrency) ? { concurrency: conc(e.name, e.concurrency) } : {}),
      ...(e.requestsPerMinute
        ? { intervalCap: Math.max(1, Math.round(e.requestsPerMinute / 6)), intervalMs: 10_000 }
        : {}),
    };
    providers.push(e.api === 'anthropic' ? createAnthropicProvider(common) : createOpenAiProvider(common));
  }
  return providers;
}
