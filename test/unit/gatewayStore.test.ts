import { strict as assert } from 'node:assert';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createCliGateway } from '../../src/core/models/cliGateway';
import { startFakeServer, type FakeServer } from './modelsFakeServer';
import { openWorkspaceStore } from '../../src/core/workspaceStore';

const KEY = 'sk-live-QWERTY0987654321-must-not-leak';

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

describe('gateway with the workspace store', () => {
  let server: FakeServer;
  let ws: string;
  beforeEach(async () => {
    server = await startFakeServer();
    ws = mkdtempSync(path.join(tmpdir(), 'pt-gw-store-'));
  });
  afterEach(async () => {
    await server.close();
  });

  const env = () => ({ OPENAI_BASE_URL: server.openaiBaseUrl, OPENAI_API_KEY: KEY });
  const request = (i: number) => ({
    model: 'openai/gpt-4o-mini',
    system: 'Be brief.',
    messages: [{ role: 'user' as const, content: `question ${i}` }],
  });

  it('serves hits from the store across gateways and processes, and records latency', async () => {
    const store = await openWorkspaceStore({ dir: path.join(ws, '.prompt-tuner') });
    try {
      const first = createCliGateway({ env: env(), workspace: ws, store });
      server.fallback = { delayMs: 20 };
      for (let i = 0; i < 3; i++) await first.call(request(i));
      assert.equal(server.requests.length, 3);
      const latency = first.measuredLatencyMs('openai/gpt-4o-mini');
      assert.ok(latency !== undefined && latency >= 15, `mean latency ${latency}`);
    } finally {
      await store.close();
    }
    const reopened = await openWorkspaceStore({ dir: path.join(ws, '.prompt-tuner') });
    try {
      const second = createCliGateway({ env: env(), workspace: ws, store: reopened });
      const hit = await second.call(request(1));
      assert.equal(hit.cached, true);
      assert.equal(server.requests.length, 3);
      assert.equal(second.stats().cacheHits, 1);
      assert.ok(second.measuredLatencyMs('openai/gpt-4o-mini')! >= 15, 'latency survives a reopen');
      const noCache = createCliGateway({ env: env(), workspace: ws, store: reopened, noCache: true });
      assert.equal((await noCache.call(request(1))).cached, false);
      assert.equal(server.requests.length, 4);
    } finally {
      await reopened.close();
    }
  });

  it('never writes the key to the store files, the journal or the log after a job', async () => {
    const lines: string[] = [];
    const store = await openWorkspaceStore({ dir: path.join(ws, '.prompt-tuner'), onNotice: (m) => lines.push(m) });
    try {
      const gw = createCliGateway({
        env: env(),
        workspace: ws,
        store,
        log: (l) => lines.push(l),
        retry: { maxAttempts: 2, baseDelayMs: 1 },
      });
      gw.onEvent((e) => lines.push(JSON.stringify(e)));
      for (let i = 0; i < 5; i++) await gw.call(request(i));
      server.script.push({ status: 429, headers: { 'retry-after-ms': '5' } });
      await gw.call(request(99));
      server.fallback = { status: 401, body: { error: { message: `Incorrect API key provided: ${KEY}` } } };
      await gw.call(request(100)).catch((e: Error) => lines.push(e.message, String(e.stack)));
      assert.equal(server.requests.at(-1)!.headers.authorization, `Bearer ${KEY}`, 'the key was used');
    } finally {
      await store.close();
    }
    const files = filesUnder(ws);
    assert.ok(files.length > 0);
    for (const file of files) {
      const bytes = readFileSync(file);
      assert.equal(bytes.indexOf(KEY, 0, 'utf8'), -1, `key found in ${file}`);
      assert.equal(bytes.indexOf(KEY, 0, 'utf16le'), -1, `key (utf16) found in ${file}`);
    }
    assert.ok(!lines.join('\n').includes(KEY), 'key found in log lines');
    assert.ok(
      lines.some((l) => l.includes('401 from openai')),
      'the failure was logged',
    );
  });
});
