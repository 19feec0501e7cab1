// The gateway the CLI commands use: keys and base URLs from the environment, endpoints, concurrency and
// prices from `<workspace>/.prompt-tuner/config.json`, the cache and latency in the workspace store.
import { createGateway, type Gateway } from './gateway';
import { concurrencyMap, loadModelConfig } from './modelConfig';
import { createPriceBook } from './prices';
import { buildProviders, ENDPOINT_PRESETS, type EndpointConfig } from './providerRegistry';
import { createStoreResponseCache, type ModelStore } from './responseCache';
import type { RetryPolicy } from './retry';

/** Environment variable that holds a provider's key in the CLI. */
export function keyEnvName(providerId: string, endpoint?: EndpointConfig): string {
  if (providerId === 'openai') return 'OPENAI_API_KEY';
  if (providerId === 'anthropic') return 'ANTHROPIC_API_KEY';
  return (
    endpoint?.apiKeyEnv ??
    ENDPOINT_PRESETS[providerId]?.apiKeyEnv ??
    `${providerId.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_API_KEY`
  );
}

export interface CliGatewayOptions {
  env: NodeJS.ProcessEnv;
  /** Workspace folder; config.json is read from `<workspace>/.prompt-tuner/`. */
  workspace: string;
  /** The workspace store for the cache and latency; none → no cache. */
  store?: ModelStore;
  /** `--concurrency N`: overrides config.json for every provider. */
  concurrency?: number;
  budgetUsd?: number;
  budgetCalls?: number;
  /** `--no-cache`. */
  noCache?: boolean;
  /** Per-attempt request timeout in ms (`--timeout-s`, config.json `requestTimeoutSeconds`); the gateway's default when absent. */
  requestTimeoutMs?: number;
  /** Tests and benchmarks tune retries. */
  retry?: Partial<RetryPolicy>;
  log?: (message: string) => void;
}

/** Synchronous (config.json is read with readFileSync); throws ModelConfigError for a bad file (exit code 2). */
export function createCliGateway(options: CliGatewayOptions): Gateway {
  const config = loadModelConfig(options.workspace);
  const { env } = options;
  const conc = concurrencyMap(config);
  const perProvider: Record<string, number> = { ...conc.perProvider };
  if (options.concurrency !== undefined) {
    // --concurrency wins over everything in the file.
    for (const k of Object.keys(perProvider)) perProvider[k] = options.concurrency;
  }
  const endpoints = config.endpoints.map((e) =>
    options.concurrency !== undefined ? { ...e, concurrency: options.concurrency } : e,
  );
  const providers = buildProviders({
    keys: {
      keyFor: (id, endpoint) => () => env[keyEnvName(id, endpoint)],
      missingKeyHint: (id, endpoint) => `set ${keyEnvName(id, endpoint)}`,
    },
    ...(env.OPENAI_BASE_URL ? { openaiBaseUrl: env.OPENAI_BASE_URL } : {}),
    ...(env.ANTHROPIC_BASE_URL ? { anthropicBaseUrl: env.ANTHROPIC_BASE_URL } : {}),
    endpoints,
    concurrency: perProvider,
  });
  const budget = {
    ...(options.budgetUsd !== undefined ? { usd: options.budgetUsd } : {}),
    ...(options.budgetCalls !== undefined ? { calls: options.budgetCalls } : {}),
  };
  const endpointByName = new Map(config.endpoints.map((e) => [e.name, e]));
  const defaultConcurrency = options.concurrency ?? conc.default;
  return createGateway({
    providers,
    ...(defaultConcurrency !== undefined ? { concurrency: defaultConcurrency } : {}),
    ...(options.store ? { cache: createStoreResponseCache(options.store) } : {}),
    useCache: !options.noCache,
    prices: createPriceBook(config.prices),
    budget,
    authHint: (id) => `check the key: set ${keyEnvName(id, endpointByName.get(id))}`,
    ...(options.retry ? { retry: options.retry } : {}),
    ...(options.requestTimeoutMs !== undefined ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
    ...(options.log ? { log: options.log } : {}),
  });
}
