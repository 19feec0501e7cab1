// The tuning panel's Resume and Save to Library after Cancel in the editor host: the fake VS Code (with the
// webview panel of extensionOptimizeFakes), the real store, and a simulated gateway whose calls are counted.
import { fake, fakeVscodeModule } from './extensionFakeVscode';
import { panels, setTrusted } from './extensionOptimizeFakes';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { LibraryRepository } from '../../src/core/library/libraryRepository';
import type { TuneRunSnapshot } from '../../src/core/tuning/types';
import type { HostContext } from '../../src/extension/hostContext';
import { TuningPanel } from '../../src/extension/tuning/tuningPanel';
import { TuningService } from '../../src/extension/tuning/tuningService';
import type { HostMessage } from '../../src/protocol/tuningPanel';
import { fakeExtensionHost, type FakeExtensionHost } from '../support/fakeExtensionHost';
import { registerTsImportHook } from '../support/tsImportHook';
import { sleep, until } from '../support/until';
import { MINI_SUITE_JSON, miniQuickConfig, simGateway, type SimGateway } from './tuningFakes';

registerTsImportHook();

const CASES = MINI_SUITE_JSON.cases.length;

describe('tuning panel: Resume and Save to Library after Cancel (fake VS Code, real store)', function () {
  this.timeout(60_000);
  let ws: string;
  let host: FakeExtensionHost;
  let ctx: HostContext;
  let gateway: SimGateway;
  let service: TuningService;
  let latest: TuneRunSnapshot | undefined;

  // Other tests' fakes redefine workspace trust on the shared fake module: this one sets its own, and puts theirs back.
  const workspace = fakeVscodeModule.workspace as unknown as Record<string, unknown>;
  let trust: PropertyDescriptor | undefined;
  let relativePath: unknown;

  beforeEach(() => {
    fake.reset();
    panels.length = 0;
    setTrusted(true);
    trust = Object.getOwnPropertyDescriptor(workspace, 'isTrusted');
    relativePath = workspace['asRelativePath'];
    Object.defineProperty(workspace, 'isTrusted', { get: () => true, configurable: true });
    workspace['asRelativePath'] = (u: { fsPath: string } | string) =>
      path.relative(ws, typeof u === 'string' ? u : u.fsPath);
    ws = mkdtempSync(path.join(tmpdir(), 'pt-tune-resume-ws-'));
    writeFileSync(path.join(ws, 'mini.suite.json'), JSON.stringify(MINI_SUITE_JSON));
    host = fakeExtensionHost(ws);
    ctx = host.ctx;
    gateway = simGateway({ delayMs: 15 });
    ctx.getGateway = () => Promise.resolve(gateway);
    service = new TuningService(ctx);
    service.onDidChangeRun((s) => (latest = s));
    fake.commands.set('promptTuner.library.focus', () => undefined);
    fake.commands.set('promptTuner.library.open', () => undefined);
  });
  afterEach(async () => {
    for (const p of panels) (p as unknown as { dispose(): void }).dispose();
    service.dispose();
    await sleep(30);
    host.dispose();
    rmSync(ws, { recursive: true, force: true });
    if (trust) Object.defineProperty(workspace, 'isTrusted', trust);
    else delete workspace['isTrusted'];
    workspace['asRelativePath'] = relativePath;
  });

  /** A quick run of 3 prompts, cancelled once the first prompt is scored. */
  async function cancelledRun(): Promise<TuneRunSnapshot> {
    const started = await service.start(miniQuickConfig(path.join(ws, 'mini.suite.json')));
    await until(() => latest?.generations[0]?.candidates.some((c) => c.score !== null), 'the first prompt scored');
    assert.equal(service.cancel(started.runId), true);
    return until(() => (latest?.status === 'cancelled' ? latest : undefined), 'the run cancelled');
  }

  const runChanges = (p = panels[panels.length - 1]!) =>
    (p.posted as unknown as HostMessage[]).filter(
      (m): m is Extract<HostMessage, { type: 'run/didChange' }> => m.type === 'run/didChange',
    );

  it('Save to Library on a cancelled run saves its best prompt so far, linked to the run', async () => {
    const cancelled = await cancelledRun();
    assert.ok(cancelled.best, 'the best prompt so far is kept');
    TuningPanel.show(ctx, service, cancelled.runId);
    const p = panels[panels.length - 1]!;
    p.receive({ type: 'webview/ready' });
    await until(() => runChanges(p).some((m) => m.snapshot.status === 'cancelled'), 'the cancelled run shown');
    fake.answers.push({ kind: 'input', value: 'mini after cancel' });
    p.receive({ type: 'best/saveToLibrary', runId: cancelled.runId });
    const shown = await until(
      () => runChanges(p).find((m) => m.snapshot.savedVersion !== null),
      'the run shown as saved',
    );
    assert.equal(shown.snapshot.savedVersion?.name, 'mini after cancel');
    const v = new LibraryRepository(await ctx.getStore()).resolve({ name: 'mini after cancel' });
    assert.equal(v?.text, cancelled.best.text);
    assert.equal(v.runId, cancelled.runId);
  });

  it('Resume on an interrupted run goes on in this window without making a finished evaluation again', async () => {
    const cancelled = await cancelledRun();
    const store = await ctx.getStore();
    const stored = store.all<{ n: number }>('SELECT COUNT(*) AS n FROM tune_case_results WHERE run_id = ?', [
      cancelled.runId,
    ])[0]!.n;
    // The window that ran it was closed mid-run: stored as running, its process gone.
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    store.write((tx) => {
      tx.run("UPDATE tune_runs SET status = 'running', owner_pid = ? WHERE run_id = ?", [dead, cancelled.runId]);
    });
    const fresh = new TuningService(ctx);
    try {
      TuningPanel.show(ctx, fresh, cancelled.runId);
      const p = panels[panels.length - 1]!;
      p.receive({ type: 'webview/ready' });
      const shown = await until(() => runChanges(p).at(-1), 'the stored run shown');
      assert.equal(shown.snapshot.status, 'failed');
      assert.match(shown.snapshot.error ?? '', /^Interrupted/);
      const metaBefore = gateway.metaCalls();
      const targetBefore = gateway.targetCalls();
      const seen = runChanges(p).length;
      p.receive({ type: 'tuning/resume', runId: cancelled.runId });
      const revealed = await until(
        () =>
          runChanges(p)
            .slice(seen)
            .find((m) => m.reveal),
        'the resumed run revealed',
      );
      assert.equal(revealed.snapshot.status, 'pending', 'shown as going on at once (no Resume button left)');
      const done = await until(
        () => runChanges(p).find((m) => m.snapshot.status === 'completed'),
        'the resumed run completed',
      );
      assert.equal(done.snapshot.runId, cancelled.runId, 'the same run goes on');
      assert.equal(gateway.metaCalls() - metaBefore, 0, 'the variants written before are not asked for again');
      assert.equal(gateway.targetCalls() - targetBefore, 3 * CASES - stored, 'only the evaluations not stored');
      assert.equal(done.snapshot.callsDone, done.snapshot.callsPlanned);
      // A completed run cannot be resumed: the panel says why, nothing is called.
      const before = gateway.requests.length;
      p.receive({ type: 'tuning/resume', runId: cancelled.runId });
      const refused = await until(
        () => (p.posted as unknown as HostMessage[]).find((m) => m.type === 'tuning/didFailToStart'),
        'the refusal',
      );
      assert.match((refused as { message: string }).message, /already completed; nothing to resume/);
      assert.equal(gateway.requests.length, before);
    } finally {
      fresh.dispose();
    }
  });
});
