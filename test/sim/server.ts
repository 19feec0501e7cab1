// The model simulator's HTTP server (node:http, 127.0.0.1): OpenAI Chat Completions and Anthropic
// Messages in front of the deterministic behaviour of behaviour.ts, with faults on demand and counters.
// A test instrument: nothing under src/ may import it.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type z } from 'zod';
import {
  ANTHROPIC_NO_SAMPLING_VERSION,
  ANTHROPIC_REFUSED_PARAMS,
  AnthropicRequestSchema,
  anthropicError,
  anthropicResponse,
  anthropicToSim,
} from './anthropicWire';
import { simulate, type SimMode, type SimReply, type SimRequest } from './behaviour';
import {
  DEFAULT_FAULTS,
  Prng,
  RateLimiter,
  SimFaultsPatchSchema,
  drawFaults,
  type SimFaults,
  type SimFaultsPatch,
} from './faults';
import { OpenAiRequestSchema, openAiError, openAiResponse, openAiToSim, type WireUsage } from './openaiWire';

export type { SimFaults, SimFaultsPatch } from './faults';

/** Counts since start or the last reset. */
export interface SimCounters {
  /** Requests to the model endpoints (not /__sim). */
  calls: number;
  /** Answers by HTTP status ("200", "429", …). */
  byStatus: Record<string, number>;
  /** Answers with status 429. */
  rateLimited: number;
  /** Most requests in flight at once. */
  peakConcurrency: number;
  /** Requests in flight now (hung ones included). */
  inFlight: number;
  /** Hung requests still open now. */
  hung: number;
  /** Requests the client gave up on before an answer (hung or during latency). */
  aborted: number;
  /** Connections dropped on purpose. */
  dropped: number;
  /** Answers by behaviour: target (tools), meta (<current_prompt>), user (<persona>/<goal>), judge (<rubric>), summarizer (Prompt Tuner Analyst), chat (none of them). */
  byMode: Record<SimMode, number>;
  /** Requests per API. */
  byApi: { openai: number; anthropic: number };
  /** Requests per model name. */
  byModel: Record<string, number>;
}

/** One logged request (bodies only; headers, and so keys, are never kept). */
export interface SimRequestLog {
  seq: number;
  api: 'openai' | 'anthropic';
  model: string | null;
  status: number;
  mode: SimReply['mode'] | null;
  body: unknown;
}

export interface SimulatorOptions extends SimFaultsPatch {
  /** Port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  /** Shared prefix size (system + tools) from which repeated prefixes count as cached input tokens. */
  promptCacheMinTokens?: number;
  /** How many requests `requests()` keeps. */
  logSize?: number;
}

export interface Simulator {
  /** http://127.0.0.1:PORT */
  url: string;
  /** For the openai SDK's baseURL: url + /v1. */
  openaiBaseUrl: string;
  /** For the @anthropic-ai/sdk baseURL (the SDK adds /v1/messages). */
  anthropicBaseUrl: string;
  port: number;
  counters(): SimCounters;
  /** Changes only the given fault settings. */
  configure(faults: SimFaultsPatch): void;
  /** The fault settings now. */
  faults(): SimFaults;
  /** Zeroes the counters, restarts the PRNG and the rate limit, forgets cached prefixes and the log. */
  reset(): void;
  /** The latest requests, oldest first. */
  requests(): SimRequestLog[];
  /** Stops the server, ending hung requests. */
  close(): Promise<void>;
}

/** Literal API key that is always refused. */
export const SIM_BAD_KEY = 'bad-key';

const MAX_BODY = 10 * 1024 * 1024;

function emptyCounters(): SimCounters {
  return {
    calls: 0,
    byStatus: {},
    rateLimited: 0,
    peakConcurrency: 0,
    inFlight: 0,
    hung: 0,
    aborted: 0,
    dropped: 0,
    byMode: { target: 0, meta: 0, chat: 0, user: 0, judge: 0, summarizer: 0, answer: 0, critique: 0, edit: 0 },
    byApi: { openai: 0, anthropic: 0 },
    byModel: {},
  };
}

function zodMessage(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.length > 0 ? i.path.map(String).join('.') : '(body)'}: ${i.message}`)
    .join('; ');
}

function estimateTokens(chars: number): number {
  return Math.ceil(chars / 4);
}

function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve) => {
    let text = '';
    let tooBig = false;
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      if (text.length + c.length > MAX_BODY) tooBig = true;
      else text += c;
    });
    req.on('end', () => resolve(tooBig ? null : text));
    req.on('error', () => resolve(null));
  });
}

function bearer(req: IncomingMessage): string | null {
  const auth = req.headers.authorization;
  if (typeof auth === 'string' && /^Bearer\s+/i.test(auth)) return auth.replace(/^Bearer\s+/i, '').trim();
  return null;
}

/** Starts the simulator on 127.0.0.1. */
export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const { port = 0, promptCacheMinTokens = 1024, logSize = 200, ...faultPatch } = options;
  let faults: SimFaults = { ...DEFAULT_FAULTS, ...SimFaultsPatchSchema.parse(faultPatch) };
  let prng = new Prng(faults.seed);
  let limiter: RateLimiter | null = null;
  let counters = emptyCounters();
  let seq = 0;
  let log: SimRequestLog[] = [];
  const seenPrefixes = new Set<string>();

  const makeLimiter = (): void => {
    limiter =
      faults.rateLimitRps > 0
        ? new RateLimiter(faults.rateLimitRps, faults.rateLimitBurst ?? Math.max(1, faults.rateLimitRps))
        : null;
  };
  makeLimiter();

  const configure = (patch: SimFaultsPatch): void => {
    const parsed = SimFaultsPatchSchema.parse(patch);
    const rateChanged = parsed.rateLimitRps !== undefined || parsed.rateLimitBurst !== undefined;
    faults = { ...faults, ...parsed };
    if (parsed.seed !== undefined) prng = new Prng(faults.seed);
    if (rateChanged) makeLimiter();
  };
  const reset = (): void => {
    // Requests still open keep counting in the new period, so inFlight never goes negative.
    const { inFlight, hung } = counters;
    counters = { ...emptyCounters(), inFlight, hung, peakConcurrency: inFlight };
    prng = new Prng(faults.seed);
    makeLimiter();
    seenPrefixes.clear();
    log = [];
    seq = 0;
  };

  const sendJson = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
    if (res.destroyed || res.writableEnded) return;
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
      ...headers,
    });
    res.end(text);
  };

  const usageFor = (sim: SimRequest, reply: SimReply): WireUsage => {
    const toolsJson = JSON.stringify(sim.tools);
    const chars = sim.system.length + toolsJson.length + sim.messages.reduce((n, m) => n + m.text.length, 0);
    const inputTokens = estimateTokens(chars);
    const outputTokens = Math.max(
      1,
      estimateTokens(reply.text.length + JSON.stringify(reply.toolCalls).length * (reply.toolCalls.length > 0 ? 1 : 0)),
    );
    const prefixTokens = estimateTokens(sim.system.length + toolsJson.length);
    const key = `${sim.model}\n${sim.system}\n${toolsJson}`;
    const cached =
      prefixTokens >= promptCacheMinTokens && seenPrefixes.has(key) ? Math.min(prefixTokens, inputTokens) : 0;
    seenPrefixes.add(key);
    return { inputTokens, outputTokens, cachedInputTokens: cached };
  };

  const handleModelCall = async (
    api: 'openai' | 'anthropic',
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> => {
    // The latency is counted from here: the simulator's own work (reading, parsing, answering) is inside it, as a
    // provider's is, so a client that adds nothing sees exactly latencyMs.
    const arrivedAt = performance.now();
    const mySeq = ++seq;
    counters.calls++;
    counters.byApi[api]++;
    counters.inFlight++;
    counters.peakConcurrency = Math.max(counters.peakConcurrency, counters.inFlight);
    let settled = false;
    let hung = false;
    // Set by the response's close listener; `as` keeps TS from narrowing it to false across the awaits below.
    let clientGone = false as boolean;
    const entry: SimRequestLog = { seq: mySeq, api, model: null, status: 0, mode: null, body: null };
    log.push(entry);
    if (log.length > logSize) log.shift();
    const settle = (): void => {
      if (settled) return;
      settled = true;
      counters.inFlight--;
      if (hung) counters.hung--;
    };
    res.on('close', () => {
      if (!res.writableFinished) {
        clientGone = true;
        if (!settled) counters.aborted++;
      }
      settle();
    });
    const fail = (
      status: number,
      message: string,
      headers: Record<string, string> = {},
      param: string | null = null,
    ): void => {
      entry.status = status;
      counters.byStatus[String(status)] = (counters.byStatus[String(status)] ?? 0) + 1;
      if (status === 429) counters.rateLimited++;
      sendJson(
        res,
        status,
        api === 'openai' ? openAiError(status, message, param) : anthropicError(status, message, mySeq),
        {
          'x-request-id': `req_sim_${mySeq}`,
          ...headers,
        },
      );
    };

    const raw = await readBody(req);
    if (raw === null) return fail(400, 'Request body is missing or larger than 10 MB.');
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch (e) {
      return fail(400, `Request body is not valid JSON: ${(e as Error).message}`);
    }
    entry.body = json;
    const modelName =
      json && typeof json === 'object' && typeof (json as { model?: unknown }).model === 'string'
        ? (json as { model: string }).model
        : null;
    entry.model = modelName;
    if (modelName) counters.byModel[modelName] = (counters.byModel[modelName] ?? 0) + 1;

    const key =
      api === 'openai'
        ? bearer(req)
        : ((typeof req.headers['x-api-key'] === 'string' ? req.headers['x-api-key'] : null) ?? bearer(req));
    if (!key)
      return fail(
        401,
        api === 'openai'
          ? 'You didn\'t provide an API key (simulator: send any key except "bad-key").'
          : 'Missing API key (simulator: send any key except "bad-key").',
      );
    if (key === SIM_BAD_KEY)
      return fail(
        401,
        api === 'openai'
          ? 'Incorrect API key provided (simulator refuses "bad-key").'
          : 'invalid x-api-key (simulator refuses "bad-key")',
      );
    if (modelName === 'fail-401') return fail(401, `Model fail-401 always answers 401 (simulator).`);

    const wait = limiter?.take() ?? 0;
    if (wait > 0) {
      return fail(429, `Rate limit of ${faults.rateLimitRps} requests/s reached (simulator); retry after ${wait} ms.`, {
        'retry-after-ms': String(wait),
        'retry-after': String(Math.max(1, Math.ceil(wait / 1000))),
      });
    }

    let sim: SimRequest;
    if (api === 'openai') {
      const parsed = OpenAiRequestSchema.safeParse(json);
      if (!parsed.success) return fail(400, `Invalid request: ${zodMessage(parsed.error)}`);
      if (parsed.data.stream)
        return fail(400, 'stream=true is not supported by the simulator: send stream: false.', {}, 'stream');
      sim = openAiToSim(parsed.data);
    } else {
      const parsed = AnthropicRequestSchema.safeParse(json);
      if (!parsed.success) return fail(400, `Invalid request: ${zodMessage(parsed.error)}`);
      if (parsed.data.stream) return fail(400, 'stream: true is not supported by the simulator: leave stream out.');
      const version =
        typeof req.headers['anthropic-version'] === 'string'
          ? req.headers['anthropic-version']
          : ANTHROPIC_NO_SAMPLING_VERSION;
      const body = json as Record<string, unknown>;
      const refused = version >= ANTHROPIC_NO_SAMPLING_VERSION ? ANTHROPIC_REFUSED_PARAMS.filter((p) => p in body) : [];
      if (refused.length > 0) {
        return fail(
          400,
          `${refused[0]}: Extra inputs are not permitted (sampling parameters were removed in API version ${ANTHROPIC_NO_SAMPLING_VERSION}).`,
        );
      }
      sim = anthropicToSim(parsed.data);
    }
    if (modelName === 'fail-400') return fail(400, 'Model fail-400 always answers 400 (simulator).', {}, 'model');

    const draw = drawFaults(faults, prng);
    if (draw.hang) {
      hung = true;
      counters.hung++;
      return; // answered never; `close` on the response settles it when the client aborts
    }
    if (draw.drop) {
      counters.dropped++;
      entry.status = -1;
      req.socket.destroy();
      return;
    }
    const answers = draw.errorStatus === null && modelName !== 'fail-500';
    // Worked out before the wait, so the wait covers it; simulate() reads only the request.
    const reply = answers
      ? simulate(sim, { judgeBadJsonRate: faults.judgeBadJsonRate, summarizerFault: faults.summarizerFault })
      : undefined;
    const waitMs = draw.delayMs - (performance.now() - arrivedAt);
    if (waitMs > 0) await new Promise((r) => setTimeout(r, waitMs));
    if (clientGone) return;
    if (draw.errorStatus !== null) return fail(draw.errorStatus, `Injected ${draw.errorStatus} (simulator fault).`);
    if (!reply) return fail(500, 'Model fail-500 always answers 500 (simulator).');

    counters.byMode[reply.mode]++;
    entry.mode = reply.mode;
    entry.status = 200;
    counters.byStatus['200'] = (counters.byStatus['200'] ?? 0) + 1;
    const usage = usageFor(sim, reply);
    const model = modelName ?? 'sim';
    sendJson(
      res,
      200,
      api === 'openai'
        ? openAiResponse(reply, model, mySeq, usage, draw.malformedToolJson)
        : anthropicResponse(reply, model, mySeq, usage),
      { 'x-request-id': `req_sim_${mySeq}` },
    );
  };

  const handleControl = async (req: IncomingMessage, res: ServerResponse, path: string): Promise<void> => {
    if (req.method === 'GET' && path === '/__sim/counters') return sendJson(res, 200, counters);
    if (req.method === 'GET' && path === '/__sim/config') return sendJson(res, 200, faults);
    if (req.method === 'GET' && path === '/__sim/requests') return sendJson(res, 200, log);
    if (req.method === 'POST' && path === '/__sim/reset') {
      reset();
      return sendJson(res, 200, { ok: true });
    }
    if (req.method === 'POST' && path === '/__sim/config') {
      const raw = (await readBody(req)) ?? '';
      let json: unknown;
      try {
        json = raw.trim() === '' ? {} : JSON.parse(raw);
      } catch (e) {
        return sendJson(res, 400, { error: `body is not valid JSON: ${(e as Error).message}` });
      }
      const parsed = SimFaultsPatchSchema.safeParse(json);
      if (!parsed.success) return sendJson(res, 400, { error: zodMessage(parsed.error) });
      configure(parsed.data);
      return sendJson(res, 200, faults);
    }
    return sendJson(res, 404, { error: `no such simulator endpoint: ${req.method} ${path}` });
  };

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const run = async (): Promise<void> => {
      if (path.startsWith('/__sim/')) return handleControl(req, res, path);
      if (req.method === 'POST' && path === '/v1/chat/completions') return handleModelCall('openai', req, res);
      if (req.method === 'POST' && path === '/v1/messages') return handleModelCall('anthropic', req, res);
      if (req.method === 'POST' && path === '/v1/messages/count_tokens') {
        const raw = (await readBody(req)) ?? '';
        return sendJson(res, 200, { input_tokens: estimateTokens(raw.length) });
      }
      if (req.method === 'GET' && path === '/v1/models') {
        const ids = ['sim-1', 'sim-lite', 'fail-400', 'fail-401', 'fail-500'];
        if (typeof req.headers['anthropic-version'] === 'string') {
          return sendJson(res, 200, {
            data: ids.map((id) => ({
              type: 'model',
              id,
              display_name: `Simulator ${id}`,
              created_at: '2026-01-01T00:00:00Z',
            })),
            has_more: false,
            first_id: ids[0],
            last_id: ids[ids.length - 1],
          });
        }
        return sendJson(res, 200, {
          object: 'list',
          data: ids.map((id) => ({ id, object: 'model', created: 1_767_225_600, owned_by: 'simulator' })),
        });
      }
      if (req.method === 'GET' && path === '/') {
        return sendJson(res, 200, {
          name: 'prompt-tuner model simulator (a test instrument, not a real model)',
          openai: '/v1',
          anthropic: '/',
        });
      }
      return sendJson(res, 404, {
        error: { message: `Unknown route ${req.method} ${path} (simulator)`, type: 'invalid_request_error' },
      });
    };
    run().catch((e: unknown) => {
      sendJson(res, 500, { error: { message: `simulator bug: ${(e as Error).message}`, type: 'server_error' } });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const actualPort = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${actualPort}`;

  return {
    url,
    openaiBaseUrl: `${url}/v1`,
    anthropicBaseUrl: url,
    port: actualPort,
    counters: () => structuredClone(counters),
    configure,
    faults: () => ({ ...faults }),
    reset,
    requests: () => structuredClone(log),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
