// The tuning panel's host sends every run snapshot with the score chart's series (scoreSeries.ts): the fake
// VS Code (with the webview panel of extensionOptimizeFakes), the real store and a simulated gateway.
import { fake } from './extensionFakeVscode';
import { panels, setTrusted } from './extensionOptimizeFakes';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { scoreSeries } from '../../src/core/tuning/scoreSeries';
import { TuningPanel } from '../../src/extension/tuning/tuningPanel';
import { TuningService } from '../../src/extension/tuning/tuningService';
import type { HostMessage } from '../../src/protocol/tuningPanel';
import { fakeExtensionHost, type FakeExtensionHost } from '../support/fakeExtensionHost';
import { registerTsImportHook } from '../support/tsImportHook';
import { sleep, until } from '../support/until';
import { MINI_SUITE_JSON, miniQuickConfig, simGateway } from './tuningFakes';

registerTsImportHook();

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
    const started = await service.start(miniQuickConfig(path.join(ws, 'mini.suite.json')));
    TuningPanel.show(host.ctx, service, started.runId);
    const p = panels[panels.length - 1]!;
    p.receive({ type: 'webview/ready' });
    const changes = () =>
      (p.posted as unknown as HostMessage[]).filter((m): m is RunChange => m.type === 'run/didChange');
    const done = await until(
      () => changes().find((m) => m.snapshot.status === 'completed'),
      'the completed run shown in the panel',
      20_000,
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
      20_000,
    );
    assert.deepEqual(again.snapshot.scoreSeries, series);
  });
});
