// The editor's model access: keys from SecretStorage, endpoints/concurrency/prices from settings, the
// cache and latency in the workspace store, and `vscode-lm/…`. One gateway, rebuilt when settings change.
import * as vscode from 'vscode';
import { keyEnvName } from '../../core/models/cliGateway';
import { createGateway, type Gateway } from '../../core/models/gateway';
import { createPriceBook } from '../../core/models/prices';
import { buildProviders, type EndpointConfig } from '../../core/models/providerRegistry';
import { createStoreResponseCache } from '../../core/models/responseCache';
import type { Store } from '../../core/store/store';
import { MODEL_SETTINGS, readModelSettings, secretName, SET_KEY_HINT } from './modelSettings';
import { createVscodeLmProvider } from './vscodeLmProvider';

export interface EditorModelsHost {
  readonly extension: vscode.ExtensionContext;
  readonly log: vscode.LogOutputChannel;
  getStore(): Promise<Store>;
}

export class EditorModels implements vscode.Disposable {
  private gateway: Promise<Gateway> | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly host: EditorModelsHost) {
    this.disposables.push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (MODEL_SETTINGS.some((s) => e.affectsConfiguration(s))) this.gateway = undefined; // next caller gets a fresh one
      }),
    );
  }

  getGateway(): Promise<Gateway> {
    if (!this.gateway) {
      this.gateway = this.build();
      this.gateway.catch(() => (this.gateway = undefined));
    }
    return this.gateway;
  }

  /** Model ids worth offering: configured endpoints and providers with a key. */
  async listModels(): Promise<{ id: string; source: string }[]> {
    const settings = readModelSettings();
    const out: { id: string; source: string }[] = [];
    const secrets = this.host.extension.secrets;
    if ((await secrets.get(secretName('openai'))) || process.env.OPENAI_API_KEY || process.env.OPENAI_BASE_URL) {
      for (const m of ['gpt-4o-mini', 'gpt-4.1-mini', 'gpt-4o']) out.push({ id: `openai/${m}`, source: 'key set' });
    }
    if (
      (await secrets.get(secretName('anthropic'))) ||
      process.env.ANTHROPIC_API_KEY ||
      process.env.ANTHROPIC_BASE_URL
    ) {
      for (const m of ['claude-haiku-4-5', 'claude-sonnet-4-5']) out.push({ id: `anthropic/${m}`, source: 'key set' });
    }
    for (const e of settings.endpoints)
      out.push({ id: `${e.name}/`, source: `endpoint ${e.name}: add the model name` });
    return out;
  }

  private async build(): Promise<Gateway> {
    const settings = readModelSettings();
    for (const p of settings.problems) this.host.log.warn(`Settings: ${p}`);
    if (settings.problems.length > 0) {
      void vscode.window.showWarningMessage(
        `Prompt Tuner: ${settings.problems[0]}${settings.problems.length > 1 ? ` (and ${settings.problems.length - 1} more in the log)` : ''}`,
      );
    }
    const secrets = this.host.extension.secrets;
    // SecretStorage first; the environment variable the CLI uses as an explicit fallback.
    const keyFor = (id: string, endpoint?: EndpointConfig) => async () =>
      (await secrets.get(secretName(id))) ?? process.env[keyEnvName(id, endpoint)];
    const openaiBaseUrl = process.env.OPENAI_BASE_URL;
    const anthropicBaseUrl = process.env.ANTHROPIC_BASE_URL;
    const providers = [
      ...buildProviders({
        keys: { keyFor, missingKeyHint: () => 'run Prompt Tuner: Set API Key' },
        ...(openaiBaseUrl ? { openaiBaseUrl } : {}),
        ...(anthropicBaseUrl ? { anthropicBaseUrl } : {}),
        endpoints: settings.endpoints,
      }),
      createVscodeLmProvider(),
    ];
    let store: Store | undefined;
    try {
      store = await this.host.getStore();
    } catch (error) {
      this.host.log.warn(
        `Model calls run without the response cache: the store could not be opened (${(error as Error).message})`,
      );
    }
    return createGateway({
      providers,
      concurrency: settings.concurrency,
      requestTimeoutMs: settings.requestTimeoutSeconds * 1000,
      ...(store ? { cache: createStoreResponseCache(store) } : {}),
      prices: createPriceBook(settings.prices),
      authHint: () => SET_KEY_HINT,
      log: (line) => this.host.log.warn(line),
    });
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

const instances = new WeakMap<object, EditorModels>();

/** The one EditorModels of a host context, created on first use and disposed with the extension. */
export function editorModelsFor(host: EditorModelsHost): EditorModels {
  let models = instances.get(host);
  if (!models) {
    models = new EditorModels(host);
    instances.set(host, models);
    host.extension.subscriptions.push(models);
  }
  return models;
}
