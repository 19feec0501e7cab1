/// <reference lib="dom" />
// The built tuning panel in headless Chromium against a fake host: what the user sees and what it sends.
import assert from 'node:assert/strict';
import { TUNING_PAGE } from '../../src/extension/tuning/tuningPage';
import { parseWebviewMessage, type HostMessage, type WebviewMessage } from '../../src/protocol/tuningPanel';
import { usePanelTestBed, type PanelSession, type PanelUnderTest } from './harness';
import { completedSnapshot, HOSTILE, options, runningSnapshot, versions } from './fixtures';
import type { ThemeName } from './themes';

const TUNING: PanelUnderTest = { page: TUNING_PAGE, parse: parseWebviewMessage, viewportWidth: 1000 };

describe('tuning panel (webview in Chromium)', function () {
  this.timeout(60_000);
  const bed = usePanelTestBed<WebviewMessage, HostMessage>(TUNING);
  let s: PanelSession<WebviewMessage, HostMessage>;
  beforeEach(() => {
    s = bed.session;
  });

  const page = () => s.page;
  const byId = (id: string) => s.byId(id);

  async function checkTarget(model: string): Promise<void> {
    await page().locator(`[data-testid="target"][data-model="${model}"]`).click();
    await s.settle();
  }

  async function fillNumber(testId: string, value: string): Promise<void> {
    const input = byId(testId).locator('input');
    await input.fill(value);
    await s.settle();
  }

  /** Answers every estimate request so far with `calls` (only the newest one counts). */
  async function answerEstimate(calls: number, seconds: number, warning: string | null = null): Promise<void> {
    const req = await s.waitForPosted('estimate/compute');
    await s.send({
      type: 'estimate/didCompute',
      requestId: req.requestId,
      estimate: { calls, seconds, warning, assumedDefaultLatency: false },
      error: null,
    });
  }

  async function readyWithOptions(): Promise<void> {
    await s.send({ type: 'options/didChange', options: options() });
    await s.send({ type: 'library/didChangeVersions', versions: versions() });
  }

  /** An Evolutionary form that can start: the travel-desk suite, Claude as meta model, gpt-4o-mini as a target. */
  async function readyEvolutionaryForm(): Promise<void> {
    await readyWithOptions();
    await s.choose('suite', 'examples/travel-desk.suite.json');
    await byId('mode-evolutionary').click();
    await s.choose('meta-model', 'claude-opus-4-6 (anthropic)');
    await checkTarget('openai/gpt-4o-mini');
  }

  it('says ready first and posts nothing else before the host answers', async () => {
    await page().waitForTimeout(300);
    const posted = await s.posted();
    assert.deepEqual(posted, [{ type: 'webview/ready' }]);
    assert.match(await page().locator('tuning-app').innerText(), /Loading/);
  });

  it('keeps Start disabled, with the reasons shown, until a suite, a meta model and a target are chosen', async () => {
    await readyWithOptions();
    assert.equal(await s.startDisabled(), true);
    assert.deepEqual(await s.blockers(), [
      'Choose a test suite',
      'Choose a meta model',
      'Choose at least one target model',
    ]);

    await s.choose('suite', 'examples/travel-desk.suite.json');
    assert.deepEqual(await s.blockers(), ['Choose a meta model', 'Choose at least one target model']);
    assert.equal(await s.startDisabled(), true);

    await s.choose('meta-model', 'claude-opus-4-6 (anthropic)');
    assert.deepEqual(await s.blockers(), ['Choose at least one target model']);
    assert.equal(await s.startDisabled(), true);

    await checkTarget('openai/gpt-4o-mini');
    assert.deepEqual(await s.blockers(), []);
    assert.equal(await s.startDisabled(), false);

    // An out-of-range parameter disables it again and says why, at the field and beside Start.
    await fillNumber('param-population', '25');
    assert.equal(await s.startDisabled(), true);
    assert.match(await byId('param-population-error').innerText(), /Population must be a whole number from 2 to 20/);
    assert.deepEqual(await s.blockers(), ['Population must be a whole number from 2 to 20']);
    // An emptied prompt is a reason too.
    await fillNumber('param-population', '4');
    await byId('base-prompt').locator('textarea').fill('   ');
    await s.settle();
    assert.deepEqual(await s.blockers(), ['Write a base system prompt']);
  });

  it('shows the seed texts on two mode cards that work as a keyboard radio group; Evolutionary adds its parameters', async () => {
    await readyWithOptions();
    const quick = byId('mode-quick');
    const evo = byId('mode-evolutionary');
    assert.match(await quick.innerText(), /Generate N prompts, evaluate once/);
    assert.match(await evo.innerText(), /Multiple generations with selection, best survive and mutate/);
    assert.equal(await quick.getAttribute('aria-checked'), 'true');
    assert.equal(await byId('param-generations').count(), 0);
    assert.equal(await byId('param-selectionRatio').count(), 0);

    await quick.focus();
    await page().keyboard.press('ArrowRight');
    await s.settle();
    assert.equal(await evo.getAttribute('aria-checked'), 'true');
    assert.equal(await quick.getAttribute('aria-checked'), 'false');
    assert.equal(await evo.getAttribute('tabindex'), '0');
    assert.equal(await page().evaluate(() => document.activeElement?.getAttribute('data-testid')), 'mode-evolutionary');
    assert.equal(await byId('param-generations').count(), 1);
    assert.equal(await byId('param-selectionRatio').count(), 1);

    await page().keyboard.press('ArrowLeft');
    await s.settle();
    assert.equal(await quick.getAttribute('aria-checked'), 'true');
    assert.equal(await byId('param-generations').count(), 0);

    await evo.click();
    await s.settle();
    assert.equal(await evo.getAttribute('aria-checked'), 'true');
  });

  it('asks for an estimate after a parameter change (debounced), shows "X API calls, ~Ys", warns above 100 calls', async () => {
    await readyWithOptions();
    assert.match(await byId('estimate').innerText(), /Choose a suite and at least one target model/);
    await s.choose('suite', 'examples/travel-desk.suite.json');
    await checkTarget('openai/gpt-4o-mini');
    const first = await s.waitForPosted('estimate/compute');
    assert.deepEqual(first.params, {
      suiteFile: '/ws/examples/travel-desk.suite.json',
      mode: 'quick',
      metaModel: '',
      targetModels: ['openai/gpt-4o-mini'],
      population: 6,
      generations: 3,
      selectionRatio: 0.5,
    });
    await answerEstimate(65, 24.2);
    assert.equal(await byId('estimate-text').innerText(), '65 API calls, ~25s');
    assert.equal(await byId('estimate-warning').count(), 0);

    // Typing "12" is two input events; one request goes out for the final value.
    await s.clearPosted();
    const input = byId('param-population').locator('input');
    await input.fill('');
    await input.pressSequentially('12', { delay: 20 });
    await s.settle();
    assert.match(await byId('estimate').innerText(), /Estimating/);
    const second = await s.waitForPosted('estimate/compute');
    await page().waitForTimeout(400);
    const requests = (await s.posted()).filter((m) => m.type === 'estimate/compute');
    assert.equal(requests.length, 1, `one debounced request, got ${JSON.stringify(requests)}`);
    assert.equal(second.params.population, 12);

    // A stale answer (older request id) is ignored; the current one shows, with the warning.
    await s.send({
      type: 'estimate/didCompute',
      requestId: second.requestId - 1,
      estimate: { calls: 1, seconds: 1, warning: null, assumedDefaultLatency: false },
      error: null,
    });
    assert.match(await byId('estimate').innerText(), /Estimating/);
    await answerEstimate(
      141,
      130,
      '141 API calls (more than 100): lower the population, or use fewer target models, to spend less.',
    );
    assert.equal(await byId('estimate-text').innerText(), '141 API calls, ~130s (about 2 min)');
    assert.match(await byId('estimate-warning').innerText(), /more than 100/);

    // The host's error (e.g. a suite that does not load) is shown instead.
    await s.clearPosted();
    await fillNumber('param-population', '5');
    const third = await s.waitForPosted('estimate/compute');
    await s.send({
      type: 'estimate/didCompute',
      requestId: third.requestId,
      estimate: null,
      error: 'suite.json: cases[2].expect: unknown tool',
    });
    assert.match(await byId('estimate').innerText(), /cases\[2\]\.expect: unknown tool/);
  });

  it('sends the whole form on Start, in a shape the host accepts, with the library version it came from', async () => {
    await readyWithOptions();
    await s.choose('suite', 'suites/billing.suite.json');
    await byId('mode-evolutionary').click();
    await s.choose('meta-model', 'claude-opus-4-6 (anthropic)');
    await checkTarget('openai/gpt-4o-mini');
    await checkTarget('ollama/llama3.1');
    await byId('add-model-input').locator('input').fill('not a model');
    await byId('add-model').click();
    await s.settle();
    assert.match(await byId('add-model-error').innerText(), /provider\/model/);
    await byId('add-model-input').locator('input').fill('vllm/qwen2.5-7b');
    await byId('add-model').click();
    await s.settle();
    assert.equal(
      await page()
        .locator('[data-testid="target"][data-model="vllm/qwen2.5-7b"]')
        .evaluate((el) => (el as HTMLElement & { checked: boolean }).checked),
      true,
    );
    assert.equal(
      await byId('add-model-input').evaluate((el) => (el as HTMLElement & { value: string }).value),
      '',
      'the field is cleared after adding',
    );
    assert.equal(
      await byId('meta-model').locator('[role=option]', { hasText: 'qwen2.5-7b (vllm)' }).count(),
      1,
      'an added model can be the meta model too',
    );

    await byId('load-base').click();
    await s.settle();
    const items = byId('library-item');
    assert.equal(await items.count(), 3);
    const firstRow = await items.first().innerText();
    for (const part of ['v3', 'travel-desk', 'tuned best', 'tuned', '82%'])
      assert.ok(firstRow.includes(part), `"${part}" in "${firstRow}"`);
    await items.nth(1).click();
    await s.settle();
    assert.equal(
      await byId('base-prompt').evaluate((el) => (el as HTMLElement & { value: string }).value),
      'You are a travel desk agent.',
    );
    assert.equal(await byId('base-source').innerText(), 'From the library: travel-desk v2');

    await fillNumber('param-generations', '4');
    await fillNumber('param-selectionRatio', '0.3');
    await byId('use-validation').click();
    await s.settle();
    await fillNumber('param-validationSplit', '0.25');
    assert.equal(await s.startDisabled(), false);
    await byId('start').click();
    const start = await s.waitForPosted('tuning/start');
    assert.deepEqual(start.config, {
      suiteFile: '/ws/suites/billing.suite.json',
      mode: 'evolutionary',
      metaModel: 'anthropic/claude-opus-4-6',
      targetModels: ['openai/gpt-4o-mini', 'ollama/llama3.1', 'vllm/qwen2.5-7b'],
      basePrompt: 'You are a travel desk agent.',
      baseVersionId: 11,
      population: 6,
      generations: 4,
      selectionRatio: 0.3,
      validationSplit: 0.25,
    });
    assert.match(await byId('start').innerText(), /Starting/);
    // A refusal is shown and Start works again.
    await s.send({ type: 'tuning/didFailToStart', message: 'metaModel: no API key for anthropic' });
    assert.match(await byId('start-error').innerText(), /no API key for anthropic/);
    assert.equal(await s.startDisabled(), false);

    // Editing the loaded text detaches it from the library version.
    await byId('base-prompt').locator('textarea').fill('You are a travel desk agent. Be brief.');
    await s.settle();
    assert.equal(await byId('base-source').innerText(), 'Edited here (not in the library yet).');
    await s.clearPosted();
    await byId('save-base').click();
    const save = await s.waitForPosted('library/saveBasePrompt');
    assert.equal(save.text, 'You are a travel desk agent. Be brief.');
  });

  it('takes an optional budget: a bad one disables Start with the reason, a good one is sent as budgetUsd and kept', async () => {
    await readyWithOptions();
    await s.choose('suite', 'examples/travel-desk.suite.json');
    await s.choose('meta-model', 'claude-opus-4-6 (anthropic)');
    await checkTarget('openai/gpt-4o-mini');
    assert.equal(await s.startDisabled(), false, 'no budget is fine');
    assert.equal(await byId('budget-note').count(), 0, 'no budget note without a budget');
    assert.equal(await page().getByLabel('Budget (USD)', { exact: true }).count(), 1, 'the field is labelled');
    assert.equal(
      await page().getByLabel('Population size', { exact: true }).count(),
      1,
      'so are the other number fields',
    );

    for (const bad of ['0', '-2']) {
      await fillNumber('param-budgetUsd', bad);
      assert.equal(await s.startDisabled(), true, `budget ${bad} disables Start`);
      const reason = 'Budget must be a number of USD above 0 (leave it empty for no budget)';
      assert.equal(await byId('param-budgetUsd-error').innerText(), reason);
      assert.deepEqual(await s.blockers(), [reason]);
      assert.equal(await byId('budget-note').count(), 0);
    }

    // Reachable from the keyboard: Tab from the population field lands in the budget field (quick mode).
    await byId('param-population').locator('input').focus();
    await page().keyboard.press('Tab');
    assert.equal(await page().evaluate(() => document.activeElement?.getAttribute('data-testid')), 'param-budgetUsd');
    await page().keyboard.press('Control+A');
    await page().keyboard.type('2.5');
    await s.settle();
    assert.equal(await s.startDisabled(), false);
    assert.deepEqual(await s.blockers(), []);
    assert.equal(
      (await byId('budget-note').innerText()).replace(/\s+/g, ' ').trim(),
      'Budget $2.50: stops starting calls once $2.50 would be exceeded; models with an unknown price are not counted.',
    );

    // Kept in the draft across a reload.
    await page().reload();
    await page().waitForFunction(() => (window as unknown as { __posted: unknown[] }).__posted.length > 0);
    await readyWithOptions();
    assert.equal(await byId('param-budgetUsd').evaluate((el) => (el as HTMLElement & { value: string }).value), '2.5');
    await s.setTheme('dark');
    await answerEstimate(41, 38);
    await s.screenshot('config-budget');

    await byId('start').click();
    const start = await s.waitForPosted('tuning/start');
    assert.equal(start.config.budgetUsd, 2.5);
    const parsed = parseWebviewMessage(start);
    assert.ok(
      parsed.ok && parsed.message.type === 'tuning/start' && parsed.message.config.budgetUsd === 2.5,
      'the host keeps budgetUsd after validation',
    );

    // Emptying the field means no budget: the key is left out.
    await s.send({ type: 'tuning/didFailToStart', message: 'try again' });
    await fillNumber('param-budgetUsd', '');
    await s.clearPosted();
    await byId('start').click();
    const again = await s.waitForPosted('tuning/start');
    assert.equal('budgetUsd' in again.config, false);
  });

  it('starts from the active context prompt when one is applied', async () => {
    await s.send({
      type: 'options/didChange',
      options: options({
        activeContext: {
          versionId: 12,
          name: 'travel-desk',
          version: 3,
          text: 'Always call get_weather with ISO dates.',
        },
      }),
    });
    assert.equal(
      await byId('base-prompt').evaluate((el) => (el as HTMLElement & { value: string }).value),
      'Always call get_weather with ISO dates.',
    );
    assert.equal(await byId('base-source').innerText(), 'From the library: travel-desk v3');
  });

  it('keeps the draft across a reload (setState)', async () => {
    await readyWithOptions();
    await s.choose('suite', 'suites/billing.suite.json');
    await byId('mode-evolutionary').click();
    await fillNumber('param-population', '9');
    await byId('base-prompt').locator('textarea').fill('Draft prompt kept across reloads');
    await s.settle();
    await page().reload();
    await page().waitForFunction(() => (window as unknown as { __posted: unknown[] }).__posted.length > 0);
    await readyWithOptions();
    assert.equal(await byId('mode-evolutionary').getAttribute('aria-checked'), 'true');
    assert.equal(await byId('param-population').evaluate((el) => (el as HTMLElement & { value: string }).value), '9');
    assert.equal(
      await byId('base-prompt').evaluate((el) => (el as HTMLElement & { value: string }).value),
      'Draft prompt kept across reloads',
    );
    assert.equal(
      await byId('suite').evaluate((el) => (el as HTMLElement & { value: string }).value),
      '/ws/suites/billing.suite.json',
    );
  });

  it('renders the progress card, the timeline and the best card from a snapshot; Cancel sends tuning/cancel', async () => {
    await readyWithOptions();
    await s.send({ type: 'run/didChange', snapshot: runningSnapshot(), reveal: true });
    assert.equal(await byId('status').innerText(), 'Running');
    assert.equal(await byId('percent').innerText(), '45%');
    assert.equal(await byId('detail').innerText(), 'Evaluating g2-p2 on 20 cases × 2 models');
    assert.equal(await byId('eta').innerText(), 'about 42s left');
    assert.match(await byId('run-notes').innerText(), /g2-p3 skipped: identical to an existing prompt twice/);
    assert.equal(await byId('progress-bar').evaluate((el) => (el as HTMLElement & { value: number }).value), 45);
    assert.equal(await byId('status-dot').evaluate((el) => getComputedStyle(el).animationName), 'pt-pulse');

    const gens = byId('generation');
    assert.equal(await gens.count(), 2);
    assert.equal(await gens.nth(0).locator('[data-testid=candidate]').count(), 3);
    assert.equal(await gens.nth(1).locator('[data-testid=candidate]').count(), 2);
    const survivors = await page()
      .locator('[data-testid=candidate]:has([data-testid=survivor])')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-candidate-id')));
    assert.deepEqual(survivors, ['g1-p2', 'g1-p3']);
    const scores = await byId('candidate-score').allInnerTexts();
    assert.deepEqual(scores, ['30%', '75%', '50%', '75%', '7/20']);
    assert.match(
      await gens.nth(0).locator('[data-testid=candidate-per-model]').nth(1).innerText(),
      /openai\/gpt-4o-mini: 80%.*ollama\/llama3\.1: 70%/s,
    );

    // Candidate text is collapsed until asked for.
    const g13 = page().locator('[data-candidate-id="g1-p3"]');
    assert.equal(await g13.locator('[data-testid=candidate-text]').count(), 0);
    await g13.locator('[data-testid=candidate-expand]').click();
    await s.settle();
    assert.equal(await g13.locator('[data-testid=candidate-text]').innerText(), 'Ask before booking.');

    assert.equal(await byId('best-score').innerText(), '75%');
    assert.match(await byId('best-per-model').innerText(), /gpt-4o-mini: 80% \(8\/10\)/);
    const border = await byId('best-card').evaluate((el) => getComputedStyle(el).borderTopColor);
    assert.equal(
      border,
      await page().evaluate(() => {
        const probe = document.createElement('div');
        probe.style.color = 'var(--vscode-testing-iconPassed, var(--vscode-charts-green))';
        document.body.appendChild(probe);
        const c = getComputedStyle(probe).color;
        probe.remove();
        return c;
      }),
      'best card border uses the theme pass colour',
    );

    await byId('cancel').click();
    const cancel = await s.waitForPosted('tuning/cancel');
    assert.equal(cancel.runId, 'run-1');
    await s.settle();
    assert.match(await byId('cancel').innerText(), /Cancelling/);
    assert.equal(await byId('cancel').evaluate((el) => (el as HTMLElement & { disabled: boolean }).disabled), true);

    // A later snapshot replaces the whole view: finished, saved, no Cancel, View in Library instead of Save.
    await s.send({ type: 'run/didChange', snapshot: completedSnapshot(), reveal: false });
    assert.equal(await byId('status').innerText(), 'Completed');
    assert.equal(await byId('cancel').count(), 0);
    assert.equal(await byId('best-save').count(), 0);
    assert.match(await byId('best-saved').innerText(), /Saved as travel-desk v4/);
    assert.equal(await byId('status-dot').evaluate((el) => getComputedStyle(el).animationName), 'none');
  });

  it('sends the right message for each best-prompt button', async () => {
    await readyWithOptions();
    await s.send({ type: 'run/didChange', snapshot: runningSnapshot({ status: 'cancelled' }), reveal: true });
    assert.match(await byId('run-cancelled').innerText(), /results so far are kept/);
    const pairs: [string, string][] = [
      ['best-apply', 'best/applyToContext'],
      ['best-save', 'best/saveToLibrary'],
      ['best-copy', 'best/copy'],
      ['best-diff', 'best/showDiff'],
    ];
    for (const [button, type] of pairs) {
      await s.clearPosted();
      await byId(button).click();
      const posted = await s.posted();
      assert.deepEqual(posted, [{ type, runId: 'run-1' }], `${button} → ${type}`);
    }
    await s.send({ type: 'run/didChange', snapshot: completedSnapshot(), reveal: false });
    await s.clearPosted();
    await byId('best-view').click();
    assert.deepEqual(await s.posted(), [{ type: 'best/viewInLibrary', runId: 'run-1' }]);

    // "New Tuning" goes back to the form, which offers the run again.
    await byId('new-tuning').click();
    await s.settle();
    assert.equal(await byId('start').count(), 1);
    await byId('show-run').click();
    await s.settle();
    assert.equal(await byId('best-card').count(), 1);
  });

  it('offers Resume on a cancelled or interrupted run (never on a running or completed one) and sends tuning/resume', async () => {
    await readyWithOptions();
    await s.send({ type: 'run/didChange', snapshot: runningSnapshot(), reveal: true });
    assert.equal(await byId('resume').count(), 0, 'a running run has Cancel, not Resume');
    const interrupted = runningSnapshot({
      status: 'failed',
      error:
        'Interrupted: the process that ran it (pid 4242) ended before the run finished; its partial results are kept.',
    });
    await s.send({ type: 'run/didChange', snapshot: interrupted, reveal: false });
    assert.equal(await byId('cancel').count(), 0);
    await s.clearPosted();
    await byId('resume').click();
    assert.deepEqual(await s.posted(), [{ type: 'tuning/resume', runId: 'run-1' }]);
    assert.match(await byId('resume').innerText(), /Resuming/);
    assert.equal(await byId('resume').evaluate((el) => (el as HTMLElement & { disabled: boolean }).disabled), true);
    // The host could not resume it: the reason is shown and Resume can be pressed again.
    await s.send({ type: 'tuning/didFailToStart', message: 'The suite changed since run run-1' });
    assert.equal(await byId('resume-error').innerText(), 'The suite changed since run run-1');
    assert.match(await byId('resume').innerText(), /^Resume$/);
    // It goes on: the same run, running again, with Cancel back.
    await byId('resume').click();
    await s.send({ type: 'run/didChange', snapshot: runningSnapshot(), reveal: true });
    assert.equal(await byId('resume').count(), 0);
    assert.equal(await byId('resume-error').count(), 0);
    assert.equal(await byId('cancel').count(), 1);
    await s.send({ type: 'run/didChange', snapshot: completedSnapshot(), reveal: false });
    assert.equal(await byId('resume').count(), 0, 'a completed run has nothing to resume');
  });

  it('keeps Save to Library on the best card after Cancel', async () => {
    await readyWithOptions();
    await s.send({ type: 'run/didChange', snapshot: runningSnapshot(), reveal: true });
    await byId('cancel').click();
    await s.waitForPosted('tuning/cancel');
    await s.send({ type: 'run/didChange', snapshot: runningSnapshot({ status: 'cancelled' }), reveal: false });
    assert.equal(await byId('best-card').count(), 1);
    await s.clearPosted();
    await byId('best-save').click();
    assert.deepEqual(await s.posted(), [{ type: 'best/saveToLibrary', runId: 'run-1' }]);
    assert.equal(await byId('resume').count(), 1);
  });

  it('shows a failed run with its reason', async () => {
    await readyWithOptions();
    await s.send({
      type: 'run/didChange',
      snapshot: runningSnapshot({
        status: 'failed',
        error: '401 from anthropic: check the key with Prompt Tuner: Set API Key',
      }),
      reveal: true,
    });
    assert.equal(
      await byId('run-error').innerText(),
      'Tuning failed: 401 from anthropic: check the key with Prompt Tuner: Set API Key',
    );
    assert.equal(await byId('cancel').count(), 0);
  });

  it('shows the cost so far, and a run stopped by its budget as budget reached with partial results', async () => {
    await readyWithOptions();
    await s.send({ type: 'run/didChange', snapshot: runningSnapshot({ costUsd: 0.0123 }), reveal: true });
    assert.equal(await byId('cost').innerText(), '$0.0123 so far');
    await s.send({ type: 'run/didChange', snapshot: runningSnapshot({ costUsd: 0 }), reveal: true });
    assert.equal(await byId('cost').count(), 0, 'no cost shown while nothing priced was spent');
    assert.equal(await byId('run-budget').count(), 0);

    const reason = 'budget reached: $0.0480 spent of $0.05, and the next call could cost up to $0.0040';
    await s.send({
      type: 'run/didChange',
      snapshot: runningSnapshot({
        status: 'budget_reached',
        costUsd: 0.048,
        error: reason,
        detail: `Budget reached: ${reason}`,
        etaSeconds: null,
        finishedAt: '2026-11-22T15:01:00.000Z',
      }),
      reveal: true,
    });
    assert.equal(await byId('status').innerText(), 'Budget reached — partial results');
    assert.match(
      await byId('run-budget').innerText(),
      /Budget reached — no further calls were started\. The results so far are kept below: the best prompt/,
    );
    assert.equal(await byId('run-budget-reason').innerText(), `(${reason})`);
    assert.equal(await byId('detail').count(), 0, 'the reason is not shown twice');
    assert.equal(await byId('cost').innerText(), '$0.0480 so far');
    assert.equal(await byId('cancel').count(), 0, 'nothing to cancel');
    assert.equal(await byId('best-card').count(), 1, 'the partial best is offered');
    assert.equal(await byId('best-score').innerText(), '75%');
    assert.equal(await byId('generation').count(), 2, 'the partial timeline stays');
    assert.notEqual(await byId('status-dot').evaluate((el) => getComputedStyle(el).animationName), 'pt-pulse');
    await s.setTheme('dark');
    await s.screenshot('run-budget-reached');
  });

  it('shows model output containing HTML as literal text, never as markup', async () => {
    await readyWithOptions();
    await s.send({
      type: 'run/didChange',
      snapshot: runningSnapshot({ detail: `Evaluating ${HOSTILE}` }),
      reveal: true,
    });
    await byId('best-expand').click();
    await page().locator('[data-candidate-id="g1-p2"] [data-testid=candidate-expand]').click();
    await s.settle();
    await page().waitForTimeout(200);
    assert.equal(await page().locator('tuning-app img').count(), 0, 'no <img> element created');
    assert.equal(await page().locator('tuning-app b:has-text("bold")').count(), 0, 'no <b> element created');
    assert.equal(await page().locator('tuning-app script').count(), 0, 'no <script> element created');
    assert.equal(await page().evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
    assert.equal(await byId('best-text').innerText(), `Use ISO dates. ${HOSTILE}`);
    assert.equal(
      await page().locator('[data-candidate-id="g1-p2"] [data-testid=candidate-text]').innerText(),
      `Use ISO dates. ${HOSTILE}`,
    );
    assert.equal(await byId('detail').innerText(), `Evaluating ${HOSTILE}`);
  });

  it('stops the pulsing dot when the user prefers reduced motion', async () => {
    s = await bed.reopen({ reducedMotion: 'reduce' });
    await readyWithOptions();
    await s.send({ type: 'run/didChange', snapshot: runningSnapshot(), reveal: true });
    assert.equal(await byId('status-dot').evaluate((el) => getComputedStyle(el).animationName), 'none');
  });

  for (const theme of ['dark', 'high-contrast'] as ThemeName[]) {
    it(`passes axe-core (no serious or critical violation) on the form in the ${theme} theme`, async () => {
      await s.setTheme(theme);
      await readyEvolutionaryForm();
      await answerEstimate(141, 130);
      await s.assertAxeClean(`the form (${theme})`);
    });
  }

  for (const theme of ['light', 'dark', 'high-contrast'] as ThemeName[]) {
    it(`renders in the ${theme} theme (screenshots)`, async () => {
      await s.setTheme(theme);
      await readyEvolutionaryForm();
      await checkTarget('ollama/llama3.1');
      await byId('load-base').click();
      await answerEstimate(
        141,
        130,
        '141 API calls (more than 100): lower the population or the generations, or use fewer target models, to spend less.',
      );
      await s.screenshot(`config-${theme}`);
      await s.send({ type: 'run/didChange', snapshot: runningSnapshot(), reveal: true });
      await page().locator('[data-candidate-id="g1-p2"] [data-testid=candidate-expand]').click();
      await s.settle();
      await s.screenshot(`run-${theme}`);
      const fg = await page().evaluate(() => getComputedStyle(document.body).color);
      const bg = await page().evaluate(() => getComputedStyle(document.body).backgroundColor);
      assert.notEqual(fg, bg, 'text and background differ');
    });
  }
});
