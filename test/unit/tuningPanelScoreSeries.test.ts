// The tuning panel's host sends every run snapshot with the score chart's series (scoreSeries.ts): the fake
// VS Code (with the webview panel of extensionOptimizeFakes), the real store and a simulated gateway.
import { register } from 'node:module';
import { fake } from './extensionFakeVscode';
import { panels, setTrusted } from './extensionOptimizeFakes';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseTuneConfig } from '../../src/core/tuning/config';
import { scoreSeries } from '../../src/core/tuning/scoreSeries';
import { TuningPanel } from '../../src/extension/tuning/tuningPanel';
import { TuningService } from '../../src/extension/tuning/tuningService';
import type { HostMessage } from '../../src/protocol/tuningPanel';
import { fakeExtensionHost, type FakeExtensionHost } from '../support/fakeExtensionHost';
import { MINI_SUITE_JSON, simGateway } from './tuningFakes';

// The service loads the engine with import() (lazily, as in the bundled extension); under mocha that goes to the
// ESM loader, which does not know extensionless .ts paths: this hook hands them to require() (tsx/cjs).
const TS_IMPORTS = `
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
export async function resolve(specifier, context, next) {
  if (specifier.startsWith('.') && context.parentURL?.endsWith('.ts')) {
    const file = fileURLToPath(new URL(specifier, context.parentURL));
    if (existsSync(file + '.ts')) return { url: pathToFileURL(file + '.ts').href, format: 'commonjs', shortCircuit: true };
  }
  return next(specifier, context);
}
export async function load(url, context, next) {
  if (url.endsWith('.ts')) return { format: 'commonjs', shortCircuit: true };
  return next(url, context);
}`;
register(`data:text/javascript,${encodeURIComponent(TS_IMPORTS)}`);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until<T>(probe: () => T | undefined | null | false, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

type RunChange = Extract<HostMessage, { type: 'run/didChange' }>;

describe('tuning panel host: snapshots carry the score chart series', function () {
  this.timeout(60_000);
  let ws: string;
  let host: FakeExtensionHost;
  let service: TuningService;

  beforeEach(() => {
    fake.reset();
    panels.length = 0;
    setTrusted(true);
    ws = mkdtempSync(path.join(tmpdir(), 'pt-tune-series-ws-'));
    writeFileSync(path.join(ws, 'mini.suite.json'), JSON.stringify(MINI_SUITE_JSON));
    host = fakeExtensionHost(ws);
    const gateway = simGateway({ delayMs: 15 });
    host.ctx.getGateway = () => Promise.resolve(gateway);
    service = new TuningService(host.ctx);
  });
  afterEach(async () => {
    for (const p of panels) (p as unknown as { dispose(): void }).dispose();
    service.dispose();
    await sleep(30);
    host.dispose();
    rmSync(ws, { recursive: true, force: true });
  });

  it('derives the series for the live snapshots and for the stored one the panel sends on ready', async () => {
    const started = await service.start(
      parseTuneConfig({
        suiteFile: path.join(ws, 'mini.suite.json'),
        mode: 'quick',
        metaModel: 'openai/sim-1',
        targetModels: ['openai/sim-1'],
        basePrompt: 'You are a helpful travel assistant.',
        population: 3,
      }),
    );
    TuningPanel.show(host.ctx, service, started.runId);
    const p = panels[panels.length - 1]!;
    p.receive({ type: 'webview/ready' });
    const changes = () =>
      (p.posted as unknown as HostMessage[]).filter((m): m is RunChange => m.type === 'run/didChange');
    const done = await until(
      () => changes().find((m) => m.snapshot.status === 'completed'),
      'the completed run shown in the panel',
    );
    assert.ok(changes().length > 1, 'live snapshots were sent as well');
    for (const m of changes()) {
      const { scoreSeries: sent, ...snapshot } = m.snapshot;
      assert.deepEqual(sent, scoreSeries(snapshot), `series of the snapshot at "${snapshot.detail}"`);
    }
    const series = done.snapshot.scoreSeries;
    assert.equal(series.baseId, 'g1-p1');
    assert.equal(series.overall.base, done.snapshot.baseScore);
    assert.equal(series.perModel[0]!.model, 'openai/sim-1');
    assert.ok(series.overall.generations[0]!.scored >= 1, 'the variants are scored');

    // Reopened after the run (from the store): the same series.
    for (const old of panels) (old as unknown as { dispose(): void }).dispose();
    TuningPanel.show(host.ctx, service, started.runId);
    const reopened = panels[panels.length - 1]!;
    reopened.receive({ type: 'webview/ready' });
    const again = await until(
      () =>
        (reopened.posted as unknown as HostMessage[]).find(
          (m): m is RunChange => m.type === 'run/didChange' && m.snapshot.status === 'completed',
        ),
      'the stored run shown again',
    );
    assert.deepEqual(again.snapshot.scoreSeries, series);
  });
});
