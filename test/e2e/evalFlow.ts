// Issue 10's evaluation report in a real VS Code, against the model simulator: Evaluate Prompt on Suite opens
// the Evaluation Report panel (the grid of cases × models, totals, an unknown price shown as unknown), the
// filters and a case opened side by side (request, answer, expected call), Open in Suite; then Compare Two
// Prompts on two workspace files (the plain base prompt and the same with the simulator's five rules): wins,
// losses, the exact McNemar p and the verdict, and a win opened with both answers; after Developer: Reload Window
// the panel comes back with that comparison, its filters and the case opened (the last step: later flows run in the
// reloaded workbench). The simulator's
// behaviour is known (test/sim/README.md): the base prompt passes 5 of 16 cases, all five rules pass 16.
import { strict as assert } from 'node:assert';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SIM_RULES } from '../sim/rules';
import { choose, panel, shootPanel, text, waitFor } from './panelFrame';
import type { StepRunner } from './steps';
import type { Workbench } from './workbench';

const SIM_MODEL = 'openai/sim-1';
const BASE_FILE = 'prompts/eval-base.md';
const RULES_FILE = 'prompts/eval-rules.md';
const BASE_PROMPT = 'You are a helpful travel assistant.';
const CASES = 16;

export interface EvalFlowContext {
  workbench: () => Workbench;
  steps: StepRunner;
  /** The workspace folder (the two prompt files are written there). */
  workspace: string;
  /** Where the steps' screenshots go (the panel's own are saved beside them). */
  resultsDir: string;
  /** Calls the simulator answered so far. */
  simCalls: () => Promise<number>;
}

/** Which of TEXTS the open quick input shows first (its title, prompt or placeholder). */
async function quickInputShowing(wb: Workbench, texts: string[], timeout = 20_000): Promise<string> {
  return waitFor(
    async () => {
      const seen = await wb
        .quickInput()
        .evaluate((node) => {
          const el = node as unknown as {
            innerText: string;
            style: { display: string };
            querySelector(s: string): { getAttribute(n: string): string | null } | null;
          };
          if (el.style.display === 'none') return '';
          return `${el.innerText}\n${el.querySelector('input')?.getAttribute('placeholder') ?? ''}`;
        })
        .catch(() => '');
      return texts.find((t) => seen.includes(t)) ?? null;
    },
    `a quick input showing one of ${JSON.stringify(texts)}`,
    timeout,
  );
}

/** The suite (one in the workspace is taken without asking; several: the travel desk is picked). */
async function answerSuite(wb: Workbench, next: string): Promise<void> {
  const shown = await quickInputShowing(wb, ['Suite to run', next]);
  if (shown === 'Suite to run') await wb.pickQuickItem('travel-desk.suite.json');
}

/** The models step: the known models as a multi-pick (then "Other model ids…"), or the typed ids directly. */
async function answerModels(wb: Workbench): Promise<void> {
  const shown = await quickInputShowing(wb, [
    'Models to run every case on (provider/model',
    'Models to run every case on',
  ]);
  if (!shown.includes('provider/model')) {
    await wb.pickQuickItem('Other model ids…');
    await wb.page.keyboard.press('Enter');
    await wb.expectQuickInput('provider/model, separated by commas');
  }
  await wb.answerInput(SIM_MODEL);
}

/** A file Quick Open may not have indexed yet: retried. */
async function openWorkspaceFile(wb: Workbench, name: string): Promise<void> {
  await waitFor(
    async () => {
      try {
        await wb.openFile(name);
        return true;
      } catch (e) {
        await wb.closeQuickInput();
        throw e;
      }
    },
    `Quick Open to find ${name}`,
    30_000,
  );
}

/** The Output panel (Evaluate shows its text log there) takes height the report's dropdowns need: hidden when shown. */
async function hideBottomPanel(wb: Workbench): Promise<void> {
  if (await wb.page.locator('.part.panel').isVisible()) await wb.runCommand('View: Hide Panel');
}

/** What the comparison panel shows that a reload must keep: its summary, its filters and the case opened. */
async function comparisonShown(wb: Workbench): Promise<Record<string, string>> {
  const frame = panel(wb);
  const value = async (testId: string, inner = '') =>
    frame
      .locator(`[data-testid="${testId}"]${inner}`)
      .evaluate((el) => String((el as unknown as { value: unknown }).value));
  const detailShown = await frame.locator('[data-testid="detail"]').isVisible();
  return {
    heading: (await frame.locator('h1').innerText()).trim(),
    wins: await text(frame, 'wins'),
    losses: await text(frame, 'losses'),
    pValue: await text(frame, 'p-value'),
    significance: await text(frame, 'significance'),
    verdict: await text(frame, 'verdict'),
    scores: `${await text(frame, 'score-a')} → ${await text(frame, 'score-b')}`,
    prompts: `${await text(frame, 'prompt-title-a')} vs ${await text(frame, 'prompt-title-b')}`,
    outcomeFilter: await value('filter-outcome'),
    modelFilter: await value('filter-model'),
    textFilter: await value('filter-text'),
    filterStatus: await text(frame, 'filter-status'),
    rows: (await rowIds(wb)).join(','),
    openCase: detailShown ? await text(frame, 'detail-title') : '(none)',
  };
}

const rowIds = async (wb: Workbench): Promise<string[]> =>
  panel(wb)
    .locator('[data-testid="row"]')
    .evaluateAll((els) => els.map((e) => e.getAttribute('data-case-id') ?? ''));

export async function evalFlow(ctx: EvalFlowContext): Promise<void> {
  const { steps } = ctx;
  mkdirSync(join(ctx.workspace, 'prompts'), { recursive: true });
  writeFileSync(join(ctx.workspace, BASE_FILE), `${BASE_PROMPT}\n`);
  writeFileSync(join(ctx.workspace, RULES_FILE), `${[BASE_PROMPT, ...SIM_RULES.map((r) => r.sentence)].join('\n')}\n`);

  await steps.step(
    'Evaluate Prompt on Suite opens the Evaluation Report panel: the grid of cases × models and the totals',
    async () => {
      const wb = ctx.workbench();
      await wb.openPromptTuner();
      await wb.runCommand('Notifications: Clear All Notifications');
      await wb.runCommand('View: Close All Editors');
      await openWorkspaceFile(wb, 'eval-base.md');
      const before = await ctx.simCalls();
      await wb.runCommand('Prompt Tuner: Evaluate Prompt on Suite');
      await answerSuite(wb, 'System prompt to evaluate');
      await wb.expectQuickInput('System prompt to evaluate');
      await wb.pickQuickItem('Current file');
      await answerModels(wb);
      const frame = panel(wb);
      await frame.locator('[data-testid="grid"]').waitFor({ state: 'visible', timeout: 60_000 });
      const tab = (await wb.page.locator('.tab.active').first().innerText()).trim();
      assert.equal(tab, 'Evaluation Report', 'the panel tab is titled "Evaluation Report"');
      assert.equal(await frame.locator('[data-testid="row"]').count(), CASES, 'a row per case');
      assert.equal(await frame.locator('[data-testid="cell"]').count(), CASES, 'one model: a cell per case');
      assert.deepEqual(
        await frame.locator('[data-testid="model-column"]').allInnerTexts(),
        [SIM_MODEL],
        'the model is the column',
      );
      const score = await text(frame, 'score');
      assert.equal(score, '31%', 'the base prompt passes 5 of 16 on the simulator');
      assert.match(await text(frame, 'totals'), /5\/16 passed/);
      const tokens = Number((await text(frame, 'tokens')).replace(/,/g, ''));
      assert.ok(tokens > 0, `tokens are counted: ${tokens}`);
      const cost = await text(frame, 'cost');
      assert.notEqual(cost, '$0.00', 'an unknown price is never shown as $0.00');
      const meta = await text(frame, 'report-meta');
      assert.match(meta, /Suite Travel desk \(suites\/travel-desk\.suite\.json\) · 16 cases × 1 model/);
      const made = (await ctx.simCalls()) - before;
      await shootPanel(wb, join(ctx.resultsDir, 'eval-report.png'));
      return `tab "${tab}", score ${score}, ${tokens} tokens, cost "${cost}", ${made} simulator calls`;
    },
    { critical: true, timeoutMs: 150_000 },
  );

  await steps.step(
    'the report filters by reason and text, and a case opens its request, answer and expected call side by side',
    async () => {
      const wb = ctx.workbench();
      await hideBottomPanel(wb);
      const frame = panel(wb);
      await choose(frame, 'filter-outcome', 'Failed');
      await waitFor(async () => ((await rowIds(wb)).length === CASES - 5 ? true : null), '11 failed cases');
      await choose(frame, 'filter-outcome', 'unexpected_call');
      const talky = await rowIds(wb);
      assert.ok(
        talky.length > 0 && talky.every((id) => id.startsWith('smalltalk')),
        `unexpected_call is the small talk: ${JSON.stringify(talky)}`,
      );
      await choose(frame, 'filter-outcome', 'All outcomes');
      await frame.locator('[data-testid="filter-text"] input').fill('date-words');
      await waitFor(async () => {
        const ids = await rowIds(wb);
        return ids.length > 0 && ids.every((id) => id.includes('date-words')) ? ids : null;
      }, 'the date-words cases');
      const cell = frame.locator('[data-testid="cell"][data-case-id="weather-date-words"]');
      await cell.click();
      const detail = frame.locator('[data-testid="detail"]');
      await detail.waitFor({ state: 'visible', timeout: 10_000 });
      assert.equal(await text(frame, 'detail-title'), `weather-date-words on ${SIM_MODEL}`);
      const outcome = await text(frame, 'answer-outcome');
      assert.equal(outcome, 'Failed: value_error', 'the base prompt passes dates as written');
      assert.match(await text(frame, 'answer-detail'), /args\.date/);
      const expected = await text(frame, 'expected-call');
      assert.match(expected, /^get_weather\(/);
      const request = await text(frame, 'detail-request');
      const tops = await frame
        .locator('.detail-col')
        .evaluateAll((els) => els.map((e) => Math.round(e.getBoundingClientRect().top)));
      assert.equal(new Set(tops).size, 1, `request, answer and expected are side by side: ${JSON.stringify(tops)}`);
      await detail.scrollIntoViewIfNeeded();
      await shootPanel(wb, join(ctx.resultsDir, 'eval-case.png'));
      // Open in Suite shows the suite file beside the panel.
      await frame.locator('[data-testid="open-in-suite"]').click();
      await wb.page
        .locator('.tabs-container .tab', { hasText: 'travel-desk.suite.json' })
        .first()
        .waitFor({ state: 'visible', timeout: 15_000 });
      return `"${outcome}"; expected "${expected}"; request "${request.slice(0, 80)}…"`;
    },
    { timeoutMs: 90_000 },
  );

  await steps.step(
    'Compare Two Prompts on two workspace files: wins, losses, the exact McNemar p and the verdict',
    async () => {
      const wb = ctx.workbench();
      await wb.runCommand('Notifications: Clear All Notifications');
      await wb.runCommand('View: Close All Editors');
      await wb.runCommand('Prompt Tuner: Compare Two Prompts');
      await answerSuite(wb, 'Prompt A: the baseline');
      await wb.expectQuickInput('Prompt A: the baseline');
      await wb.pickQuickItem('Workspace file…');
      await wb.expectQuickInput('Prompt file');
      await wb.pickQuickItem(BASE_FILE);
      await wb.expectQuickInput('Prompt B: the candidate');
      await wb.pickQuickItem('Workspace file…');
      await wb.expectQuickInput('Prompt file');
      await wb.pickQuickItem(RULES_FILE);
      await answerModels(wb);
      const frame = panel(wb);
      await frame.locator('[data-testid="comparison"]').waitFor({ state: 'visible', timeout: 90_000 });
      assert.equal((await frame.locator('h1').innerText()).trim(), 'Prompt Comparison');
      const wins = await text(frame, 'wins');
      const losses = await text(frame, 'losses');
      const p = await text(frame, 'p-value');
      const verdict = await text(frame, 'verdict');
      assert.equal(wins, '11', 'the rules fix the 11 cases the base prompt fails');
      assert.equal(losses, '0', 'and break none');
      // 11 wins, 0 losses: p = 2 · 2⁻¹¹ ≈ 0.00098.
      assert.equal(p, '< 0.001');
      assert.equal(await text(frame, 'significance'), 'significant at 0.05');
      assert.match(verdict, /^B is better: 11 wins, 0 losses, significant at 0\.05 \(exact McNemar p < 0\.001\)\.$/);
      assert.equal(await text(frame, 'score-a'), '31%');
      assert.equal(await text(frame, 'score-b'), '100%');
      assert.equal(await text(frame, 'prompt-title-a'), BASE_FILE);
      assert.equal(await text(frame, 'prompt-title-b'), RULES_FILE);
      const toast = await wb.expectToast('Compare Two Prompts: B is better', 30_000);
      await shootPanel(wb, join(ctx.resultsDir, 'eval-compare.png'));
      return `${wins} wins, ${losses} losses, p ${p}; toast "${/Compare Two Prompts: [^\n]*/.exec(toast)?.[0] ?? toast}"`;
    },
    { critical: true, timeoutMs: 180_000 },
  );

  await steps.step(
    'the comparison filters to the wins, and a win opens with A’s and B’s answers beside the request',
    async () => {
      const wb = ctx.workbench();
      await hideBottomPanel(wb);
      const frame = panel(wb);
      // The filters outlive a report (the text filter from the single-prompt report is still set): start clean.
      await frame.locator('[data-testid="filter-text"] input').fill('');
      // The comparison's cards push the filters to the bottom of a short panel, where the outcome list opens
      // cut off below its fourth option: bring the filters to the top first, as a user would scroll.
      await frame
        .locator('[data-testid="filter-outcome"]')
        .evaluate((el) =>
          (el as unknown as { scrollIntoView(o: { block: string }): void }).scrollIntoView({ block: 'start' }),
        );
      await choose(frame, 'filter-outcome', 'Wins (B passed, A failed)');
      await waitFor(async () => ((await rowIds(wb)).length === 11 ? true : null), 'the 11 wins');
      await choose(frame, 'filter-outcome', 'Losses (A passed, B failed)');
      assert.equal(await frame.locator('[data-testid="rows-empty"]').innerText(), 'No case matches the filters.');
      await choose(frame, 'filter-outcome', 'Changed (wins and losses)');
      const cell = frame.locator('[data-testid="cell"][data-case-id="cancel-and-weather"]');
      await cell.click();
      await frame.locator('[data-testid="detail"]').waitFor({ state: 'visible', timeout: 10_000 });
      const a = await text(frame, 'detail-answer-a');
      const b = await text(frame, 'detail-answer-b');
      assert.match(a, /Failed: (call_count|no_call)/, `A makes only the first call: "${a.slice(0, 120)}"`);
      assert.match(b, /Passed/, `B makes both: "${b.slice(0, 120)}"`);
      assert.equal(await frame.locator('.detail-col').count(), 4, 'request, A, B and expected');
      await frame.locator('[data-testid="detail"]').scrollIntoViewIfNeeded();
      await shootPanel(wb, join(ctx.resultsDir, 'eval-compare-case.png'));
      return `A "${a.slice(0, 60)}…", B "${b.slice(0, 60)}…"`;
    },
    { timeoutMs: 60_000 },
  );

  await steps.step(
    'after Developer: Reload Window the Evaluation Report comes back with the comparison, its filters and the open case',
    async () => {
      const wb = ctx.workbench();
      const before = await comparisonShown(wb);
      assert.equal(before.heading, 'Prompt Comparison', 'the comparison is what the reload starts from');
      const reloadMs = await wb.reloadWindow();
      // VS Code puts the panel back (its tab, then its webview) and the webview redraws from its saved state.
      const tab = wb.page.locator('.tabs-container .tab', { hasText: 'Evaluation Report' }).first();
      await tab.waitFor({ state: 'visible', timeout: 60_000 });
      const frame = panel(wb);
      await frame.locator('[data-testid="comparison"]').waitFor({ state: 'visible', timeout: 60_000 });
      await frame.locator('[data-testid="detail"]').waitFor({ state: 'visible', timeout: 10_000 });
      const after = await comparisonShown(wb);
      assert.deepEqual(after, before, 'the reloaded panel shows what it showed before the reload');
      assert.equal(after.outcomeFilter, 'changed', 'the outcome filter is still "Changed (wins and losses)"');
      await frame.locator('[data-testid="detail"]').scrollIntoViewIfNeeded();
      await shootPanel(wb, join(ctx.resultsDir, 'eval-compare-reloaded.png'));
      // A case still opens its detail after the reload, with A's and B's answers.
      await frame.locator('[data-testid="close-detail"]').click();
      await frame.locator('[data-testid="detail"]').waitFor({ state: 'hidden', timeout: 10_000 });
      const other = (await rowIds(wb)).find((id) => id !== 'cancel-and-weather');
      assert.ok(other, 'another changed case to open');
      await frame.locator(`[data-testid="cell"][data-case-id="${other}"]`).click();
      await frame.locator('[data-testid="detail"]').waitFor({ state: 'visible', timeout: 10_000 });
      assert.equal(await text(frame, 'detail-title'), `${other} on ${SIM_MODEL}`);
      assert.match(await text(frame, 'detail-answer-a'), /Failed/, 'a win: A failed');
      assert.match(await text(frame, 'detail-answer-b'), /Passed/, 'a win: B passed');
      // The restored panel's host has the report too (the webview could draw its saved copy alone): Open in
      // Suite names a case the host looks up in its own report and opens the suite file it found again.
      await frame.locator('[data-testid="open-in-suite"]').click();
      await wb.page
        .locator('.tabs-container .tab', { hasText: 'travel-desk.suite.json' })
        .first()
        .waitFor({ state: 'visible', timeout: 15_000 });
      return (
        `reloaded in ${reloadMs} ms; ${after.wins} wins, ${after.losses} losses, p ${after.pValue}; ` +
        `filter "${after.outcomeFilter}" (${after.filterStatus}); open case "${after.openCase}"; then ${other} opened`
      );
    },
    { timeoutMs: 180_000 },
  );
}
