// The model simulator the extension host talks to, driven through its HTTP control endpoints (/__sim/*):
// run.ts starts it in this process and exports its address as OPENAI_BASE_URL, so a flow needs no other handle.
import { z } from 'zod';
import type { SimFaultsPatch } from '../sim/server';

const ConfigSchema = z.object({ latencyMs: z.number() }).passthrough();
const RequestLogSchema = z.array(
  z.object({ seq: z.number(), mode: z.string().nullable(), body: z.unknown() }).passthrough(),
);

export interface SimControl {
  /** The simulator's added delay before every answer, in ms. */
  latencyMs(): Promise<number>;
  /** Changes only the given fault settings (e.g. { latencyMs }). */
  configure(patch: SimFaultsPatch): Promise<void>;
  /** The latest requests the simulator logged, oldest first (seq, the role it answered as, the request body). */
  requests(): Promise<z.infer<typeof RequestLogSchema>>;
}

export function simControl(openaiBaseUrl = process.env.OPENAI_BASE_URL): SimControl {
  if (!openaiBaseUrl) throw new Error('OPENAI_BASE_URL is not set: the e2e run starts the simulator and sets it');
  const base = openaiBaseUrl.replace(/\/v1\/?$/, '');
  const call = async (method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> => {
    const res = await fetch(`${base}${path}`, {
      method,
      ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}),
    });
    const json: unknown = await res.json();
    if (!res.ok) throw new Error(`simulator ${method} ${path}: HTTP ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  return {
    latencyMs: async () => ConfigSchema.parse(await call('GET', '/__sim/config')).latencyMs,
    configure: async (patch) => {
      await call('POST', '/__sim/config', patch);
    },
    requests: async () => RequestLogSchema.parse(await call('GET', '/__sim/requests')),
  };
}
