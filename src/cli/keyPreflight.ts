// What every command that calls models checks before the first call: each model's provider has its key, and a
// USD cap can be enforced (every model has a known price). Both are bad input (exit 2), found before anything
// is spent, instead of a failure after the run started. Also what a run assumes before its first call: the
// concurrency it will really use and its request timeout.
import { keyEnvName, type CliGatewayOptions } from '../core/models/cliGateway';
import { unknownPriceRefusal } from '../core/models/budget';
import { concurrencyMap, loadModelConfig, type ModelConfig } from '../core/models/modelConfig';
import { createPriceBook, priceProviderFor, unknownPriceModels } from '../core/models/prices';
import { keyRequired } from '../core/models/providerRegistry';
import type { CliIo } from './cliTypes';

/** The workspace's config.json; undefined once what is wrong with it has been written to stderr (bad input). */
export function readModelConfig(workspace: string, io: CliIo): ModelConfig | undefined {
  try {
    return loadModelConfig(workspace);
  } catch (e) {
    io.err(`${(e as Error).message}\n`);
    return undefined;
  }
}

/** A provider whose key is needed but absent: the variable to set and the models of the run that need it. */
export interface MissingKey {
  provider: string;
  variable: string;
  models: string[];
}

/** Providers whose key is needed but absent, decided as buildProviders decides at call time. */
export function missingKeys(models: readonly string[], env: NodeJS.ProcessEnv, config: ModelConfig): MissingKey[] {
  const byProvider = new Map<string, string[]>();
  for (const m of models) {
    const p = m.slice(0, Math.max(0, m.indexOf('/')));
    byProvider.set(p, [...new Set([...(byProvider.get(p) ?? []), m])]);
  }
  const registry = {
    ...(env.OPENAI_BASE_URL ? { openaiBaseUrl: env.OPENAI_BASE_URL } : {}),
    ...(env.ANTHROPIC_BASE_URL ? { anthropicBaseUrl: env.ANTHROPIC_BASE_URL } : {}),
    endpoints: config.endpoints,
  };
  const out: MissingKey[] = [];
  for (const [provider, ms] of byProvider) {
    const variable = keyEnvName(
      provider,
      config.endpoints.find((e) => e.name === provider),
    );
    if (env[variable]?.trim()) continue;
    if (keyRequired(provider, registry) === true) out.push({ provider, variable, models: ms });
  }
  return out;
}

/** Prints one line per missing key ("no API key for openai (openai/gpt-4o): set OPENAI_API_KEY"); false when any is missing. */
export function checkKeys(
  models: readonly string[],
  config: ModelConfig,
  command: string,
  io: Pick<CliIo, 'env' | 'err'>,
): boolean {
  const missing = missingKeys(models, io.env, config);
  for (const k of missing)
    io.err(`prompt-tuner ${command}: no API key for ${k.provider} (${k.models.join(', ')}): set ${k.variable}\n`);
  return missing.length === 0;
}

/** The models of a run whose price is unknown (config.json price overrides included). */
export async function modelsWithoutPrice(models: readonly string[], config: ModelConfig): Promise<string[]> {
  const book = createPriceBook(config.prices);
  await book.ready();
  return unknownPriceModels(book, models, priceProviderFor(config.endpoints));
}

/**
 * `--budget-usd` with a model whose price is unknown is refused (printed; false): the cap could not count
 * that model's calls, so it would go silently unenforced.
 */
export async function checkUsdBudget(
  models: readonly string[],
  config: ModelConfig,
  command: string,
  io: Pick<CliIo, 'err'>,
): Promise<boolean> {
  const unknown = await modelsWithoutPrice(models, config);
  if (unknown.length === 0) return true;
  io.err(
    `prompt-tuner ${command}: --budget-usd: ${unknownPriceRefusal(unknown, 'use a call budget (--budget-calls N)')}. Prices go under "prices" in .prompt-tuner/config.json (USD per million tokens). No call was made.\n`,
  );
  return false;
}

/** Calls at a time for a model, as the CLI's gateway will run it: the flag, config.json, the endpoint's own; undefined = the gateway default. */
export function concurrencyOf(config: ModelConfig, flag: number | undefined): (model: string) => number | undefined {
  const conc = concurrencyMap(config);
  return (m) => {
    if (flag !== undefined) return flag;
    const provider = m.slice(0, m.indexOf('/'));
    return conc.perProvider[provider] ?? config.endpoints.find((e) => e.name === provider)?.concurrency ?? conc.default;
  };
}

/** `--timeout-s` bounds: a second at least, and the SDKs' own ten-minute limit. */
export const TIMEOUT_S_RANGE = { min: 1, max: 600 } as const;
/** Seconds one request may take when neither the flag nor config.json says. */
export const DEFAULT_TIMEOUT_S = 60;

/** The request timeout in ms: `--timeout-s`, else config.json's `requestTimeoutSeconds`, else 60 s. */
export function requestTimeoutMs(flagSeconds: number | undefined, config: ModelConfig): number {
  return Math.round((flagSeconds ?? config.requestTimeoutSeconds ?? DEFAULT_TIMEOUT_S) * 1000);
}

/** A run's limits as its flags (or its stored config) give them; undefined = not given. */
export interface RunGatewayLimits {
  concurrency?: number | undefined;
  budgetUsd?: number | undefined;
  budgetCalls?: number | undefined;
  /** `--timeout-s`. */
  timeoutS?: number | undefined;
  noCache?: boolean | undefined;
}

/** The options of a run's CLI gateway: the store (if any), its limits and its request timeout. */
export function runGatewayOptions(
  io: CliIo,
  workspace: string,
  store: CliGatewayOptions['store'],
  modelConfig: ModelConfig,
  limits: RunGatewayLimits,
): CliGatewayOptions {
  const { concurrency, budgetUsd, budgetCalls } = limits;
  return {
    env: io.env,
    workspace,
    ...(store ? { store } : {}),
    ...(concurrency !== undefined ? { concurrency } : {}),
    ...(budgetUsd !== undefined ? { budgetUsd } : {}),
    ...(budgetCalls !== undefined ? { budgetCalls } : {}),
    requestTimeoutMs: requestTimeoutMs(limits.timeoutS, modelConfig),
    ...(limits.noCache ? { noCache: true } : {}),
  };
}
