// Issue 4's tuning flow in a real VS Code, against the model simulator: open the panel, configure a Quick
// run, run it to completion, see the best-prompt card and the toast, Apply to Context, and find the tuned
// version in the library tree. The simulator's counters are a second witness (calls made = estimate).
import { strict as assert } from 'node:assert';
import { choose, panel } from './panelFrame';
import type { StepRunner } from './steps';
import type { Workbench } from './workbench';

/** The example suite is copied into the workspace under this path. */
export const TUNING_SUITE_PATH = 'suites/travel-desk.suite.json';
/** Any model name works on the simulator; the same one serves as meta model and target. */
export const SIM_MODEL = 'openai/sim-1';
/** Prompts in the Quick run: the base and two variants. */
const POPULATION = 3;

export interface TuningFlowContext {
  workbench: () => Workbench;
  steps: StepRunner;
  /** Calls the simulator answered so far (target + meta). */
  simCalls: () => Promise<number>;
}

export async function tuningFlow(ctx: TuningFlowContext): Promise<void> {
  const { steps } = ctx;
  let estimatedCalls = 0;
  let callsBefore = 0;
  // The best prompt is saved as a new version of the base prompt's library prompt (the active context, when the
  // library flow applied one), else as "<suite name> (tuned)": read from the card, then looked for.
  let saved = { name: '', version: 0 };

  await steps.step(
    'Run Prompt Tuning opens the Prompt Tuning panel',
    async () => {
      const wb = ctx.workbench();
      await wb.clearNotifications();
      await wb.runCommand('Prompt Tuner: Run Prompt Tuning');
      const frame = panel(wb);
      await frame.locator('[data-testid="start"]').waitFor({ state: 'visible', timeout: 60_000 });
      const tab = (await wb.page.locator('.tab.active').first().innerText()).trim();
      assert.equal(tab, 'Prompt Tuning', 'the panel tab is titled "Prompt Tuning"');
      assert.equal(
        await frame
          .locator('[data-testid="start"]')
          .evaluate((el) => (el as unknown as { disabled: boolean }).disabled),
        true,
      );
      const reasons = (await frame.locator('[data-testid="blockers"]').innerText()).replace(/\s+/g, ' ');
      assert.match(reasons, /Choose a meta model/, `Start says why it is disabled; it says "${reasons}"`);
      return `tab "${tab}", Start disabled: ${reasons}`;
    },
    { critical: true, timeoutMs: 90_000 },
  );

  await steps.step(
    'configure a Quick run against the simulator; the estimate shows',
    async () => {
      const frame = panel(ctx.workbench());
      await choose(frame, 'suite', TUNING_SUITE_PATH);
      await frame.locator('[data-testid="mode-quick"]').click();
      await frame.locator('[data-testid="add-model-input"] input').fill(SIM_MODEL);
      await frame.locator('[data-testid="add-model"]').click();
      await choose(frame, 'meta-model', 'sim-1 (openai)');
      await frame.locator('[data-testid="param-population"] input').fill(String(POPULATION));
      const estimate = frame.locator('[data-testid="estimate-text"]');
      await estimate.waitFor({ state: 'visible', timeout: 30_000 });
      // Wait for the answer to the population change (debounced): it ends in "~Ns".
      let text = '';
      for (let i = 0; i < 50; i++) {
        text = (await estimate.innerText()).trim();
        const calls = Number(/^(\d+) API calls/.exec(text)?.[1] ?? NaN);
        if (Number.isFinite(calls) && calls < 100) {
          estimatedCalls = calls;
          break;
        }
        await new Promise((r) => setTimeout(r, 200));
      }
      assert.ok(estimatedCalls > 0, `the estimate reads "X API calls, ~Ys" for population 3; it reads "${text}"`);
      assert.equal(
        await frame
          .locator('[data-testid="start"]')
          .evaluate((el) => (el as unknown as { disabled: boolean }).disabled),
        false,
      );
      return `estimate "${text}"`;
    },
    { critical: true, timeoutMs: 60_000 },
  );

  await steps.step(
    'a Quick tune runs to completion: best-prompt card and the toast',
    async () => {
      const wb = ctx.workbench();
      const frame = panel(wb);
      callsBefore = await ctx.simCalls();
      await frame.locator('[data-testid="start"]').click();
      await frame.locator('[data-testid="progress-card"]').waitFor({ state: 'visible', timeout: 30_000 });
      const toast = await wb.expectToast('Best prompt auto-saved to Prompt Library', 180_000);
      await frame.locator('[data-testid="status"]', { hasText: 'Completed' }).waitFor({ timeout: 30_000 });
      const score = (await frame.locator('[data-testid="best-score"]').innerText()).trim();
      // The score chart: a uPlot canvas per target model (one here), scrolled into this step's screenshot.
      const chartCanvas = frame.locator('[data-testid="score-chart"] canvas');
      await chartCanvas.first().waitFor({ state: 'visible', timeout: 10_000 });
      assert.equal(await chartCanvas.count(), 1, 'one score chart for the one target model');
      await chartCanvas.first().scrollIntoViewIfNeeded();
      const savedText = (await frame.locator('[data-testid="best-saved"]').innerText()).trim();
      const m = /^Saved as (.+) v(\d+)$/.exec(savedText);
      assert.ok(m, `the best card says where the prompt was saved; it says "${savedText}"`);
      saved = { name: m[1]!, version: Number(m[2]) };
      const candidates = await frame.locator('[data-testid="candidate"]').count();
      assert.match(score, /^\d+%$/);
      // The engine may ask the meta model once more after a duplicate reply, and skip a child after two;
      // each is a note on the run. The calls made must equal the estimate adjusted by exactly those.
      const notes = await frame.locator('[data-testid="run-notes"] li').allInnerTexts();
      const retries = notes.filter((n) => /asking once more/.test(n)).length;
      const skips = notes.filter((n) => /skipped/.test(n)).length;
      assert.equal(
        candidates + skips,
        POPULATION,
        `the timeline shows the base prompt and every variant not skipped (${candidates} shown, ${skips} skipped)`,
      );
      const perCandidate = (estimatedCalls - (POPULATION - 1)) / POPULATION;
      const made = (await ctx.simCalls()) - callsBefore;
      assert.equal(
        made,
        estimatedCalls + retries - skips * perCandidate,
        `simulator calls vs the estimate of ${estimatedCalls} (${retries} retries, ${skips} skipped)`,
      );
      return `toast "${toast.split('\n')[0]}", best ${score}, ${savedText}, ${candidates} prompts, ${made} simulator calls for an estimate of ${estimatedCalls} (${retries} meta retries, ${skips} skipped)`;
    },
    { critical: true, timeoutMs: 240_000 },
  );

  await steps.step(
    'Apply to Context on the best prompt updates the status bar',
    async () => {
      const wb = ctx.workbench();
      await panel(wb).locator('[data-testid="best-apply"]').click();
      const item = wb.statusBarItem(`${saved.name} v${saved.version}`);
      await item.waitFor({ state: 'visible', timeout: 20_000 });
      return `status bar "${(await item.innerText()).trim()}"`;
    },
    { timeoutMs: 60_000 },
  );

  await steps.step(
    'the tuned version is in the Prompt Library tree',
    async () => {
      const wb = ctx.workbench();
      await wb.openViewContainer('Prompt Tuner');
      const promptRow = wb.treeRow('Prompt Library', saved.name);
      await promptRow.waitFor({ state: 'visible', timeout: 20_000 });
      if ((await promptRow.getAttribute('aria-expanded')) !== 'true')
        await promptRow.locator('.monaco-tl-twistie').click();
      const row = wb
        .treeRows('Prompt Library')
        .filter({ has: wb.page.locator('.label-name', { hasText: new RegExp(`^\\s*v${saved.version}\\b`) }) })
        .filter({ hasText: /tuned/ })
        .first();
      await row.waitFor({ state: 'visible', timeout: 10_000 });
      const text = (await row.innerText()).replace(/\s+/g, ' ').trim();
      assert.match(text, /active/, `the applied version is marked active in the tree; its row reads "${text}"`);
      return `row "${text}" under "${saved.name}"`;
    },
    { timeoutMs: 60_000 },
  );
}
