// Fakes for the tuning unit tests: an in-memory sql.js store with migration 3, a library that records
// versions, and a gateway that answers with the simulator's pure behaviour (no HTTP) and can fail on demand.
import type { Database } from 'sql.js';
import { loadSqlJs } from '../../src/core/store/sqlJs';
import type { Store, SqlValue, WriteTx } from '../../src/core/store/store';
import type { LibraryRepository } from '../../src/core/library/libraryRepository';
import type { PromptSummary, PromptVersion } from '../../src/core/library/types';
import {
  ModelError,
  type GatewayEvent,
  type GatewayStats,
  type ModelGateway,
  type ModelRequest,
  type ModelResult,
} from '../../src/core/models/types';
import { parseSuite } from '../../src/core/suites/loadSuite';
import type { Suite } from '../../src/core/suites/suiteSchema';
import { parseTuneConfig, type TuneConfig } from '../../src/core/tuning/config';
import { TUNING_MIGRATION } from '../../src/core/tuning/runsRepository';
import { simulate, type SimRequest } from '../sim/behaviour';

function rows<R>(db: Database, sql: string, params: SqlValue[] = []): R[] {
  const st = db.prepare(sql);
  try {
    st.bind(params);
    const out: R[] = [];
    while (st.step()) out.push(st.getAsObject() as R);
    return out;
  } finally {
    st.free();
  }
}

/** Only the Store methods the runs repository uses, over an in-memory database. */
export async function memoryStore(): Promise<Store & { writes: number }> {
  const SQL = await loadSqlJs();
  const db = new SQL.Database();
  const tx: WriteTx = {
    run(sql, params = []) {
      db.run(sql, params);
      return { changes: db.getRowsModified(), lastInsertRowid: 0 };
    },
    all: <R>(sql: string, params?: SqlValue[]) => rows<R>(db, sql, params),
    get: <R>(sql: string, params?: SqlValue[]) => rows<R>(db, sql, params)[0],
  };
  TUNING_MIGRATION.up(tx);
  const store = {
    writes: 0,
    write<T>(fn: (t: WriteTx) => T): T {
      db.run('BEGIN');
      try {
        const r = fn(tx);
        db.run('COMMIT');
        store.writes += 1;
        return r;
      } catch (e) {
        db.run('ROLLBACK');
        throw e;
      }
    },
    all: <R>(sql: string, params?: SqlValue[]) => rows<R>(db, sql, params),
    get: <R>(sql: string, params?: SqlValue[]) => rows<R>(db, sql, params)[0],
  };
  return store as unknown as Store & { writes: number };
}

export interface FakeLibrary {
  library: LibraryRepository;
  added: Parameters<LibraryRepository['addVersion']>[0][];
}

/**
 * A recording library. It also answers what the engine asks before it saves (which version a run saved a text as:
 * savedVersionOf walks listPrompts and listVersions); every version reads back under prompt 1 as addVersion made it.
 */
export function fakeLibrary(): FakeLibrary {
  const added: FakeLibrary['added'] = [];
  const made: PromptVersion[] = [];
  const library = {
    addVersion(input: FakeLibrary['added'][number]): PromptVersion {
      added.push(input);
      const version = added.filter((a) => a.name === input.name).length;
      const v: PromptVersion = {
        id: 100 + added.length,
        promptId: 1,
        promptName: input.name,
        version,
        text: input.text,
        label: input.label ?? null,
        source: input.source ?? 'manual',
        createdAt: new Date().toISOString(),
        score: input.score ?? null,
        runId: input.runId ?? null,
        parentVersionId: input.parentVersionId ?? null,
      };
      made.push(v);
      return v;
    },
    listPrompts(): PromptSummary[] {
      if (made.length === 0) return [];
      return [
        {
          id: 1,
          name: made[0]!.promptName,
          createdAt: made[0]!.createdAt,
          updatedAt: made[made.length - 1]!.createdAt,
          versionCount: made.length,
          latestVersion: Math.max(...made.map((v) => v.version)),
        },
      ];
    },
    listVersions(promptId: number): PromptVersion[] {
      return made.filter((v) => v.promptId === promptId);
    },
  };
  return { library: library as unknown as LibraryRepository, added };
}

function toSim(req: ModelRequest): SimRequest {
  return {
    model: req.model.split('/').slice(1).join('/'),
    system: req.system ?? '',
    messages: req.messages.map((m) =>
      m.role === 'user'
        ? { role: 'user' as const, text: m.content }
        : m.role === 'assistant'
          ? {
              role: 'assistant' as const,
              text: m.content,
              toolCalls: (m.toolCalls ?? []).map((c) => ({ name: c.name, arguments: c.arguments ?? {} })),
            }
          : { role: 'tool' as const, text: m.content },
    ),
    tools: (req.tools ?? []).map((t) => ({
      name: t.name,
      description: t.description ?? '',
      parameters: t.parameters,
    })),
  };
}

export interface SimGatewayOptions {
  /** Models (full ids) that answer 500. */
  failModels?: string[];
  /** Calls allowed before the budget stops new ones. */
  budgetCalls?: number;
  /** Delay of each call in ms (honours the abort signal). */
  delayMs?: number;
  /** Called before each call; may throw. */
  beforeCall?: (req: ModelRequest, n: number) => void;
  /** Rewrites a meta reply (e.g. to return empty text). */
  metaReply?: (text: string, req: ModelRequest) => string;
}

export interface SimGateway extends ModelGateway {
  requests: ModelRequest[];
  /** The cache option of each call, in call order. */
  cacheOptions: (boolean | undefined)[];
  metaCalls(): number;
  targetCalls(): number;
  /** System prompts of the target calls, with their count. */
  systemsEvaluated(): Map<string, number>;
  emitEvent(e: GatewayEvent): void;
}

export function simGateway(opts: SimGatewayOptions = {}): SimGateway {
  const requests: ModelRequest[] = [];
  const cacheOptions: (boolean | undefined)[] = [];
  const listeners = new Set<(e: GatewayEvent) => void>();
  let calls = 0;
  const stats: GatewayStats = {
    calls: 0,
    cacheHits: 0,
    retries: 0,
    usage: { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0 },
    costUsd: 0,
    costIncomplete: false,
  };
  return {
    requests,
    cacheOptions,
    metaCalls: () => requests.filter((r) => !r.tools?.length).length,
    targetCalls: () => requests.filter((r) => r.tools?.length).length,
    systemsEvaluated() {
      const m = new Map<string, number>();
      for (const r of requests) if (r.tools?.length) m.set(r.system ?? '', (m.get(r.system ?? '') ?? 0) + 1);
      return m;
    },
    emitEvent: (e) => listeners.forEach((l) => l(e)),
    async call(req, options = {}): Promise<ModelResult> {
      if (options.signal?.aborted) throw new ModelError('cancelled', 'the call was cancelled');
      if (opts.budgetCalls !== undefined && calls >= opts.budgetCalls)
        throw new ModelError('budget', `budget reached: ${calls} calls of ${opts.budgetCalls}`);
      calls += 1;
      opts.beforeCall?.(req, calls);
      if (opts.delayMs) {
        await new Promise<void>((resolve, reject) => {
          const t = setTimeout(resolve, opts.delayMs);
          options.signal?.addEventListener('abort', () => {
            clearTimeout(t);
            reject(new ModelError('cancelled', 'the call was cancelled'));
          });
        });
      }
      requests.push(req);
      cacheOptions.push(options.cache);
      if (opts.failModels?.includes(req.model))
        throw new ModelError('server', `500 from openai (${req.model}): internal error after 3 tries`, 500, 'openai');
      const reply = simulate(toSim(req));
      const text = reply.mode === 'meta' && opts.metaReply ? opts.metaReply(reply.text, req) : reply.text;
      stats.calls += 1;
      return {
        model: req.model,
        text,
        toolCalls: reply.toolCalls.map((c, i) => ({
          id: `c${i}`,
          name: c.name,
          arguments: c.arguments,
          rawArguments: JSON.stringify(c.arguments),
        })),
        usage: { inputTokens: 10, outputTokens: 5, cachedInputTokens: 0 },
        latencyMs: opts.delayMs ?? 0,
        costUsd: 0.001,
        cached: false,
      };
    },
    onEvent(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    stats: () => ({ ...stats }),
    measuredLatencyMs: () => undefined,
  };
}

/** A small travel suite where each simulator rule fixes one case. */
export const MINI_SUITE_JSON = {
  name: 'Mini travel',
  tools: [
    {
      name: 'get_weather',
      description: 'Get the weather forecast for a city on a date',
      parameters: {
        type: 'object',
        properties: {
          city: { type: 'string', description: 'City name' },
          date: { type: 'string', description: 'Date, YYYY-MM-DD' },
        },
        required: ['city', 'date'],
      },
    },
    {
      name: 'convert_currency',
      description: 'Convert an amount of money from one currency to another',
      parameters: {
        type: 'object',
        properties: {
          amount: { type: 'number', description: 'Amount of money to convert' },
          from: { type: 'string', description: 'Currency code to convert from, e.g. USD' },
          to: { type: 'string', description: 'Currency code to convert to, e.g. EUR' },
        },
        required: ['amount', 'from', 'to'],
      },
    },
  ],
  cases: [
    {
      id: 'w1',
      prompt: "What's the weather in Lisbon on 2026-12-05?",
      expect: { tool: 'get_weather', args: { city: 'Lisbon', date: '2026-12-05' } },
    },
    {
      id: 'w2',
      prompt: "What's the weather in Porto on December 5?",
      expect: { tool: 'get_weather', args: { city: 'Porto', date: '2026-12-05' } },
    },
    {
      id: 'c1',
      prompt: 'Convert 30 USD to EUR, please.',
      expect: { tool: 'convert_currency', args: { amount: 30, from: 'USD', to: 'EUR' } },
    },
    { id: 's1', prompt: 'Thanks!', expect: { noToolCall: true } },
    {
      id: 'm1',
      prompt: "What's the weather in Rome on 2026-12-06 and then convert 100 USD to EUR.",
      expect: {
        calls: [
          { tool: 'get_weather', args: { city: 'Rome' } },
          { tool: 'convert_currency', args: { amount: 100 } },
        ],
      },
    },
    {
      id: 'p1',
      prompt: "What's the weather in Madrid on 2026-12-07, preferably in Celsius?",
      expect: { tool: 'get_weather', args: { city: 'Madrid', date: '2026-12-07' } },
    },
  ],
};

export function miniSuite(): Suite {
  return parseSuite(JSON.stringify(MINI_SUITE_JSON), 'mini.suite.json');
}

/** A quick run of 3 prompts on the mini suite written at `suiteFile`, with openai/sim-1 as meta and target model. */
export function miniQuickConfig(
  suiteFile: string,
  models: { metaModel: string; targetModels: string[] } = { metaModel: 'openai/sim-1', targetModels: ['openai/sim-1'] },
): TuneConfig {
  return parseTuneConfig({
    suiteFile,
    mode: 'quick',
    ...models,
    basePrompt: 'You are a helpful travel assistant.',
    population: 3,
  });
}
