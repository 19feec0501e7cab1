/// <reference lib="dom" />
// The built prompt-optimization panel in headless Chromium against a fake host with a hand-made store
// overview: what the user sees (runs, counters, the queue timeline, workers, alerts, APO rounds, the best
// prompt), what it sends, the keyboard, and axe-core (serious or critical violations fail) in every theme.
import assert from 'node:assert/strict';
import { OPTIMIZE_PAGE } from '../../src/extension/optimize/optimizePage';
import { parseWebviewMessage, type HostMessage, type WebviewMessage } from '../../src/protocol/optimizePanel';
import { usePanelTestBed, type PanelSession, type PanelUnderTest } from './harness';
import { BEST_PROMPT, HOSTILE, overview, runningView, snapshot, STORE, view } from './optimizeFixtures';
import type { ThemeName } from './themes';

const OPTIMIZE: PanelUnderTest = { page: OPTIMIZE_PAGE, parse: parseWebviewMessage, viewportWidth: 1100 };

describe('prompt optimization panel (webview in Chromium)', function () {
  this.timeout(60_000);
  const bed = usePanelTestBed<WebviewMessage, HostMessage>(OPTIMIZE);
  let s: PanelSession<WebviewMessage, HostMessage>;
  beforeEach(() => {
    s = bed.session;
  });
  const page = () => s.page;
  const byId = (id: string) => s.byId(id);
  const text = async (id: string) => (await byId(id).first().innerText()).replace(/\s+/g, ' ').trim();
  const show = (v = view(), reveal: string | null = null) => s.send({ type: 'overview/didChange', view: v, reveal });

  it('says ready first and posts nothing else before the host answers', async () => {
    await page().waitForTimeout(300);
    assert.deepEqual(await s.posted(), [{ type: 'webview/ready' }]);
    assert.match(await page().locator('optimize-app').innerText(), /Loading/);
  });

  it('without a store, says so and offers to run; the header buttons post their requests', async () => {
    await show(view({ exists: false, overview: null }));
    assert.match(await text('no-store'), /no prompt-optimization store at this path/);
    assert.equal(await text('store-path'), `Store ${STORE}`);
    const pairs: [string, WebviewMessage][] = [
      ['run-optimization', { type: 'optimize/start' }],
      ['pick-store', { type: 'store/pick' }],
      ['refresh', { type: 'overview/refresh' }],
    ];
    for (const [button, message] of pairs) {
      await s.clearPosted();
      await byId(button).click();
      assert.deepEqual(await s.posted(), [message], button);
    }
    // A store that cannot be read says why instead of an empty page.
    await show(view({ overview: null, error: 'file is not a database' }));
    assert.match(await text('store-error'), /could not be read: file is not a database/);
    // Untrusted: Run is disabled and the reason is given.
    await show(view({ exists: false, overview: null, trusted: false }));
    assert.equal(
      await byId('run-optimization').evaluate((el) => (el as HTMLElement & { disabled: boolean }).disabled),
      true,
    );
    assert.match(await text('untrusted'), /untrusted workspace/);
  });

  it('shows a finished run: runs list, counters, the queue timeline, workers with the stale one marked, alerts', async () => {
    await show();
    const rows = byId('run-row');
    assert.equal(await rows.count(), 2);
    assert.equal(
      await rows.nth(0).locator('[data-testid=show-run]').getAttribute('aria-current'),
      'true',
      'the shown run is marked',
    );
    assert.match((await rows.nth(1).innerText()).replace(/\s+/g, ' '), /#1 Interrupted openai\/sim-1 .* 5\/14 0 —/);
    assert.equal(await text('status'), 'Completed');
    assert.equal(await text('ended'), '40/40 rollouts ended');
    assert.equal(await byId('progress-bar').evaluate((el) => (el as HTMLElement & { value: number }).value), 100);
    assert.match(
      await text('run-meta'),
      /examples\/prompt-optimization\.json · model openai\/sim-1 · 2 workers · 8 optimize \+ 6 validate items · APO 2 rounds, beam 2 · latest resources v4 \(apo r2 c1\)/,
    );
    const stats = ['total', 'running', 'succeeded', 'failed', 'cancelled', 'baseline'];
    assert.deepEqual(await Promise.all(stats.map((k) => text(`stat-${k}-value`))), ['40', '0', '38', '2', '0', '17%']);

    // The timeline: three series, each a line through every point; its text alternative has the numbers.
    for (const k of ['queued', 'running', 'done']) {
      const pts = ((await byId(`timeline-${k}`).getAttribute('points')) ?? '').trim().split(' ');
      assert.equal(pts.length, 6, `${k}: one vertex per timeline point`);
    }
    const done = ((await byId('timeline-done').getAttribute('points')) ?? '')
      .split(' ')
      .map((p) => Number(p.split(',')[1]));
    assert.ok(
      done.every((y, i) => i === 0 || y <= done[i - 1]!),
      'done only grows (y shrinks upwards)',
    );
    assert.equal(
      await byId('timeline-svg').getAttribute('aria-label'),
      'Queue timeline over 95 s: at the end 0 queued, 0 running, 40 done; at most 14 queued, 0 s in.',
    );

    // Workers: heartbeat age, the stale one marked in words (not colour only), a stopped one.
    const workers = byId('worker-row');
    assert.equal(await workers.count(), 3);
    assert.deepEqual(
      (await byId('worker-age').allInnerTexts()).map((t) => t.trim()),
      ['0.4 s ago', '12 s ago', ''],
    );
    assert.deepEqual(
      (await byId('worker-state').allInnerTexts()).map((t) => t.trim()),
      ['Active', 'Stale: no heartbeat for 12 s', 'Stopped'],
    );
    assert.equal(
      await page().locator('[data-testid=worker-row][data-stale=true]').getAttribute('data-worker-id'),
      'worker-2-2',
    );

    // Alerts: Tau's code and ours; the status.json line.
    assert.deepEqual(await byId('alert').evaluateAll((els) => els.map((e) => e.getAttribute('data-code'))), [
      'dashboard_training_failures',
      'stale_workers',
    ]);
    assert.match(await text('training-status'), /status\.json: completed, 38 succeeded, 2 failed, 0 cancelled of 40/);
  });

  it('shows the APO rounds with each candidate reward, regressions and the beam, and the best prompt card', async () => {
    await show();
    assert.equal(await byId('round').count(), 2);
    const r1 = page().locator('[data-testid=round][data-round="1"]');
    assert.equal(await r1.locator('[data-testid=candidate]').count(), 3);
    assert.equal(
      (await r1.locator('[data-testid=round-leader]').innerText()).trim(),
      'leader v2: 50% on the full validate set',
    );
    const v3 = r1.locator('[data-testid=candidate][data-version="3"]');
    assert.equal((await v3.locator('[data-testid=candidate-batch]').innerText()).trim(), '33%');
    assert.match(await v3.locator('[data-testid=candidate-regressions]').innerText(), /loses #1, #4/);
    assert.equal(await v3.getAttribute('data-kept'), 'false');
    const r2 = page().locator('[data-testid=round][data-round="2"]');
    assert.equal(
      (
        await r2.locator('[data-testid=candidate][data-version="4"] [data-testid=candidate-validate]').innerText()
      ).trim(),
      '100%',
    );
    assert.equal(await r2.locator('[data-testid=candidate][data-version="4"] [data-testid=leader]').count(), 1);

    assert.equal(await text('best-reward'), '100% on validate');
    assert.equal(await text('best-delta'), '+83 points vs the initial 17%');
    assert.equal(await byId('best-prompt').innerText(), BEST_PROMPT);
    assert.match(await text('best-library'), /Not saved/);
    assert.equal(await byId('best-view').count(), 0);
    const pairs: [string, WebviewMessage][] = [
      ['best-apply', { type: 'best/apply', runId: 'run-2' }],
      ['best-save', { type: 'best/save', runId: 'run-2' }],
      ['best-copy', { type: 'best/copy', runId: 'run-2' }],
      ['best-diff', { type: 'best/diff', runId: 'run-2' }],
    ];
    for (const [button, message] of pairs) {
      await s.clearPosted();
      await byId(button).click();
      assert.deepEqual(await s.posted(), [message], button);
    }
    await s.send({ type: 'action/didComplete', runId: 'run-2', action: 'copy', message: 'Best prompt copied' });
    assert.equal(await text('action-note'), 'Best prompt copied');

    // Once saved (the host found it in the library by run and text): where, and View in Library instead of Save.
    await show(view({ savedBest: { id: 41, name: 'qa (optimized)', version: 2 } }));
    assert.match(await text('best-library'), /Saved in the Prompt Library as qa \(optimized\) v2/);
    assert.equal(await byId('best-save').count(), 0);
    assert.equal(await byId('best-view').count(), 1);
    // The snapshot's own record of the save counts too.
    const o = overview();
    o.run!.snapshot = snapshot({
      best: { ...o.run!.snapshot!.best!, library: { name: 'prompt-optimization (optimized)', version: 3 } },
    });
    await show(view({ overview: o }));
    assert.match(await text('best-library'), /Saved in the Prompt Library as prompt-optimization \(optimized\) v3/);
    assert.equal(await byId('best-save').count(), 0);
    await s.clearPosted();
    await byId('best-view').click();
    assert.deepEqual(await s.posted(), [{ type: 'best/view', runId: 'run-2' }]);
  });

  it('a run without a snapshot still shows its stored report best; Tau mode has no rounds', async () => {
    const o = overview();
    o.run = {
      row: {
        ...o.run!.row,
        config: { ...o.run!.row.config, apo: null },
        report: {
          ...fakeReport(),
          best: { resources_version: 1, system_prompt: 'You are a concise assistant.', validate_reward: 0.2 },
        },
      },
      snapshot: null,
      interrupted: null,
    };
    await show(view({ overview: o }));
    assert.equal(await byId('round').count(), 0);
    assert.match(await text('run-meta'), /no optimizer \(Tau mode\)/);
    assert.equal(await text('best-reward'), '20% on validate');
    assert.match(await text('best-is-initial'), /best is the initial prompt/);
  });

  it('selects another run (mouse and keyboard), resumes an interrupted one, and keeps the selection over a reload', async () => {
    await show();
    await s.clearPosted();
    await page().locator('[data-testid=run-row][data-run-id=run-1] [data-testid=show-run]').click();
    assert.deepEqual(await s.posted(), [{ type: 'run/show', runId: 'run-1' }]);
    // The host answers with that run shown: interrupted, so Resume is offered.
    const o = overview();
    o.run = {
      row: { ...o.run!.row, run_id: 'run-1', run_number: 1, status: 'running', ended_at: null },
      snapshot: null,
      interrupted: 'its process 999 on devbox is gone',
    };
    await show(view({ overview: o }));
    assert.equal(await text('status'), 'Interrupted');
    assert.match(await text('interrupted'), /process 999 on devbox is gone.*Resume continues it/);
    assert.equal(await byId('cancel').count(), 0, 'not running in this window: no Cancel');
    await s.clearPosted();
    await byId('resume').click();
    assert.deepEqual(await s.posted(), [{ type: 'optimize/resume', runId: 'run-1' }]);

    // Keyboard: Tab from the first run's button reaches the second's; Enter selects it.
    await page().locator('[data-testid=run-row][data-run-id=run-1] [data-testid=show-run]').focus();
    await page().keyboard.press('Shift+Tab');
    assert.equal(
      await page().evaluate(() => document.activeElement?.closest('tr')?.getAttribute('data-run-id')),
      'run-2',
    );
    await s.clearPosted();
    await page().keyboard.press('Enter');
    assert.deepEqual(await s.posted(), [{ type: 'run/show', runId: 'run-2' }]);

    // A reload asks the host for the run it showed.
    await page().reload();
    await page().waitForFunction(() => (window as unknown as { __posted: unknown[] }).__posted.length > 1);
    assert.deepEqual(await s.posted(), [{ type: 'webview/ready' }, { type: 'run/show', runId: 'run-2' }]);
  });

  it('follows a run of this window: phase, ETA, Cancel (waits for the run to stop), reveal of a new run', async () => {
    await show(view());
    await show(runningView(), 'run-3');
    assert.equal(
      await page()
        .locator('[data-testid=run-row][data-run-id=run-3] [data-testid=show-run]')
        .getAttribute('aria-current'),
      'true',
    );
    assert.equal(await text('status'), 'Running');
    assert.equal(await text('phase'), 'scoring the initial prompt');
    assert.equal(await text('ended'), '6/14 rollouts ended');
    assert.equal(await text('eta'), 'about 12s left');
    assert.equal(await byId('best-card').count(), 0, 'no best prompt before one is scored');
    assert.equal(await byId('resume').count(), 0);
    await s.clearPosted();
    await byId('cancel').click();
    assert.deepEqual(await s.posted(), [{ type: 'optimize/cancel', runId: 'run-3' }]);
    await s.settle();
    assert.match(await text('cancel'), /Cancelling/);
    // Once the host says the run no longer runs here, the button goes.
    const stopped = runningView();
    stopped.runningHere = [];
    stopped.overview!.run!.row.status = 'cancelled';
    await show(stopped);
    assert.equal(await byId('cancel').count(), 0);
    assert.equal(await text('status'), 'Cancelled');
  });

  it('shows store and model text containing HTML as literal text, never as markup', async () => {
    await show();
    await page().locator('[data-testid=round][data-round="1"] details.critiques > summary').click();
    await page().waitForTimeout(100);
    assert.equal(await page().locator('optimize-app img').count(), 0, 'no <img> element created');
    assert.equal(await page().locator('optimize-app b:has-text("bold")').count(), 0, 'no <b> element created');
    assert.equal(await page().locator('optimize-app script').count(), 0, 'no <script> element created');
    assert.equal(await page().evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
    assert.match(
      await byId('critique').first().innerText(),
      new RegExp(HOSTILE.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')),
    );
  });

  it('opens a candidate prompt and the critique with the keyboard', async () => {
    await show();
    const summary = page().locator(
      '[data-testid=round][data-round="2"] [data-testid=candidate][data-version="4"] summary',
    );
    await summary.focus();
    await page().keyboard.press('Enter');
    assert.equal(
      await page()
        .locator(
          '[data-testid=round][data-round="2"] [data-testid=candidate][data-version="4"] [data-testid=candidate-prompt]',
        )
        .innerText(),
      BEST_PROMPT,
    );
    // The best card's actions are reached with Tab, each in turn.
    await byId('best-apply').focus();
    const order: string[] = [];
    for (let i = 0; i < 4; i++) {
      order.push((await page().evaluate(() => document.activeElement?.getAttribute('data-testid'))) ?? '');
      await page().keyboard.press('Tab');
    }
    assert.deepEqual(order, ['best-apply', 'best-save', 'best-copy', 'best-diff']);
    await s.clearPosted();
    await byId('best-copy').focus();
    await page().keyboard.press('Enter');
    assert.deepEqual(await s.posted(), [{ type: 'best/copy', runId: 'run-2' }]);
  });

  it('renders in high contrast: borders from the theme, the timeline series told apart by dash', async () => {
    await s.setTheme('high-contrast');
    await show();
    const border = await byId('counters')
      .locator('.stat')
      .first()
      .evaluate((el) => getComputedStyle(el).borderTopColor);
    assert.equal(border, 'rgb(111, 195, 223)', 'stat cards take the contrast border');
    const dashes = await Promise.all(
      ['queued', 'running', 'done'].map((k) =>
        byId(`timeline-${k}`).evaluate((el) => getComputedStyle(el).strokeDasharray),
      ),
    );
    assert.equal(new Set(dashes).size, 3, `three different dash patterns: ${dashes.join(' | ')}`);
    const strokes = await Promise.all(
      ['queued', 'running', 'done'].map((k) => byId(`timeline-${k}`).evaluate((el) => getComputedStyle(el).stroke)),
    );
    assert.ok(
      strokes.every((c) => c !== 'none' && c !== 'rgba(0, 0, 0, 0)'),
      `every series has a visible stroke: ${strokes.join(' | ')}`,
    );
    await s.screenshot('optimize-high-contrast');
  });

  for (const theme of ['light', 'dark', 'high-contrast'] as ThemeName[]) {
    it(`passes axe-core (no serious or critical violation) on the finished and the running run in the ${theme} theme`, async () => {
      await s.setTheme(theme);
      await show();
      await page().locator('[data-testid=round][data-round="1"] details.critiques > summary').click();
      await s.screenshot(`optimize-completed-${theme}`);
      await s.assertAxeClean(`the finished run (${theme})`);
      await show(runningView(), 'run-3');
      await s.screenshot(`optimize-running-${theme}`);
      await s.assertAxeClean(`the running run (${theme})`);
      await show(view({ exists: false, overview: null }));
      await s.assertAxeClean(`no store (${theme})`);
    });
  }
});

function fakeReport() {
  return {
    model_ref: 'openai/sim-1',
    store_path: STORE,
    total_rollouts: 14,
    succeeded: 14,
    failed: 0,
    cancelled: 0,
    run_id: 'run-2',
    mean_reward: { optimize: 0.25, validate: 0.2 },
    best: null,
    rounds: [],
    calls: 14,
    cost_usd: null,
  };
}
