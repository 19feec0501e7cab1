/// <reference lib="dom" />
// The tuning run view's score chart (uPlot, in the built bundle) in headless Chromium under the panel's real CSP:
// what it draws, in which colours, what hover and the keyboard read out, and its text alternative.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Locator } from 'playwright-core';
import { TUNING_PAGE } from '../../src/extension/tuning/tuningPage';
import { parseWebviewMessage, type HostMessage, type WebviewMessage } from '../../src/protocol/tuningPanel';
import { SCREENSHOT_DIR, usePanelTestBed, type PanelSession, type PanelUnderTest } from './harness';
import { HOSTILE, options, runningSnapshot } from './fixtures';
import { THEMES, type ThemeName } from './themes';

const TUNING: PanelUnderTest = { page: TUNING_PAGE, parse: parseWebviewMessage, viewportWidth: 1000 };

type Rgb = [number, number, number];
const rgb = (hex: string): Rgb => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as Rgb;
/** The theme's colour of the best line (charts-blue, else the link colour, as the chart's CSS says). */
const bestColour = (theme: ThemeName): Rgb =>
  rgb(THEMES[theme].vars['charts-blue'] ?? THEMES[theme].vars['textLink-foreground']!);

describe('tuning score chart (webview in Chromium)', function () {
  this.timeout(60_000);
  const bed = usePanelTestBed<WebviewMessage, HostMessage>(TUNING);
  let s: PanelSession<WebviewMessage, HostMessage>;
  beforeEach(() => {
    s = bed.session;
  });

  const chart = (model: string): Locator => s.page.locator(`[data-testid="score-chart-model"][data-model="${model}"]`);
  const readout = (c: Locator) => c.locator('[data-testid="chart-readout"]');

  async function showRun(snapshot = runningSnapshot()): Promise<void> {
    await s.send({ type: 'options/didChange', options: options() });
    await s.send({ type: 'run/didChange', snapshot, reveal: true });
    await s.page.waitForFunction(() =>
      Array.from(document.querySelectorAll('pt-line-chart')).every((c) => c.shadowRoot?.querySelector('canvas')),
    );
  }

  /** Pixels of the chart's canvas within a small distance of this colour. */
  async function pixelsOf(c: Locator, colour: Rgb): Promise<number> {
    return c.evaluate((el, [r, g, b]) => {
      const canvas = el.shadowRoot!.querySelector('canvas')!;
      const d = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4)
        if (Math.abs(d[i]! - r) + Math.abs(d[i + 1]! - g) + Math.abs(d[i + 2]! - b) < 24 && d[i + 3]! > 200) n++;
      return n;
    }, colour);
  }

  /** Moves the mouse over the plot area at this share of its width. */
  async function hover(c: Locator, share: number): Promise<void> {
    const box = await c.locator('.u-over').boundingBox();
    assert.ok(box, 'the plot area is laid out');
    await s.page.mouse.move(box.x + box.width * share, box.y + box.height / 2);
  }

  it('draws a chart per target model and one for the overall score, with best, mean and the base line', async () => {
    await showRun();
    const charts = s.page.locator('[data-testid="score-chart-model"]');
    assert.deepEqual(await charts.evaluateAll((els) => els.map((e) => e.getAttribute('data-model'))), [
      'all',
      'openai/gpt-4o-mini',
      'ollama/llama3.1',
    ]);
    assert.equal(await s.page.locator('[data-testid="score-chart"] canvas').count(), 3, 'one uPlot canvas each');
    assert.deepEqual(await chart('openai/gpt-4o-mini').locator('[data-testid=chart-legend-item]').allInnerTexts(), [
      'Best',
      'Mean',
      'Base prompt 30%',
    ]);
    // uPlot's own stylesheet applies inside the chart (adopted, not a <style> the CSP would refuse).
    assert.equal(
      await chart('all')
        .locator('.u-over')
        .evaluate((el) => getComputedStyle(el).position),
      'absolute',
    );
    // The numbers, as the text alternative gives them: generation 1 leaves the base prompt out.
    const rows = await chart('openai/gpt-4o-mini')
      .locator('tbody tr')
      .evaluateAll((trs) => trs.map((tr) => Array.from(tr.children).map((td) => td.textContent.trim())));
    assert.deepEqual(rows, [
      ['1', '80%', 'g1-p2', '65%', '2'],
      ['2', '80%', 'g2-p1', '80%', '1'],
    ]);
    // (textContent: the table is in a closed <details> until asked for.)
    assert.match(
      (await chart('openai/gpt-4o-mini').locator('caption').textContent()) ?? '',
      /openai\/gpt-4o-mini: score per generation; base prompt g1-p1 30%/,
    );
    await s.setTheme('dark');
    await s.screenshot('chart-dark');
  });

  it('hover shows the generation, its best prompt id, the mean and the base prompt', async () => {
    await showRun();
    const all = chart('all');
    assert.match(await readout(all).innerText(), /Hover a generation/);
    await hover(all, 0.02);
    await assertEventually(
      async () => readout(all).innerText(),
      'Generation 1: best 75% (g1-p2), mean 63% of 2 prompts; base prompt 30% (g1-p1)',
    );
    // A theme change builds the plot again: the readout (and uPlot's cursor) stay on the hovered generation.
    await s.setTheme('dark');
    await s.page.waitForTimeout(100);
    assert.match(await readout(all).innerText(), /^Generation 1: best 75% \(g1-p2\)/);
    await all.screenshot({ path: join(SCREENSHOT_DIR, 'chart-hover-dark.png') });
    await hover(all, 0.98);
    // Generation 3 is planned but not started: the nearest generation with data is 2.
    await assertEventually(
      async () => readout(all).innerText(),
      'Generation 2: best 75% (g2-p1), mean 75% of 1 prompt; base prompt 30% (g1-p1)',
    );
    await hover(chart('ollama/llama3.1'), 0.02);
    await assertEventually(
      async () => readout(chart('ollama/llama3.1')).innerText(),
      'Generation 1: best 70% (g1-p2), mean 60% of 2 prompts; base prompt 30% (g1-p1)',
    );
  });

  it('reads each generation from the keyboard: the plot is a slider over the generations', async () => {
    await showRun();
    const all = chart('all');
    const plot = all.locator('[data-testid="chart-plot"]');
    assert.equal(await plot.getAttribute('role'), 'slider');
    assert.match((await plot.getAttribute('aria-label')) ?? '', /All target models: use the arrow keys/);
    // Tab reaches the plot (after the buttons before it).
    for (let i = 0; i < 20; i++) {
      await s.page.keyboard.press('Tab');
      const focused = await all.evaluate((el) => el.shadowRoot?.activeElement?.getAttribute('data-testid') ?? null);
      if (focused === 'chart-plot') break;
    }
    assert.equal(
      await all.evaluate((el) => el.shadowRoot?.activeElement?.getAttribute('data-testid')),
      'chart-plot',
      'the plot takes keyboard focus',
    );
    await s.settle();
    assert.match(await readout(all).innerText(), /^Generation 2: best 75% \(g2-p1\)/, 'focus starts at the last');
    await s.page.keyboard.press('ArrowLeft');
    await s.settle();
    assert.match(await readout(all).innerText(), /^Generation 1: best 75% \(g1-p2\)/);
    assert.equal(await plot.getAttribute('aria-valuenow'), '1');
    assert.equal(await plot.getAttribute('aria-valuetext'), await readout(all).innerText());
    await s.page.keyboard.press('ArrowLeft');
    await s.settle();
    assert.equal(await plot.getAttribute('aria-valuenow'), '1', 'stays at the first');
    await s.page.keyboard.press('End');
    await s.settle();
    assert.equal(await plot.getAttribute('aria-valuenow'), '2');
    // The keyboard cursor is uPlot's too: its crosshair sits over generation 2.
    const [cursorX, plotBox] = await all.evaluate((el) => {
      const x = el.shadowRoot!.querySelector<HTMLElement>('.u-cursor-x')!.getBoundingClientRect().left;
      const over = el.shadowRoot!.querySelector<HTMLElement>('.u-over')!.getBoundingClientRect();
      return [x, { left: over.left, width: over.width }] as const;
    });
    // x range 0.7 … 3.3 (planned 3 generations): generation 2 at half the width.
    assert.ok(Math.abs(cursorX - (plotBox.left + plotBox.width * 0.5)) < 3, `crosshair at generation 2 (${cursorX})`);
  });

  it('is coloured from the theme and drawn again when the theme changes', async () => {
    await s.setTheme('dark');
    await showRun();
    const c = chart('openai/gpt-4o-mini');
    const darkBlue = bestColour('dark');
    const lightBlue = bestColour('light');
    assert.ok((await pixelsOf(c, darkBlue)) > 100, 'the best line in the dark theme colour');
    assert.equal(await pixelsOf(c, lightBlue), 0);
    await s.setTheme('light');
    await s.page.waitForTimeout(100);
    assert.ok((await pixelsOf(c, lightBlue)) > 100, 'drawn again in the light theme colour');
    assert.equal(await pixelsOf(c, darkBlue), 0, 'nothing left in the dark colour');
    assert.equal(await c.getAttribute('high-contrast'), null);
  });

  it('draws thicker lines and distinct dash patterns in high contrast, not colour alone', async () => {
    await s.setTheme('dark');
    await showRun();
    const c = chart('openai/gpt-4o-mini');
    const thin = await pixelsOf(c, bestColour('dark'));
    const dashes = () =>
      c
        .locator('[data-testid=chart-legend-item] line')
        .evaluateAll((ls) => ls.map((l) => l.getAttribute('stroke-dasharray')));
    const normalDashes = await dashes();
    assert.equal(new Set(normalDashes).size, 3, `three different dash patterns: ${normalDashes.join(' | ')}`);

    await s.setTheme('high-contrast');
    await s.page.waitForTimeout(100);
    assert.equal(await c.getAttribute('high-contrast'), '', 'the chart knows the theme is high contrast');
    const thick = await pixelsOf(c, bestColour('high-contrast'));
    assert.ok(thick > thin * 1.4, `thicker best line in high contrast (${thick} px vs ${thin} px)`);
    const hcDashes = await dashes();
    assert.equal(new Set(hcDashes).size, 3);
    assert.deepEqual(hcDashes[0], 'none', 'best is solid');
    const widths = await c
      .locator('[data-testid=chart-legend-item] line')
      .evaluateAll((ls) => ls.map((l) => Number(l.getAttribute('stroke-width'))));
    assert.ok(
      widths.every((w) => w >= 2.5),
      `legend strokes are thick too: ${widths.join(', ')}`,
    );
    // Best and mean markers differ by fill, so a single point tells them apart without colour.
    assert.deepEqual(
      await c
        .locator('[data-testid=chart-legend-item] circle')
        .evaluateAll((cs) => cs.map((e) => e.getAttribute('class'))),
      ['primary filled', 'secondary hollow'],
    );
    await s.screenshot('chart-high-contrast');
  });

  it('gives screen readers a summary and a table, and passes axe-core in dark and high contrast', async () => {
    await showRun();
    const all = chart('all');
    assert.equal(
      await all.locator('#summary').innerText(),
      'All target models: best 75% in generation 1 and 75% in generation 2 (g2-p1); mean 63% then 75%. ' +
        'The base prompt (g1-p1) scored 30%.',
    );
    assert.equal(await all.locator('[data-testid=chart-plot]').getAttribute('aria-describedby'), 'summary');
    assert.equal(
      await all
        .locator('canvas')
        .first()
        .evaluate((el) => el.closest('[aria-hidden="true"]') !== null),
      true,
    );
    for (const theme of ['dark', 'high-contrast'] as ThemeName[]) {
      await s.setTheme(theme);
      for (const d of await s.page.locator('[data-testid=chart-table] summary').all()) await d.click();
      await s.settle();
      assert.equal(await all.locator('table').isVisible(), true);
      await s.assertAxeClean(`the score chart (${theme})`);
      for (const d of await s.page.locator('[data-testid=chart-table] summary').all()) await d.click();
    }
  });

  it('charts a quick run (one generation), updates in place as scores arrive, and shows model names as text', async () => {
    const hostile = `evil/${HOSTILE}`;
    const base = runningSnapshot();
    const gen1 = base.generations[0]!;
    const onHostile = (c: (typeof gen1.candidates)[number]) => ({
      ...c,
      perModel: c.perModel.map((m) => ({ ...m, model: m.model === 'ollama/llama3.1' ? hostile : m.model })),
    });
    const quick = (scored: boolean) =>
      runningSnapshot({
        mode: 'quick',
        generationsPlanned: 1,
        currentGeneration: 1,
        targetModels: ['openai/gpt-4o-mini', hostile],
        generations: [
          {
            ...gen1,
            complete: scored,
            candidates: gen1.candidates.map((c) =>
              onHostile(!scored && c.id === 'g1-p3' ? { ...c, score: null, perModel: [] } : c),
            ),
          },
        ],
      });
    await s.setTheme('light');
    await showRun(quick(false));
    const model = chart('openai/gpt-4o-mini');
    assert.deepEqual(await model.locator('tbody tr').first().locator('th, td').allTextContents(), [
      '1',
      '80%',
      'g1-p2',
      '80%',
      '1',
    ]);
    // Best equals mean here (one prompt scored), one point each: the best dot shows inside the mean's ring.
    const meanColour = rgb(THEMES.light.vars['editorWarning-foreground']!);
    assert.ok((await pixelsOf(model, meanColour)) > 10, 'the mean ring is drawn');
    assert.ok((await pixelsOf(model, bestColour('light'))) > 10, 'the best dot is not hidden under the mean ring');
    const canvasBefore = await model.locator('canvas').elementHandle();
    await s.send({ type: 'run/didChange', snapshot: quick(true), reveal: false });
    await s.settle();
    assert.deepEqual(await model.locator('tbody tr').first().locator('th, td').allTextContents(), [
      '1',
      '80%',
      'g1-p2',
      '65%',
      '2',
    ]);
    assert.equal(
      await model.locator('canvas').evaluate((el, before) => el === before, canvasBefore),
      true,
      'new data, same plot (setData, not a new chart)',
    );
    // A snapshot whose scores did not change (a progress message) leaves the charts alone: the very same spec.
    await model.evaluate(
      (el) => ((window as unknown as { __spec: unknown }).__spec = (el as unknown as { spec: unknown }).spec),
    );
    await s.send({ type: 'run/didChange', snapshot: { ...quick(true), callsDone: 99 }, reveal: false });
    assert.equal(
      await model.evaluate(
        (el) => (window as unknown as { __spec: unknown }).__spec === (el as unknown as { spec: unknown }).spec,
      ),
      true,
      'an unchanged series is not handed to the chart again',
    );
    await model.locator('[data-testid=chart-plot]').focus();
    await s.settle();
    assert.match(await readout(model).innerText(), /^Generation 1: best 80% \(g1-p2\), mean 65% of 2 prompts/);
    // One point per line: both still visible (best filled, mean hollow) in the best colour and the mean colour.
    assert.ok((await pixelsOf(model, bestColour('light'))) > 20);

    assert.equal(await s.page.locator('img').count(), 0);
    const hostileChart = s.page.locator('[data-testid="score-chart-model"]').nth(2);
    assert.equal(await hostileChart.getAttribute('data-model'), hostile);
    assert.equal(
      await hostileChart.evaluate((el) => {
        const root = el.shadowRoot!;
        return root.querySelector('img, b, script') === null && root.querySelector('figcaption')!.textContent;
      }),
      hostile,
    );
    assert.equal(await s.page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
    assert.deepEqual(await s.cspViolations(), []);
  });

  it('shows nothing before any prompt or the base prompt has a score', async () => {
    await s.send({ type: 'options/didChange', options: options() });
    const g = runningSnapshot().generations[0]!;
    await s.send({
      type: 'run/didChange',
      snapshot: runningSnapshot({
        baseScore: null,
        best: null,
        generations: [{ ...g, candidates: g.candidates.map((c) => ({ ...c, score: null, perModel: [] })) }],
      }),
      reveal: true,
    });
    assert.equal(await s.byId('generation').count(), 1);
    assert.equal(await s.byId('score-chart').count(), 0);
  });
});

async function assertEventually(read: () => Promise<string>, expected: string, timeoutMs = 2000): Promise<void> {
  const until = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < until) {
    last = await read();
    if (last === expected) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(last, expected);
}
