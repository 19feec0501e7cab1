// Issue 8's prompt-optimization flow in a real VS Code, against the model simulator (the "openai" provider of
// the extension host): Run Prompt Optimization from the palette on the example config (the config and model
// pickers), the Prompt Optimization panel follows the run to its end (counters, the queue timeline, workers,
// APO rounds, the best prompt card), the best prompt is in the library tree (source optimized), Copy (the
// browser's clipboard is the witness), Show Diff (initial ↔ best), Apply to Context (the status bar), and
// Open Prompt Optimization brings the finished run back after the panel is closed. The simulator's counters
// are a second witness of the calls.
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { clipboardAfter, panel, shootPanel, text, waitFor } from './panelFrame';
import type { StepRunner } from './steps';
import { exactText, type Workbench } from './workbench';

/** The example config is copied into the workspace under this path (its name matches the command's file picker). */
export const OPTIMIZE_CONFIG_PATH = 'examples/prompt-optimization.json';
const SIM_MODEL = 'openai/sim-1';
/** resources.name is not set in the example: the best prompt is saved under `<config stem> (optimized)`. */
const SAVED_NAME = 'prompt-optimization (optimized)';

export interface OptimizeFlowContext {
  workbench: () => Workbench;
  steps: StepRunner;
  /** Calls the simulator answered so far. */
  simCalls: () => Promise<number>;
  /** Where the steps' screenshots go (extra ones of the panel are saved beside them). */
  resultsDir: string;
}

export async function optimizeFlow(ctx: OptimizeFlowContext): Promise<void> {
  const { steps } = ctx;
  let callsBefore = 0;
  let bestPrompt = '';

  await steps.step(
    'Run Prompt Optimization from the palette: pick the example config and the model',
    async () => {
      const wb = ctx.workbench();
      await wb.openPromptTuner();
      await wb.clearNotifications();
      await wb.runCommand('View: Close All Editors');
      callsBefore = await ctx.simCalls();
      await wb.runCommand('Prompt Tuner: Run Prompt Optimization');
      await wb.expectQuickInput('Run Prompt Optimization (1/2)', 30_000);
      const configs = await wb.quickPickLabels();
      assert.ok(configs.includes(OPTIMIZE_CONFIG_PATH), `the workspace config is offered: ${JSON.stringify(configs)}`);
      await wb.pickQuickItem(OPTIMIZE_CONFIG_PATH);
      await wb.expectQuickInput('Run Prompt Optimization (2/2)', 30_000);
      // The configured models come first and may be many: filter down to the typed-model entry.
      await wb.quickInput().locator('input').fill('Enter a model id');
      await wb.pickQuickItem('Enter a model id…');
      await wb.expectQuickInput('provider/model');
      await wb.answerInput(SIM_MODEL);
      const frame = panel(wb);
      await frame.locator('[data-testid="run"]').waitFor({ state: 'visible', timeout: 60_000 });
      const tab = (await wb.page.locator('.tab.active').first().innerText()).trim();
      assert.equal(tab, 'Prompt Optimization', 'the panel tab is titled "Prompt Optimization"');
      return `configs offered ${JSON.stringify(configs)}, panel "${tab}" on run ${await text(frame, 'run-meta')}`;
    },
    { critical: true, timeoutMs: 120_000 },
  );

  await steps.step(
    'the panel follows the run to its end: counters, queue timeline, workers, APO rounds, the best prompt',
    async () => {
      const wb = ctx.workbench();
      const frame = panel(wb);
      await frame.locator('[data-testid="status"]', { hasText: /^Completed$/ }).waitFor({ timeout: 180_000 });
      const toast = await wb.expectToast('Prompt optimization finished', 30_000);
      assert.match(
        toast,
        new RegExp(`Saved as ${SAVED_NAME.replace(/[()]/g, '\\$&')} v\\d+`),
        `the toast says where the best prompt went: "${toast}"`,
      );
      const ended = await text(frame, 'ended');
      const m = /^(\d+)\/(\d+) rollouts ended$/.exec(ended);
      assert.ok(
        m && m[1] === m[2] && Number(m[2]) >= 18,
        `every rollout ended (baseline 10 + 8, then APO): "${ended}"`,
      );
      const succeeded = Number(await text(frame, 'stat-succeeded-value'));
      assert.ok(succeeded > 0, `rollouts succeeded: ${succeeded}`);
      const timeline = (await frame.locator('[data-testid="timeline-svg"]').getAttribute('aria-label')) ?? '';
      assert.match(
        timeline,
        /^Queue timeline over .*: at the end 0 queued, 0 running, \d+ done/,
        `the timeline ends with everything done: "${timeline}"`,
      );
      const workers = await frame.locator('[data-testid="worker-row"]').count();
      assert.ok(workers >= 2, `the example's two workers are listed (${workers})`);
      const rounds = await frame.locator('[data-testid="round"]').count();
      assert.equal(rounds, 2, 'the example runs two APO rounds');
      const reward = await text(frame, 'best-reward');
      const delta = await text(frame, 'best-delta');
      assert.match(
        delta,
        /^\+\d+ points? vs the initial \d+%$/,
        `the best beats the initial prompt: "${reward}", "${delta}"`,
      );
      bestPrompt = (await frame.locator('[data-testid="best-prompt"]').innerText()).trim();
      assert.notEqual(bestPrompt, 'You are a concise assistant.', 'the best prompt is an edited one');
      const made = (await ctx.simCalls()) - callsBefore;
      assert.ok(
        made >= Number(m[2]),
        `the simulator answered at least one call per rollout (${made} calls, ${m[2]} rollouts)`,
      );
      await frame.locator('[data-testid="best-card"]').scrollIntoViewIfNeeded();
      await shootPanel(wb, join(ctx.resultsDir, 'optimize-panel.png'));
      return `"${ended}", ${succeeded} succeeded, ${workers} workers, ${rounds} rounds, best "${reward}" (${delta}), ${made} simulator calls`;
    },
    { critical: true, timeoutMs: 240_000 },
  );

  await steps.step(
    'the best prompt is in the Prompt Library tree (source optimized); the card says so',
    async () => {
      const wb = ctx.workbench();
      const saved = await text(panel(wb), 'best-library');
      assert.match(
        saved,
        new RegExp(`Saved in the Prompt Library as ${SAVED_NAME.replace(/[()]/g, '\\$&')} v\\d+`),
        `the card: "${saved}"`,
      );
      await wb.openViewContainer('Prompt Tuner');
      const promptRow = wb.treeRow('Prompt Library', SAVED_NAME);
      await promptRow.waitFor({ state: 'visible', timeout: 20_000 });
      if ((await promptRow.getAttribute('aria-expanded')) !== 'true')
        await promptRow.locator('.monaco-tl-twistie').click();
      const row = wb
        .treeRows('Prompt Library')
        .filter({ has: wb.page.locator('.label-name', { hasText: exactText('v1') }) })
        .filter({ hasText: /optimized/ })
        .first();
      await row.waitFor({ state: 'visible', timeout: 10_000 });
      return `card "${saved}", tree row "${(await row.innerText()).replace(/\s+/g, ' ').trim()}"`;
    },
    { timeoutMs: 60_000 },
  );

  await steps.step(
    'Copy puts the best prompt on the clipboard',
    async () => {
      const wb = ctx.workbench();
      const frame = panel(wb);
      const clip = await clipboardAfter(wb, () => frame.locator('[data-testid="best-copy"]').click());
      assert.equal(clip.trim(), bestPrompt, 'the clipboard holds exactly the best prompt shown');
      await frame
        .locator('[data-testid="action-note"]', { hasText: 'Best prompt copied' })
        .waitFor({ timeout: 10_000 });
      return `${clip.length} characters on the clipboard`;
    },
    { timeoutMs: 60_000 },
  );

  await steps.step(
    'Show Diff opens the initial and the best prompt in the diff editor',
    async () => {
      const wb = ctx.workbench();
      await panel(wb).locator('[data-testid="best-diff"]').click();
      const tab = wb.page.locator('.tabs-container .tab.active', { hasText: 'Initial ↔ Best' });
      await tab.waitFor({ state: 'visible', timeout: 15_000 });
      const diff = wb.page.locator('.editor-group-container.active .monaco-diff-editor');
      await diff.waitFor({ state: 'visible', timeout: 10_000 });
      const firstLine = bestPrompt.split('\n')[0]!.slice(0, 40);
      let right = '';
      await waitFor(async () => {
        right = (await diff.locator('.editor.modified .view-lines').innerText()).replace(/\u00a0/g, ' ');
        return right.includes(firstLine) ? true : null;
      }, 'the best prompt on the right side').catch(() => undefined);
      assert.ok(right.includes(firstLine), `the right side is the best prompt: ${JSON.stringify(right.slice(0, 120))}`);
      const left = (await diff.locator('.editor.original .view-lines').innerText()).replace(/\u00a0/g, ' ');
      assert.ok(
        left.includes('You are a concise assistant.'),
        `the left side is the initial prompt: ${JSON.stringify(left.slice(0, 120))}`,
      );
      await wb.screenshot(join(ctx.resultsDir, 'optimize-diff.png'));
      const title = (await tab.innerText()).trim();
      await tab.locator('.tab-actions .action-label').first().click({ force: true });
      await wb.page
        .locator('.tabs-container .tab.active', { hasText: 'Prompt Optimization' })
        .waitFor({ timeout: 10_000 });
      return `diff "${title}"`;
    },
    { timeoutMs: 60_000 },
  );

  await steps.step(
    'Apply to Context on the best prompt updates the status bar',
    async () => {
      const wb = ctx.workbench();
      await panel(wb).locator('[data-testid="best-apply"]').click();
      const item = wb.statusBarItem(SAVED_NAME);
      await item.waitFor({ state: 'visible', timeout: 20_000 });
      return `status bar "${(await item.innerText()).trim()}"`;
    },
    { timeoutMs: 60_000 },
  );

  await steps.step(
    'Open Prompt Optimization after closing the panel shows the finished run again',
    async () => {
      const wb = ctx.workbench();
      await wb.runCommand('View: Close All Editors');
      await wb.runCommand('Prompt Tuner: Open Prompt Optimization');
      const frame = panel(wb);
      await frame.locator('[data-testid="status"]', { hasText: /^Completed$/ }).waitFor({ timeout: 60_000 });
      const runs = await frame.locator('[data-testid="run-row"]').count();
      assert.ok(runs >= 1, 'the runs list has the run');
      assert.equal(
        (await frame.locator('[data-testid="best-prompt"]').innerText()).trim(),
        bestPrompt,
        'the same best prompt',
      );
      return `${runs} run(s) listed, "${await text(frame, 'ended')}"`;
    },
    { timeoutMs: 90_000 },
  );
}
