/// <reference lib="dom" />
// The built evaluation report panel in headless Chromium against a fake host: the grid of cases × models,
// the filters, a case opened side by side, the totals (unknown cost never $0.00), pass^k with repeats, two
// prompts compared, model output holding HTML shown as text, and axe-core in the dark and high-contrast themes.
import assert from 'node:assert/strict';
import { EVAL_PAGE } from '../../src/extension/evalReport/evalPage';
import { parseWebviewMessage, type HostMessage, type WebviewMessage } from '../../src/protocol/evalPanel';
import { HOSTILE, MODELS, compareReport, repeatReport, singleReport } from './evalFixtures';
import { usePanelTestBed, type PanelSession, type PanelUnderTest } from './harness';
import type { ThemeName } from './themes';

const EVAL: PanelUnderTest = { page: EVAL_PAGE, parse: parseWebviewMessage, viewportWidth: 1200 };
const [GPT, CLAUDE] = MODELS as [string, string];

describe('evaluation report panel (webview in Chromium)', function () {
  this.timeout(60_000);
  const bed = usePanelTestBed<WebviewMessage, HostMessage>(EVAL);
  let s: PanelSession<WebviewMessage, HostMessage>;
  beforeEach(() => {
    s = bed.session;
  });
  const page = () => s.page;
  const byId = (id: string) => s.byId(id);
  const cell = (caseId: string, model: string) =>
    page().locator(`[data-testid=cell][data-case-id="${caseId}"][data-model="${model}"]`);
  const rowIds = () => byId('row').evaluateAll((els) => els.map((e) => e.getAttribute('data-case-id')));

  it('says ready first, shows Loading until the host answers, and says so when no evaluation ran yet', async () => {
    await page().waitForTimeout(200);
    assert.deepEqual(await s.posted(), [{ type: 'webview/ready' }]);
    assert.match(await page().locator('eval-app').innerText(), /Loading/);
    await s.send({ type: 'report/didChange', report: null });
    assert.match(await byId('no-report').innerText(), /No evaluation ran in this window yet/);
  });

  it('draws the grid of cases × models with outcome, reason and latency, and the totals with tokens and cost', async () => {
    await s.send({ type: 'report/didChange', report: singleReport() });
    assert.match(
      await byId('report-meta').innerText(),
      /Suite Travel desk \(suites\/travel\.suite\.json\) · 4 cases × 2 models/,
    );
    assert.deepEqual(await rowIds(), ['weather-iso', 'weather-date-words', 'smalltalk-thanks', 'hotel-nights']);
    assert.deepEqual(await byId('model-column').allInnerTexts(), MODELS);
    assert.equal(await byId('cell').count(), 8);
    assert.match(await cell('weather-iso', GPT).innerText(), /pass\s+320 ms/);
    assert.match(await cell('weather-date-words', CLAUDE).innerText(), /value_error\s+1\.5 s/);
    // A screen reader hears which case and model a cell is, then what it shows.
    assert.match(
      await cell('hotel-nights', CLAUDE).innerText(),
      new RegExp(`^hotel-nights on ${CLAUDE}:\\s+missing_arg`),
    );
    assert.equal(await byId('pass-hat-k-column').count(), 0, 'no pass^k column without repeats');

    // 4 of 8 passed; 8 calls × 420 tokens; Claude's price is unknown, so the cost is GPT's part + unknown.
    assert.equal(await byId('score').innerText(), '50%');
    assert.equal(await byId('tokens').innerText(), '3,360');
    assert.equal(await byId('cost').innerText(), '$0.0005 + unknown');
    assert.match(await byId('totals').innerText(), /some prices unknown/);
    assert.deepEqual(
      (await byId('model-score').allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim()),
      [`${GPT} 50% 2/4`, `${CLAUDE} 50% 2/4`],
    );
    assert.equal(await byId('pass-hat-k').count(), 0);
  });

  it('never shows an unknown cost as $0.00', async () => {
    const report = singleReport();
    const run = report.runs[0]!;
    run.costUsd = 0;
    run.costIncomplete = true;
    await s.send({ type: 'report/didChange', report });
    assert.equal(await byId('cost').innerText(), 'unknown');
    await cell('weather-iso', CLAUDE).click();
    await s.settle();
    assert.match(await byId('answer-meta').innerText(), /· unknown\s*$/);
  });

  it('filters by outcome, by reason, by model and by text, and says how many are shown', async () => {
    await s.send({ type: 'report/didChange', report: singleReport() });
    await s.choose('filter-outcome', 'Failed');
    assert.deepEqual(await rowIds(), ['weather-date-words', 'smalltalk-thanks', 'hotel-nights']);
    assert.match(await byId('filter-status').innerText(), /^Showing 3 of 4 cases\.\s+Clear filters$/);
    await s.choose('filter-outcome', 'missing_arg (1)');
    assert.deepEqual(await rowIds(), ['hotel-nights']);
    await s.choose('filter-model', GPT);
    assert.equal(await byId('rows-empty').innerText(), 'No case matches the filters.');
    await s.choose('filter-outcome', 'Passed');
    assert.deepEqual(await byId('model-column').allInnerTexts(), [GPT], 'only the chosen model is a column');
    assert.deepEqual(await rowIds(), ['weather-iso', 'hotel-nights']);
    await byId('clear-filters').click();
    await s.settle();
    assert.equal(await byId('row').count(), 4);

    // Text: the case id, the conversation, the answer and the detail are searched.
    await byId('filter-text').locator('input').fill('oslo');
    await s.settle();
    assert.deepEqual(await rowIds(), ['weather-date-words'], 'the user message');
    await byId('filter-text').locator('input').fill('sure!');
    await s.settle();
    assert.deepEqual(await rowIds(), ['smalltalk-thanks'], "a model's answer");
    await byId('filter-text').locator('input').fill('args.nights');
    await s.settle();
    assert.deepEqual(await rowIds(), ['hotel-nights']);

    // The filters survive a reload (view state); the host sends the report again.
    await page().reload();
    await page().waitForFunction(() => (window as unknown as { __posted: unknown[] }).__posted.length > 0);
    await s.send({ type: 'report/didChange', report: singleReport() });
    assert.deepEqual(await rowIds(), ['hotel-nights']);
  });

  it('keeps the report in its saved state and draws it again from that state alone after a reload', async () => {
    const savedState = () =>
      page().evaluate(() => JSON.parse(sessionStorage.getItem('vscodeState') ?? 'null') as unknown);
    await s.send({ type: 'report/didChange', report: compareReport() });
    await s.choose('filter-outcome', 'Changed (wins and losses)');
    const saved = (await savedState()) as { v: number; report: unknown };
    assert.equal(saved.v, 2);
    assert.deepEqual(saved.report, compareReport(), 'the whole report is saved with the panel');

    // A window reload: the host has no report of its own and says nothing; the page draws the saved one.
    await page().reload();
    await page().waitForFunction(() => (window as unknown as { __posted: unknown[] }).__posted.length > 0);
    await s.settle();
    assert.deepEqual(await s.posted(), [{ type: 'webview/ready' }]);
    assert.doesNotMatch(await page().locator('eval-app').innerText(), /Loading/);
    assert.match(await page().locator('h1').innerText(), /Prompt Comparison/);
    assert.match(await byId('verdict').innerText(), /B looks better \(2 wins, 1 loss\)/);
    assert.deepEqual(await rowIds(), ['weather-iso', 'weather-date-words'], 'with its filters');
    await cell('weather-iso', CLAUDE).click();
    await s.settle();
    assert.match(await byId('detail-answer-b').innerText(), /Failed: wrong_tool/);

    // The single-prompt report the same way; the host's copy (the one it restored) then changes nothing.
    await s.send({ type: 'report/didChange', report: singleReport() });
    await page().reload();
    await page().waitForFunction(() => (window as unknown as { __posted: unknown[] }).__posted.length > 0);
    await s.settle();
    assert.match(await byId('report-meta').innerText(), /Suite Travel desk .* 4 cases × 2 models/);
    assert.equal(await byId('score').innerText(), '50%');
    assert.equal(await byId('cell').count(), 8);
    await s.send({ type: 'report/didChange', report: singleReport() });
    assert.equal(await byId('cell').count(), 8);
  });

  it('after a reload says so when the report was too large to keep', async () => {
    await page().evaluate(() =>
      sessionStorage.setItem(
        'vscodeState',
        JSON.stringify({
          v: 2,
          report: null,
          filter: { outcome: '', model: '', text: '' },
          open: null,
          notKept: 'Big',
        }),
      ),
    );
    await page().reload();
    await page().waitForFunction(() => (window as unknown as { __posted: unknown[] }).__posted.length > 0);
    await s.send({ type: 'report/didChange', report: null });
    assert.match(
      await byId('no-report').innerText(),
      /The last report \(suite Big\) was too large to keep across a reload of the window/,
    );
  });

  it('opens a case with the keyboard: request, answer and expected call side by side; Escape closes and gives the focus back', async () => {
    await s.send({ type: 'report/didChange', report: singleReport() });
    await cell('weather-date-words', GPT).focus();
    await page().keyboard.press('Enter');
    await s.settle();
    assert.equal(
      await page().evaluate(() => document.activeElement?.getAttribute('data-testid')),
      'detail-title',
      'the opened case takes the focus',
    );
    assert.equal((await byId('detail-title').innerText()).trim(), `weather-date-words on ${GPT}`);
    assert.equal(await cell('weather-date-words', GPT).getAttribute('aria-expanded'), 'true');
    assert.match(await byId('detail-request').innerText(), /Weather in Oslo on December 5\?/);
    assert.equal(await byId('answer-outcome').innerText(), 'Failed: value_error');
    assert.equal(await byId('answer-detail').innerText(), 'args.date: expected "2026-12-05", got "December 5"');
    assert.match(
      await byId('answer-call').innerText(),
      /^get_weather\(\{\s+"city": "Oslo",\s+"date": "December 5"\s+\}\)$/,
    );
    assert.equal(await byId('expected-call').innerText(), 'get_weather({"city":"Oslo","date":"2026-12-05"})');
    // Side by side: the three columns start on the same line.
    const tops = await page()
      .locator('.detail-col')
      .evaluateAll((els) => els.map((e) => Math.round(e.getBoundingClientRect().top)));
    assert.equal(tops.length, 3);
    assert.equal(new Set(tops).size, 1, `the columns are side by side: ${JSON.stringify(tops)}`);

    await byId('open-in-suite').click();
    assert.deepEqual((await s.posted()).at(-1), { type: 'case/openInSuite', caseId: 'weather-date-words' });

    await byId('detail-title').focus();
    await page().keyboard.press('Escape');
    await s.settle();
    assert.equal(await byId('detail').count(), 0);
    assert.equal(
      await page().evaluate(() => document.activeElement?.getAttribute('data-case-id')),
      'weather-date-words',
      'the focus is back on the cell',
    );
    // Show Log and Compare post their messages.
    await s.clearPosted();
    await byId('show-log').click();
    await byId('compare').click();
    assert.deepEqual(await s.posted(), [{ type: 'log/show' }, { type: 'compare/start' }]);
  });

  it('with repeats shows k/K per cell, a pass^k column and the pass^k total', async () => {
    await s.send({ type: 'report/didChange', report: repeatReport() });
    assert.match(await byId('report-meta').innerText(), /× 3 tries/);
    assert.equal(await byId('pass-hat-k-column').innerText(), 'pass^3');
    assert.match(await cell('weather-iso', GPT).innerText(), /2\/3 pass · value_error/);
    assert.match(await cell('weather-iso', CLAUDE).innerText(), /3\/3 pass/);
    assert.deepEqual(await byId('row-pass-hat-k').allInnerTexts(), ['1/2', '0/2', '1/2', '1/2']);
    // 3 of 8 case × model pairs passed every try.
    assert.equal(await byId('pass-hat-k').innerText(), '38%');
    await cell('weather-iso', GPT).click();
    await s.settle();
    assert.equal(await byId('answer').count(), 3, 'every try is shown');
    assert.deepEqual(await byId('answer-outcome').allInnerTexts(), ['Passed', 'Failed: value_error', 'Passed']);
  });

  it('compares two prompts: verdict, wins and losses, p-value, per-model table, A → B in each cell, filters for changes', async () => {
    await s.send({ type: 'report/didChange', report: compareReport() });
    assert.match(await page().locator('h1').innerText(), /Prompt Comparison/);
    assert.equal(await byId('wins').innerText(), '2');
    assert.equal(await byId('losses').innerText(), '1');
    assert.equal(await byId('ties').innerText(), '5');
    // 2 wins, 1 loss: exact two-sided p = 2·P(X ≤ 1 | n = 3) = 1.
    assert.equal(await byId('p-value').innerText(), '1');
    assert.equal(await byId('significance').innerText(), 'not significant at 0.05');
    assert.match(
      await byId('verdict').innerText(),
      /B looks better \(2 wins, 1 loss\) but the difference is not significant/,
    );
    assert.equal(await byId('comparison-model').count(), 2);
    assert.equal(await byId('prompt-title-a').innerText(), 'base-prompt.md');
    assert.equal(await byId('prompt-title-b').innerText(), 'rules-prompt.md');
    assert.equal(await byId('score-a').innerText(), '50%');
    assert.equal(await byId('score-b').innerText(), '63%');

    const c = cell('weather-date-words', GPT);
    assert.match(await c.innerText(), /A\s+value_error.*B\s+pass.*win/s);
    assert.match(await c.innerText(), new RegExp(`^weather-date-words on ${GPT}:\\s+A`));
    await s.choose('filter-outcome', 'Losses (A passed, B failed)');
    assert.deepEqual(await rowIds(), ['weather-iso']);
    await s.choose('filter-outcome', 'Changed (wins and losses)');
    assert.deepEqual(await rowIds(), ['weather-iso', 'weather-date-words']);

    // The case opened shows both answers beside the request and the expected call.
    await cell('weather-iso', CLAUDE).click();
    await s.settle();
    assert.equal(await page().locator('.detail-col').count(), 4);
    assert.match(await byId('detail-answer-a').innerText(), /Passed/);
    assert.match(await byId('detail-answer-b').innerText(), /Failed: wrong_tool/);
    assert.match(await byId('detail-request').innerText(), /System prompt A[\s\S]*System prompt B/);
  });

  it('shows model output and failure details containing HTML as literal text, never as markup', async () => {
    await s.send({ type: 'report/didChange', report: singleReport() });
    await cell('smalltalk-thanks', GPT).click();
    await s.settle();
    assert.equal(await page().locator('eval-app img').count(), 0, 'no <img> element created');
    assert.equal(await page().locator('eval-app b:has-text("bold")').count(), 0, 'no <b> element created');
    assert.equal(await page().locator('eval-app script').count(), 0, 'no <script> element created');
    assert.equal(await page().evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
    assert.equal(await byId('answer-text').innerText(), `Sure! ${HOSTILE}`);
    assert.match(await byId('answer-detail').innerText(), /<img src=x onerror=/);
    assert.match(await byId('detail-request').innerText(), /Thanks! <img src=x/);
  });

  it('renders in high contrast: theme borders on the cells and the answer, text and background apart', async () => {
    await s.setTheme('high-contrast');
    await s.send({ type: 'report/didChange', report: compareReport() });
    await cell('weather-iso', CLAUDE).click();
    await s.settle();
    const cellBorder = await cell('hotel-nights', GPT).evaluate((el) => getComputedStyle(el).borderTopColor);
    assert.equal(cellBorder, 'rgb(111, 195, 223)', 'cells are outlined by the contrast border');
    const label = await page()
      .locator('.run-label')
      .first()
      .evaluate((el) => getComputedStyle(el).borderTopColor);
    assert.equal(label, 'rgb(111, 195, 223)');
    assert.equal(await page().evaluate(() => getComputedStyle(document.body).backgroundColor), 'rgb(0, 0, 0)');
    assert.equal(await page().evaluate(() => getComputedStyle(document.body).color), 'rgb(255, 255, 255)');
    await s.screenshot('eval-compare-high-contrast');
  });

  for (const theme of ['dark', 'high-contrast'] as ThemeName[]) {
    it(`passes axe-core (no serious or critical violation) on the report, a case opened and the comparison in the ${theme} theme`, async () => {
      await s.setTheme(theme);
      await s.send({ type: 'report/didChange', report: singleReport() });
      await cell('smalltalk-thanks', GPT).click();
      await s.settle();
      await s.screenshot(`eval-report-${theme}`);
      await s.assertAxeClean(`the report (${theme})`);
      await s.send({ type: 'report/didChange', report: repeatReport() });
      await s.screenshot(`eval-repeat-${theme}`);
      await s.assertAxeClean(`the report with repeats (${theme})`);
      await s.send({ type: 'report/didChange', report: compareReport() });
      await cell('weather-date-words', CLAUDE).click();
      await s.settle();
      await s.screenshot(`eval-compare-${theme}`);
      await s.assertAxeClean(`the comparison (${theme})`);
    });
  }

  it('renders in the light theme too (screenshot)', async () => {
    await s.setTheme('light');
    await s.send({ type: 'report/didChange', report: singleReport() });
    await cell('weather-date-words', GPT).click();
    await s.settle();
    assert.equal(await byId('detail').count(), 1);
    await s.screenshot('eval-report-light');
  });
});
