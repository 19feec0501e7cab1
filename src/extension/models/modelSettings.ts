// The model settings (`promptTuner.endpoints`, `.concurrency`, `.prices`) and key names. Light on purpose:
// the commands import it at activation; the gateway itself loads on first use (editorModels.ts).
import * as vscode from 'vscode';
import { z } from 'zod';
import { PriceOverridesSchema, type PriceOverrides } from '../../core/models/prices';
import { ENDPOINT_PRESETS, EndpointSchema, type EndpointConfig } from '../../core/models/providerRegistry';

/** SecretStorage key of a provider's API key. */
export function secretName(providerId: string): string {
  return `promptTuner.apiKey.${providerId}`;
}

/** What to do about a missing or refused key in the editor. */
export const SET_KEY_HINT = 'check the key with Prompt Tuner: Set API Key';

export interface ModelSettings {
  endpoints: EndpointConfig[];
  concurrency: number;
  prices: PriceOverrides;
  /** Time limit of one model request attempt, in seconds (`promptTuner.requestTimeoutSeconds`). */
  requestTimeoutSeconds: number;
  /** Problems found in the settings, named by path; the bad entries were skipped. */
  problems: string[];
}

export const MODEL_SETTINGS = [
  'promptTuner.endpoints',
  'promptTuner.concurrency',
  'promptTuner.prices',
  'promptTuner.requestTimeoutSeconds',
];

/** Default of `promptTuner.requestTimeoutSeconds` (the gateway's own default). */
export const DEFAULT_REQUEST_TIMEOUT_SECONDS = 60;

/** Reads and validates the model settings; a bad entry is skipped and reported, not fatal. */
export function readModelSettings(
  config: vscode.WorkspaceConfiguration = vscode.workspace.getConfiguration('promptTuner'),
): ModelSettings {
  const problems: string[] = [];
  const endpoints: EndpointConfig[] = [];
  const rawEndpoints = config.get<unknown>('endpoints', []);
  (Array.isArray(rawEndpoints) ? rawEndpoints : []).forEach((raw, i) => {
    const parsed = EndpointSchema.safeParse(raw);
    if (parsed.success) {
      if (endpoints.some((e) => e.name === parsed.data.name))
        problems.push(`promptTuner.endpoints[${i}].name: "${parsed.data.name}" is used by another endpoint`);
      else endpoints.push(parsed.data);
    } else {
      for (const issue of parsed.error.issues) {
        const where = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
        const message =
          issue.code === 'unrecognized_keys' && issue.keys.some((k) => /key|secret|token/i.test(k))
            ? `${issue.keys.join(', ')}: keys never go in settings; use Prompt Tuner: Set API Key`
            : issue.message;
        problems.push(`promptTuner.endpoints[${i}]${where}: ${message}`);
      }
    }
  });
  const concurrencyResult = z.number().int().min(1).max(256).safeParse(config.get<unknown>('concurrency', 8));
  if (!concurrencyResult.success)
    problems.push('promptTuner.concurrency: must be a whole number from 1 to 256; using 8');
  const timeoutResult = z
    .number()
    .min(1)
    .max(600)
    .safeParse(config.get<unknown>('requestTimeoutSeconds', DEFAULT_REQUEST_TIMEOUT_SECONDS));
  if (!timeoutResult.success)
    problems.push(
      `promptTuner.requestTimeoutSeconds: must be a number of seconds from 1 to 600; using ${DEFAULT_REQUEST_TIMEOUT_SECONDS}`,
    );
  const pricesResult = PriceOverridesSchema.safeParse(config.get<unknown>('prices', {}));
  if (!pricesResult.success)
    problems.push(
      ...pricesResult.error.issues.map((i) => `promptTuner.prices.${i.path.map(String).join('.')}: ${i.message}`),
    );
  return {
    endpoints,
    concurrency: concurrencyResult.success ? concurrencyResult.data : 8,
    prices: pricesResult.success ? pricesResult.data : {},
    requestTimeoutSeconds: timeoutResult.success ? timeoutResult.data : DEFAULT_REQUEST_TIMEOUT_SECONDS,
    problems,
  };
}

/** Providers the user can give a key to: the two APIs, OpenRouter and every configured endpoint. */
export function keyProviders(settings: ModelSettings): { id: string; detail: string }[] {
  const out = [
    { id: 'openai', detail: 'OpenAI API (Chat Completions)' },
    { id: 'anthropic', detail: 'Anthropic API (Messages)' },
    { id: 'openrouter', detail: `OpenRouter (${ENDPOINT_PRESETS.openrouter!.baseUrl})` },
  ];
  for (const e of settings.endpoints)
    if (!out.some((o) => o.id === e.name))
      out.push({ id: e.name, detail: `endpoint ${e.baseUrl ?? ENDPOINT_PRESETS[e.name]?.baseUrl ?? ''}` });
  return out;
}
