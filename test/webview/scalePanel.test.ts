/// <reference lib="dom" />
// The built scale panel in headless Chromium against a fake host: what the user sees, what it sends, and
// axe-core's accessibility check (serious or critical violations fail) in the dark and high-contrast themes.
import assert from 'node:assert/strict';
import { SCALE_PAGE } from '../../src/extension/scale/scalePage';
import { parseWebviewMessage, type HostMessage, type WebviewMessage } from '../../src/protocol/scalePanel';
import { usePanelTestBed, type PanelSession, type PanelUnderTest } from './harness';
import {
  AGENT_FILE,
  FREE_AGENT_FILE,
  HOSTILE,
  RATIONALE,
  REVISED_PROMPT,
  reportSnapshot,
  runningSnapshot,
  scaleOptions,
  scaleVersions,
  verifiedSnapshot,
} from './scaleFixtures';
import type { ThemeName } from './themes';

const SCALE: PanelUnderTest = { page: SCALE_PAGE, parse: parseWebviewMessage, viewportWidth: 1100 };

describe('scale panel (webview in Chromium)', function () {
  this.timeout(60_000);
  const bed = usePanelTestBed<WebviewMessage, HostMessage>(SCALE);
  let s: PanelSession<WebviewMessage, HostMessage>;
  beforeEach(() => {
    s = bed.session;
  });

  const page = () => s.page;
  const byId = (id: string) => s.byId(id);

  async function fill(testId: string, value: string): Promise<void> {
    await byId(testId).locator('input, textarea').first().fill(value);
    await s.settle();
  }

  async function ready(overrides: Parameters<typeof scaleOptions>[0] = {}): Promise<void> {
    await s.send({ type: 'options/didChange', options: scaleOptions(overrides) });
    await s.send({ type: 'library/didChangeVersions', versions: scaleVersions() });
  }

  /** A form that can start: the hotel agent on gpt-4o-mini. */
  async function readyForm(): Promise<void> {
    await ready();
    await s.choose('agent', 'Hotel front desk');
    await s.choose('model-agentModel', 'gpt-4o-mini (openai)');
  }

  async function answerEstimate(patch: { usd?: number | null; overBudget?: boolean } = {}): Promise<void> {
    const req = await s.waitForPosted('estimate/compute');
    const usd = patch.usd === undefined ? 0.024 : patch.usd;
    await s.send({
      type: 'estimate/didCompute',
      requestId: req.requestId,
      estimate: {
        byRole: [
          { role: 'agent', model: 'openai/gpt-4o-mini', calls: 30, usd: usd === null ? null : 0.012 },
          { role: 'user', model: 'openai/gpt-4o-mini', calls: 30, usd: usd === null ? null : 0.006 },
          { role: 'judge', model: 'openai/gpt-4o-mini', calls: 10, usd: usd === null ? null : 0.004 },
          { role: 'summarizer', model: 'openai/gpt-4o-mini', calls: 1, usd: usd === null ? null : 0.002 },
        ],
        calls: 71,
        usd,
        unknownPrices: usd === null ? ['openai/gpt-4o-mini'] : [],
        seconds: 42,
        overBudget: patch.overBudget ?? false,
      },
      text: 'Estimate: 71 calls',
      error: null,
    });
  }

  it('says ready first and posts nothing else before the host answers', async () => {
    await page().waitForTimeout(300);
    assert.deepEqual(await s.posted(), [{ type: 'webview/ready' }]);
    assert.match(await page().locator('scale-app').innerText(), /Loading/);
  });

  it('keeps Start disabled with the reasons until the form is complete, and names each bad field', async () => {
    await ready();
    assert.equal(await s.startDisabled(), true);
    assert.deepEqual(await s.blockers(), ['Choose an agent', 'Choose an agent model']);

    await s.choose('agent', 'Hotel front desk');
    assert.match(await byId('agent-summary').innerText(), /2 tools · 3 scenarios · up to 6 user turns/);
    assert.deepEqual(await s.blockers(), ['Choose an agent model']);
    await s.choose('model-agentModel', 'gpt-4o-mini (openai)');
    assert.deepEqual(await s.blockers(), []);
    assert.equal(await s.startDisabled(), false);

    // The defaults come from the host's limits; out-of-range values say the range at the field and beside Start.
    assert.equal(await byId('param-runs').evaluate((el) => (el as HTMLElement & { value: string }).value), '5');
    assert.equal(await byId('param-concurrency').evaluate((el) => (el as HTMLElement & { value: string }).value), '3');
    await fill('param-runs', '11');
    assert.equal(await byId('param-runs-error').innerText(), 'Runs must be a whole number from 1 to 10');
    await fill('param-concurrency', '6');
    await fill('param-budgetUsd', '0');
    assert.deepEqual(await s.blockers(), [
      'Runs must be a whole number from 1 to 10',
      'Concurrency must be a whole number from 1 to 5',
      'Budget must be a number of USD above 0 (leave it empty for no cap)',
    ]);
    assert.equal(await s.startDisabled(), true);
    await fill('param-runs', '5');
    await fill('param-concurrency', '2');
    await fill('param-budgetUsd', '');
    assert.deepEqual(await s.blockers(), []);

    // An agent without scenarios needs the simulated user's goal.
    await s.choose('agent', 'Free chat');
    assert.deepEqual(await s.blockers(), ['Write the goal of the simulated user (this agent has no scenarios)']);
    await fill('goal', 'Find out when breakfast is served');
    assert.deepEqual(await s.blockers(), []);

    // An agent file that does not load is named with its problem.
    await s.choose('agent', 'broken.agent.json');
    assert.match(await byId('agent-error').innerText(), /tools\[0\]\.parameters\.type: must be "object"/);
    assert.deepEqual(await s.blockers(), ['Fix the agent file: tools[0].parameters.type: must be "object"']);

    // In an untrusted workspace nothing starts, and it says why.
    await ready({ trusted: false });
    assert.match((await s.blockers())[0] ?? '', /Trust this workspace/);
  });

  it('offers the agent prompt, the active context and library versions as the system prompt, and shows the text', async () => {
    await readyForm();
    assert.match(await byId('prompt-preview').innerText(), /front desk of Hotel Fjord/);
    await s.choose('system-prompt', 'Active context: hotel-desk v3');
    assert.equal(await byId('prompt-preview').innerText(), 'You are a concise hotel receptionist.');
    await s.choose('system-prompt', 'Library: hotel-desk v2');
    assert.equal(await byId('prompt-preview').innerText(), 'You are a hotel receptionist. Always confirm dates.');
    const req = await s.waitForPosted('estimate/compute', (m) => m.form.prompt.kind === 'library');
    assert.deepEqual(req.form.prompt, { kind: 'library', versionId: 9 });
  });

  it('asks for an estimate and shows it per role; over budget it says Start will ask to confirm', async () => {
    await readyForm();
    await answerEstimate();
    assert.equal(await byId('estimate-total').innerText(), '71 model calls · about $0.024 · ~42s');
    const roles = await byId('estimate-role').allInnerTexts();
    assert.equal(roles.length, 4);
    assert.match(roles[0]!, /Agent\s+openai\/gpt-4o-mini\s+30\s+\$0\.012/);
    assert.match(roles[1]!, /Simulated user/);
    assert.equal(await byId('estimate-over-budget').count(), 0);

    await s.clearPosted();
    await fill('param-budgetUsd', '0.01');
    await answerEstimate({ overBudget: true });
    assert.match(
      await byId('estimate-over-budget').innerText(),
      /over the budget of \$0\.010: Start asks you to confirm/,
    );
    assert.equal(await s.startDisabled(), false, 'over budget is asked at Start, not refused');

    // Unknown prices are "unknown", never $0.
    await s.clearPosted();
    await fill('param-runs', '4');
    await answerEstimate({ usd: null });
    assert.match(await byId('estimate-total').innerText(), /cost unknown/);
    assert.match(await byId('estimate-unknown').innerText(), /No price known for openai\/gpt-4o-mini/);
  });

  it('sends the whole form with a fresh idempotency key per submission; a refusal re-enables Start', async () => {
    await readyForm();
    await s.choose('model-judgeModel', 'claude-haiku-4-5 (anthropic)');
    await fill('param-runs', '7');
    await fill('param-budgetUsd', '0.5');
    await byId('start').click();
    const first = await s.waitForPosted('scale/start');
    assert.match(first.idempotencyKey, /^[A-Za-z0-9_-]{8,100}$/);
    assert.deepEqual(first.form, {
      agentFile: AGENT_FILE,
      agentModel: 'openai/gpt-4o-mini',
      userModel: '',
      judgeModel: 'anthropic/claude-haiku-4-5',
      summarizerModel: '',
      prompt: { kind: 'agent' },
      goal: '',
      userMessage: '',
      runs: 7,
      concurrency: 3,
      maxBudgetUsd: 0.5,
    });
    await s.settle();
    assert.equal(await s.startDisabled(), true, 'disabled while the run is starting');
    assert.match(await byId('start').innerText(), /Starting/);
    assert.deepEqual(await s.blockers(), ['A run is starting…']);
    // A second click while starting sends nothing.
    await byId('start').click({ force: true });
    assert.equal((await s.posted()).filter((m) => m.type === 'scale/start').length, 1);

    await s.send({
      type: 'scale/didFailToStart',
      idempotencyKey: first.idempotencyKey,
      message: 'Not started: the estimate of $0.80 is over the budget of $0.50.',
    });
    assert.match(await byId('start-error').innerText(), /over the budget/);
    assert.equal(await s.startDisabled(), false);
    await s.clearPosted();
    await byId('start').click();
    const second = await s.waitForPosted('scale/start');
    assert.notEqual(second.idempotencyKey, first.idempotencyKey, 'a new submission gets a new key');
  });

  it('after a reload during a start, sends the same submission again (same key), never a second run', async () => {
    await readyForm();
    await byId('start').click();
    const first = await s.waitForPosted('scale/start');
    await page().reload();
    await page().waitForFunction(() => (window as unknown as { __posted: unknown[] }).__posted.length > 0);
    await ready();
    const again = await s.waitForPosted('scale/start');
    assert.equal(again.idempotencyKey, first.idempotencyKey);
    assert.deepEqual(again.form, first.form);
    // The host answers with the run (its snapshot carries the key): the panel shows it and the key is done.
    await s.send({
      type: 'run/didChange',
      snapshot: runningSnapshot({ idempotencyKey: first.idempotencyKey }),
      reveal: true,
    });
    assert.equal(await byId('status').innerText(), 'Running');
    await byId('new-scale-test').click();
    await s.settle();
    assert.equal(await s.startDisabled(), false);
  });

  it('renders a running snapshot: progress, live rows, throttling and cap alerts, the budget card; Cancel and Transcript post', async () => {
    await ready();
    await s.send({ type: 'run/didChange', snapshot: runningSnapshot(), reveal: true });
    assert.equal(await byId('status').innerText(), 'Running');
    assert.equal(await byId('completed').innerText(), '2/5 conversations done');
    assert.equal(await byId('eta').innerText(), 'about 38s left');
    assert.equal(await byId('progress-bar').evaluate((el) => (el as HTMLElement & { value: number }).value), 40);
    assert.match(await byId('throttle').innerText(), /Throttled by openai: 2 at a time, 3 waiting, retrying in 2s/);
    assert.match(await byId('note').innerText(), /per-conversation cap/);

    const rows = byId('conversation-row');
    assert.equal(await rows.count(), 5);
    assert.deepEqual(
      (await byId('conversation-status').allInnerTexts()).map((t) => t.trim()),
      ['Passed', 'Failed', 'Grading', 'Running', 'Waiting'],
    );
    assert.equal(
      await rows.nth(4).locator('[data-testid=open-transcript]').isDisabled(),
      true,
      'no transcript before it starts',
    );

    // Budget: spent of the cap, estimate and cap marked on the bar.
    assert.equal(await byId('budget-actual').innerText(), '$0.0095');
    assert.equal(await byId('budget-estimated').innerText(), '$0.024');
    assert.equal(await byId('budget-cap').innerText(), '$0.050');
    const fillW = Number(await byId('budget-fill').getAttribute('width'));
    const capX = Number(await byId('mark-cap').getAttribute('x1'));
    const estX = Number(await byId('mark-estimate').getAttribute('x1'));
    assert.ok(fillW > 0 && fillW < estX && estX < capX, `spent ${fillW} < estimate ${estX} < cap ${capX}`);
    assert.match(
      (await byId('budget-bar').getAttribute('aria-label')) ?? '',
      /Spent \$0\.0095 of a \$0\.050 cap; estimated \$0\.024/,
    );
    assert.equal(await byId('ledger').locator('tbody tr').count(), 4);

    await rows.nth(3).locator('[data-testid=open-transcript]').click();
    assert.deepEqual((await s.posted()).at(-1), { type: 'transcript/open', runId: 'run-1', conversationId: 'conv-4' });
    await byId('cancel').click();
    assert.deepEqual((await s.posted()).at(-1), { type: 'scale/cancel', runId: 'run-1' });
    await s.settle();
    assert.match(await byId('cancel').innerText(), /Cancelling/);

    // Closing and reopening the panel (a reload) keeps the run view; the host resends the snapshot.
    await page().reload();
    await page().waitForFunction(() => (window as unknown as { __posted: unknown[] }).__posted.length > 0);
    await ready();
    await s.send({ type: 'run/didChange', snapshot: runningSnapshot({ completed: 3, progress: 0.6 }), reveal: false });
    assert.equal(await byId('completed').innerText(), '3/5 conversations done');
  });

  it('renders the report: stats cards, charts, badges that filter the rows (mouse and keyboard), the summary with citations', async () => {
    await ready();
    await s.send({ type: 'run/didChange', snapshot: reportSnapshot(), reveal: true });
    assert.equal(await byId('status').innerText(), 'Completed');
    assert.equal(await byId('cancel').count(), 0);
    assert.equal(await byId('stat-win-rate-value').innerText(), '50%');
    assert.equal(await byId('win-rate-interval').innerText(), '95% CI 15–85%');
    assert.match(await byId('stat-win-rate').innerText(), /2 of 4\s+scored passed · 1 unscored/);
    assert.equal(await byId('stat-turns-value').innerText(), '4.2');
    assert.match(await byId('stat-turns').innerText(), /p50 4 · p95 6/);
    assert.equal(await byId('stat-latency-value').innerText(), '1.2 s');
    assert.equal(await byId('stat-tokens-value').innerText(), '47,700');
    assert.equal(await byId('stat-cost-value').innerText(), '$0.019');
    assert.match(await byId('stat-cost').innerText(), /estimated \$0\.024 \(−\$0\.0052\)/);

    assert.equal(await byId('turns-bar').count(), 5);
    assert.match((await byId('turns-chart').locator('svg').getAttribute('aria-label')) ?? '', /#2 5 turns \(failed\)/);
    assert.match(
      (await byId('failure-chart').locator('svg').getAttribute('aria-label')) ?? '',
      /GOAL_MISS in 2 of 5 conversations/,
    );

    // Badges: the common tags (even at 0) and every tag seen, with counts.
    const badges = await byId('badge').evaluateAll((els) =>
      els.map((e) => `${e.getAttribute('data-tag')}=${e.querySelector('.badge-count')?.textContent}`),
    );
    assert.deepEqual(badges, ['GOAL_MISS=2', 'TOXICITY=0', 'REFUSAL=0', 'FORMAT_ERROR=0', 'HALLUCINATION=1']);
    const goal = page().locator('[data-testid=badge][data-tag=GOAL_MISS]');
    assert.equal(await byId('conversation-row').count(), 5);
    assert.equal(await byId('unscored-group').count(), 1, 'unscored conversations are shown apart');
    await goal.click();
    await s.settle();
    assert.equal(await goal.getAttribute('aria-pressed'), 'true');
    assert.deepEqual(
      await byId('conversation-row').evaluateAll((els) => els.map((e) => e.getAttribute('data-conversation-id'))),
      ['conv-2', 'conv-4'],
    );
    assert.equal(await byId('filter-status').innerText(), 'Showing 2 of 5 conversations with GOAL_MISS.');
    await goal.click();
    await s.settle();
    assert.equal(await goal.getAttribute('aria-pressed'), 'false');
    assert.equal(await byId('conversation-row').count(), 5);

    // Keyboard: Tab reaches the badges, Enter and Space toggle them.
    const hall = page().locator('[data-testid=badge][data-tag=HALLUCINATION]');
    await page().locator('[data-testid=badge][data-tag=FORMAT_ERROR]').focus();
    await page().keyboard.press('Tab');
    assert.equal(await page().evaluate(() => document.activeElement?.getAttribute('data-tag')), 'HALLUCINATION');
    await page().keyboard.press('Enter');
    await s.settle();
    assert.equal(await hall.getAttribute('aria-pressed'), 'true');
    assert.deepEqual(
      await byId('conversation-row').evaluateAll((els) => els.map((e) => e.getAttribute('data-conversation-id'))),
      ['conv-4'],
    );
    await page().keyboard.press('Space');
    await s.settle();
    assert.equal(await byId('conversation-row').count(), 5);
    await page().locator('[data-testid=badge][data-tag=TOXICITY]').click();
    await s.settle();
    assert.equal(await byId('rows-empty').innerText(), 'No conversation has TOXICITY.');
    await byId('clear-filter').click();
    await s.settle();

    // Only failed conversations offer "Add to Suite".
    assert.deepEqual(
      await page()
        .locator('[data-testid=conversation-row]:has([data-testid=add-to-suite])')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-conversation-id'))),
      ['conv-2', 'conv-4'],
    );
    await page().locator('[data-conversation-id=conv-4] [data-testid=add-to-suite]').click();
    assert.deepEqual((await s.posted()).at(-1), {
      type: 'conversation/addToSuite',
      runId: 'run-1',
      conversationId: 'conv-4',
    });

    // Summary: findings with citations that open the transcript at the turn; "information unavailable" said plainly.
    assert.equal(await byId('finding').count(), 3);
    assert.match(await byId('summary-characterInconsistency').innerText(), /Information unavailable/);
    const cite = byId('citation').first();
    assert.equal((await cite.innerText()).trim(), '#2, turn 3');
    await cite.click();
    assert.deepEqual((await s.posted()).at(-1), {
      type: 'transcript/open',
      runId: 'run-1',
      conversationId: 'conv-2',
      turn: 3,
    });
    assert.match(await byId('digest-note').innerText(), /trimmed/);
  });

  it('Copy sends the copy message for the revised prompt and the rationale; each action button posts its message', async () => {
    await ready();
    await s.send({ type: 'run/didChange', snapshot: reportSnapshot(), reveal: true });
    assert.equal(await byId('revised-prompt').innerText(), REVISED_PROMPT);
    assert.equal(await byId('rationale').innerText(), RATIONALE);
    const pairs: [string, unknown][] = [
      ['copy-revised', { type: 'report/copy', runId: 'run-1', what: 'revisedPrompt' }],
      ['copy-rationale', { type: 'report/copy', runId: 'run-1', what: 'rationale' }],
      ['verify', { type: 'report/verify', runId: 'run-1' }],
      ['save-revised', { type: 'report/saveRevised', runId: 'run-1' }],
      ['show-diff', { type: 'report/showDiff', runId: 'run-1' }],
      ['tune-from-revised', { type: 'report/tuneFromRevised', runId: 'run-1' }],
    ];
    for (const [button, message] of pairs) {
      await s.clearPosted();
      await byId(button).click();
      assert.deepEqual(await s.posted(), [message], button);
    }
    // The host's answer shows beside the buttons.
    await s.send({ type: 'action/didComplete', runId: 'run-1', action: 'copy', message: 'Revised prompt copied' });
    assert.equal(await byId('action-note').innerText(), 'Revised prompt copied');

    // While a verification runs, Verify waits; afterwards the before → after with both intervals.
    await s.send({
      type: 'run/didChange',
      snapshot: reportSnapshot({ verification: { runId: 'run-2', status: 'running', completed: 2, total: 5 } }),
      reveal: false,
    });
    assert.match(await byId('verify').innerText(), /Verifying/);
    assert.equal(await byId('verify').evaluate((el) => (el as HTMLElement & { disabled: boolean }).disabled), true);
    assert.match(await byId('verification-progress').innerText(), /2\/5/);
    await s.send({ type: 'run/didChange', snapshot: verifiedSnapshot(), reveal: false });
    assert.equal(
      (await byId('verify-result').innerText()).replace(/\s+/g, ' ').trim(),
      'Win rate 50% (95% CI 15–85%) → 80% (95% CI 38–96%) +30 points',
    );
    await byId('show-verification-run').click();
    assert.deepEqual((await s.posted()).at(-1), { type: 'run/show', runId: 'run-2' });
  });

  it('shows a failed summary as an error beside the complete stats, and a budget-stopped run as a partial report', async () => {
    await ready();
    await s.send({
      type: 'run/didChange',
      snapshot: reportSnapshot(
        { status: 'budget_reached', error: 'total cap $0.05 reached' },
        {
          summary: null,
          revisedPrompt: null,
          revisedPromptRationale: null,
          summaryError: 'the summarizer reply was not valid JSON twice',
        },
      ),
      reveal: true,
    });
    assert.equal(await byId('status').innerText(), 'Budget reached — partial report');
    assert.match(
      await byId('budget-reached').innerText(),
      /no further calls were started.*\(total cap \$0\.05 reached\)/s,
    );
    assert.match(await byId('summary-error').innerText(), /not valid JSON twice/);
    assert.equal(await byId('revised-card').count(), 0);
    assert.equal(await byId('stat-win-rate-value').innerText(), '50%');
  });

  it('shows model output containing HTML as literal text, never as markup', async () => {
    await ready();
    const snap = reportSnapshot({ detail: `Grading ${HOSTILE}` });
    snap.conversations[1]!.scenario = { id: 'x', persona: `A persona ${HOSTILE}`, goal: HOSTILE };
    snap.report!.conversations = snap.conversations;
    snap.conversations[2]!.error = `provider said ${HOSTILE}`;
    await s.send({ type: 'run/didChange', snapshot: snap, reveal: true });
    await page().waitForTimeout(200);
    assert.equal(await page().locator('scale-app img').count(), 0, 'no <img> element created');
    assert.equal(await page().locator('scale-app b:has-text("bold")').count(), 0, 'no <b> element created');
    assert.equal(await page().locator('scale-app script').count(), 0, 'no <script> element created');
    assert.equal(await page().evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
    assert.equal(await byId('revised-prompt').innerText(), REVISED_PROMPT);
    assert.match(await byId('finding').first().innerText(), new RegExp(HOSTILE.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    assert.equal(await byId('detail').innerText(), `Grading ${HOSTILE}`);
    assert.match(await byId('conversation-error').innerText(), /provider said <img/);
  });

  it('renders the report in high contrast: borders from the theme, text and background apart', async () => {
    await s.setTheme('high-contrast');
    await ready();
    await s.send({ type: 'run/didChange', snapshot: reportSnapshot(), reveal: true });
    const border = await byId('stats')
      .locator('.stat')
      .first()
      .evaluate((el) => getComputedStyle(el).borderTopColor);
    assert.equal(border, 'rgb(111, 195, 223)', 'stat cards take the contrast border');
    const bar = await byId('turns-bar')
      .first()
      .locator('rect')
      .evaluate((el) => getComputedStyle(el).stroke);
    assert.equal(bar, 'rgb(111, 195, 223)', 'chart bars are outlined in high contrast');
    const fg = await page().evaluate(() => getComputedStyle(document.body).color);
    const bg = await page().evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.equal(bg, 'rgb(0, 0, 0)');
    assert.equal(fg, 'rgb(255, 255, 255)');
    await s.screenshot('scale-report-high-contrast');
  });

  for (const theme of ['dark', 'high-contrast'] as ThemeName[]) {
    it(`passes axe-core (no serious or critical violation) on the form and the report in the ${theme} theme`, async () => {
      await s.setTheme(theme);
      await readyForm();
      await fill('param-budgetUsd', '0.01');
      await answerEstimate({ overBudget: true });
      await s.screenshot(`scale-form-${theme}`);
      await s.assertAxeClean(`the form (${theme})`);
      await s.send({ type: 'run/didChange', snapshot: runningSnapshot(), reveal: true });
      await s.screenshot(`scale-running-${theme}`);
      await s.assertAxeClean(`the running view (${theme})`);
      await s.send({ type: 'run/didChange', snapshot: verifiedSnapshot(), reveal: true });
      await page().locator('[data-testid=badge][data-tag=GOAL_MISS]').click();
      await s.settle();
      await s.screenshot(`scale-report-${theme}`);
      await s.assertAxeClean(`the report (${theme})`);
    });
  }

  it('renders in the light theme too (screenshot)', async () => {
    await s.setTheme('light');
    await ready({ preselectAgentFile: FREE_AGENT_FILE });
    assert.equal(
      await byId('agent').evaluate((el) => (el as HTMLElement & { value: string }).value),
      FREE_AGENT_FILE,
      'the explorer-chosen agent is selected',
    );
    await s.send({ type: 'run/didChange', snapshot: verifiedSnapshot(), reveal: true });
    await s.screenshot('scale-report-light');
  });
});
