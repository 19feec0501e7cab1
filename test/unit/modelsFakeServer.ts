// A tiny scripted HTTP server speaking just enough OpenAI Chat Completions and Anthropic Messages for unit
// tests of the model layer (the full simulator lives in test/sim and is used by the integration tests).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface FakeReply {
  status?: number;
  headers?: Record<string, string>;
  /** JSON body; a default successful completion when absent and status is 200. */
  body?: unknown;
  /** Delay before answering, ms. */
  delayMs?: number;
  /** Never answer (until the client gives up). */
  hang?: boolean;
  /** Close the socket without an answer. */
  drop?: boolean;
}

export interface FakeRequest {
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
}

export interface FakeServer {
  openaiBaseUrl: string;
  anthropicBaseUrl: string;
  requests: FakeRequest[];
  /** Replies used in order; when empty, `fallback` answers. */
  script: FakeReply[];
  fallback: FakeReply;
  /** Requests whose connection closed before an answer (cancelled or timed out by the client). */
  abandoned: number;
  close(): Promise<void>;
}

export function openAiCompletion(
  opts: {
    text?: string;
    toolCalls?: Array<{ name: string; arguments: string }>;
    promptTokens?: number;
    completionTokens?: number;
    cachedTokens?: number;
  } = {},
): unknown {
  return {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 1,
    model: 'fake',
    choices: [
      {
        index: 0,
        finish_reason: opts.toolCalls ? 'tool_calls' : 'stop',
        message: {
          role: 'assistant',
          content: opts.text ?? (opts.toolCalls ? null : 'OK'),
          ...(opts.toolCalls
            ? { tool_calls: opts.toolCalls.map((c, i) => ({ id: `call_${i}`, type: 'function', function: c })) }
            : {}),
        },
      },
    ],
    usage: {
      prompt_tokens: opts.promptTokens ?? 1000,
      completion_tokens: opts.completionTokens ?? 100,
      total_tokens: (opts.promptTokens ?? 1000) + (opts.completionTokens ?? 100),
      prompt_tokens_details: { cached_tokens: opts.cachedTokens ?? 0 },
    },
  };
}

export function anthropicMessage(
  opts: {
    text?: string;
    toolUses?: Array<{ name: string; input: unknown }>;
    input?: number;
    output?: number;
    cacheRead?: number;
    cacheWrite?: number;
  } = {},
): unknown {
  return {
    id: 'msg_1',
    type: 'message',
    role: 'assistant',
    model: 'fake',
    stop_reason: opts.toolUses ? 'tool_use' : 'end_turn',
    stop_sequence: null,
    content: [
      ...(opts.text !== undefined || !opts.toolUses ? [{ type: 'text', text: opts.text ?? 'OK' }] : []),
      ...(opts.toolUses ?? []).map((t, i) => ({ type: 'tool_use', id: `toolu_${i}`, name: t.name, input: t.input })),
    ],
    usage: {
      input_tokens: opts.input ?? 100,
      output_tokens: opts.output ?? 10,
      cache_read_input_tokens: opts.cacheRead ?? 0,
      cache_creation_input_tokens: opts.cacheWrite ?? 0,
    },
  };
}

export async function startFakeServer(): Promise<FakeServer> {
  const sockets = new Set<Socket>();
  const state: Omit<FakeServer, 'openaiBaseUrl' | 'anthropicBaseUrl' | 'close'> = {
    requests: [],
    script: [],
    fallback: {},
    abandoned: 0,
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString('utf8')));
    req.on('end', () => {
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(raw || '{}') as Record<string, unknown>;
      } catch {
        /* keep empty */
      }
      state.requests.push({ path: req.url ?? '', headers: req.headers, body });
      const reply = state.script.shift() ?? state.fallback;
      let answered = false;
      res.on('close', () => {
        if (!answered) state.abandoned += 1;
      });
      if (reply.drop) {
        answered = true;
        req.socket.destroy();
        return;
      }
      if (reply.hang) return;
      const send = (): void => {
        if (res.destroyed) return;
        answered = true;
        const status = reply.status ?? 200;
        const isAnthropic = (req.url ?? '').includes('/messages');
        const payload =
          reply.body ??
          (status === 200
            ? isAnthropic
              ? anthropicMessage()
              : openAiCompletion()
            : { error: { message: `fake error ${status}`, type: 'error' } });
        res.writeHead(status, { 'content-type': 'application/json', ...(reply.headers ?? {}) });
        res.end(JSON.stringify(payload));
      };
      if (reply.delayMs) setTimeout(send, reply.delayMs);
      else send();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return Object.assign(state, {
    openaiBaseUrl: `${url}/v1`,
    anthropicBaseUrl: url,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}
