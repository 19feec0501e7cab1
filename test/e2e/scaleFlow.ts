// Issue 7's scale-test flow in a real VS Code, against the model simulator (the "openai" provider of the
// extension host): open Run Scale Test from the palette, configure 5 runs on openai/sim-1, start, watch the
// progress, open a transcript (a read-only editor), see the report, filter by a failure badge, copy the revised
// prompt (the browser's clipboard is the witness), Verify (win rate before → after), and Save Revised Prompt to
// Library (the version shows in the library tree), Show Diff, a failing conversation → a suite case (the file
// on disk is the witness), and Tune from Revised Prompt (the tuning form starts from it). Then what a user relies
// on around a run: Run Scale Test from the Explorer's context menu on an agent file selects that agent; an
// estimate over the budget asks VS Code's modal confirmation (Cancel starts nothing, Start Anyway starts); closing
// the panel mid-run stops nothing (Open Scale Test Run… shows it finishing); a cancelled run resumes and keeps the
// conversations it finished. The simulator's counters and request log are a second witness of the calls.
import { strict as assert } from 'node:assert';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FrameLocator, Locator } from 'playwright-core';
import { choose, clipboardAfter, panel, shootPanel, text, waitFor } from './panelFrame';
import { REPO_ROOT } from './paths';
import { simControl } from './simControl';
import type { StepRunner } from './steps';
import { exactText, type Workbench } from './workbench';

/** The example agent is copied into the workspace under this path. */
export const SCALE_AGENT_PATH = 'agents/hotel-desk.agent.json';
/** Any model name works on the simulator; the e2e settings give it a price so the budget card has numbers. */
const SIM_MODEL = 'openai/sim-1';
export const SCALE_E2E_SETTINGS = { 'promptTuner.prices': { [SIM_MODEL]: { inputPerMTok: 0.15, outputPerMTok: 0.6 } } };
const RUNS = 5;
const BUDGET_USD = '1';
const DOCS_SCREENSHOT = join(REPO_ROOT, 'docs', 'images', 'scale-panel.png');
/** A second agent file, written for the Explorer step so "that agent is selected" can be told from "the only one". */
const OTHER_AGENT_PATH = 'agents/concierge.agent.json';
/** The simulator's delay per answer while a step needs a run to last (closing the panel, cancelling mid-way). */
const SLOW_LATENCY_MS = 700;

export interface ScaleFlowContext {
  workbench: () => Workbench;
  steps: StepRunner;
  /** Calls the simulator answered so far. */
  simCalls: () => Promise<number>;
  /** Where the steps' screenshots go (extra ones of the panel are saved beside them). */
  resultsDir: string;
  /** The workspace folder (the suite file the case is added to is read from disk). */
  workspace: string;
  /** A suite file of the workspace, relative to it (the tuning flow's copy of the example suite). */
  suitePath: string;
}

/** The editor tab titled TITLE (active or not). */
function editorTab(wb: Workbench, title: string): Locator {
  return wb.page
    .locator('.tabs-container .tab', { has: wb.page.locator('.label-name', { hasText: exactText(title) }) })
    .first();
}

/** The Explorer's row of a workspace file, its folders expanded on the way. */
async function explorerRow(wb: Workbench, relativePath: string): Promise<Locator> {
  // From the palette: after the other flows the Explorer's activity-bar icon carries an "unsaved file" badge that takes the click.
  await wb.runCommand('View: Show Explorer');
  await wb.page.locator('.part.sidebar .explorer-folders-view').waitFor({ state: 'visible', timeout: 15_000 });
  const rows = wb.page.locator('.part.sidebar .explorer-folders-view .monaco-list-row');
  const parts = relativePath.split('/');
  let row = rows.first();
  for (const [i, name] of parts.entries()) {
    row = rows.filter({ has: wb.page.locator('.label-name', { hasText: exactText(name) }) }).first();
    await row.waitFor({ state: 'visible', timeout: 20_000 });
    if (i < parts.length - 1 && (await row.getAttribute('aria-expanded')) !== 'true') await row.click();
  }
  return row;
}

/** VS Code's modal dialog (code-server draws it in the page). */
function modalDialog(wb: Workbench): Locator {
  return wb.page.locator('.monaco-dialog-box');
}

interface RowCells {
  status: string;
  turns: string;
  ended: string;
  latency: string;
  cost: string;
}

/** The conversation rows as shown, by conversation id: status, turns, how it ended, mean latency, cost. */
async function rowCells(frame: FrameLocator): Promise<Map<string, RowCells>> {
  const rows = await frame.locator('[data-testid="conversation-row"]').evaluateAll((els) =>
    els.map((e) => {
      const cells = Array.from(e.children).map((c) => c.textContent.replace(/\s+/g, ' ').trim());
      return { id: e.getAttribute('data-conversation-id') ?? '', cells };
    }),
  );
  // Columns: #, scenario, status, turns, ended, mean latency, cost, failure tags, actions.
  return new Map(
    rows.map((r) => [
      r.id,
      {
        status: r.cells[2] ?? '',
        turns: r.cells[3] ?? '',
        ended: r.cells[4] ?? '',
        latency: r.cells[5] ?? '',
        cost: r.cells[6] ?? '',
      },
    ]),
  );
}

/** "850 ms" / "1.4 s" back to milliseconds; NaN for anything else. */
function msOf(latency: string): number {
  const m = /^([\d.]+) (ms|s)$/.exec(latency);
  return m ? Number(m[1]) * (m[2] === 's' ? 1000 : 1) : Number.NaN;
}

/** A conversation the engine keeps on a resume: played out and graded (it ended with the user done or at max turns). */
const isFinished = (c: RowCells): boolean =>
  /^(Passed|Failed|Unscored)$/.test(c.status) && (c.ended === 'user done' || c.ended === 'max turns');

const isDisabled = (l: Locator): Promise<boolean> =>
  l.evaluate((el) => (el as unknown as { disabled: boolean }).disabled);

export async function scaleFlow(ctx: ScaleFlowContext): Promise<void> {
  const { steps } = ctx;
  let callsBefore = 0;
  let revisedPrompt = '';

  await steps.step(
    'Run Scale Test opens the Scale Test panel with the workspace agent',
    async () => {
      const wb = ctx.workbench();
      await wb.openPromptTuner();
      await wb.clearNotifications();
      // The tuning panel of the earlier flow would be a second webview: a clean editor area.
      await wb.runCommand('View: Close All Editors');
      await wb.runCommand('Prompt Tuner: Run Scale Test');
      const frame = panel(wb);
      await frame.locator('[data-testid="start"]').waitFor({ state: 'visible', timeout: 60_000 });
      const tab = (await wb.page.locator('.tab.active').first().innerText()).trim();
      assert.equal(tab, 'Scale Test', 'the panel tab is titled "Scale Test"');
      const summary = await text(frame, 'agent-summary');
      assert.match(
        summary,
        /agents\/hotel-desk\.agent\.json · \d+ tools · \d+ scenarios/,
        `the one agent of the workspace is chosen; it says "${summary}"`,
      );
      assert.equal(
        await frame
          .locator('[data-testid="start"]')
          .evaluate((el) => (el as unknown as { disabled: boolean }).disabled),
        true,
      );
      const reasons = await text(frame, 'blockers');
      assert.match(reasons, /Choose an agent model/, `Start says why it is disabled; it says "${reasons}"`);
      return `tab "${tab}", agent "${summary}", Start disabled: ${reasons}`;
    },
    { critical: true, timeoutMs: 90_000 },
  );

  await steps.step(
    `configure ${RUNS} runs on ${SIM_MODEL} with a budget; the estimate shows per role`,
    async () => {
      const frame = panel(ctx.workbench());
      await frame.locator('[data-testid="add-model-input"] input').fill(SIM_MODEL);
      await frame.locator('[data-testid="add-model"]').click();
      await choose(frame, 'model-agentModel', 'sim-1 (openai)');
      await frame.locator('[data-testid="param-runs"] input').fill(String(RUNS));
      await frame.locator('[data-testid="param-budgetUsd"] input').fill(BUDGET_USD);
      const total = await waitFor(
        async () => {
          const t = await text(frame, 'estimate-total');
          return /model calls · about \$/.test(t) ? t : null;
        },
        'the estimate with a price',
        30_000,
      );
      const roles = await frame.locator('[data-testid="estimate-role"]').allInnerTexts();
      assert.equal(roles.length, 4, 'agent, simulated user, judge and summarizer');
      assert.ok(
        roles.every((r) => r.includes(SIM_MODEL)),
        `every role on ${SIM_MODEL} ("same as agent"): ${JSON.stringify(roles)}`,
      );
      assert.equal(
        await frame
          .locator('[data-testid="start"]')
          .evaluate((el) => (el as unknown as { disabled: boolean }).disabled),
        false,
      );
      return `estimate "${total}"`;
    },
    { critical: true, timeoutMs: 60_000 },
  );

  await steps.step(
    'Start: the progress card counts the conversations as they finish',
    async () => {
      const wb = ctx.workbench();
      const frame = panel(wb);
      callsBefore = await ctx.simCalls();
      await frame.locator('[data-testid="start"]').click();
      await frame.locator('[data-testid="progress-card"]').waitFor({ state: 'visible', timeout: 30_000 });
      const rows = await frame.locator('[data-testid="conversation-row"]').count();
      assert.equal(rows, RUNS, `one row per conversation (${rows})`);
      // Live: some conversation is running or done while the run is not over.
      const seen = await waitFor(
        async () => {
          const statuses = (await frame.locator('[data-testid="conversation-status"]').allInnerTexts()).map((s) =>
            s.trim(),
          );
          return statuses.some((s) => s === 'Running' || s === 'Passed' || s === 'Failed' || s === 'Grading')
            ? statuses
            : null;
        },
        'a conversation that runs',
        30_000,
      );
      await wb.screenshot(join(ctx.resultsDir, 'scale-progress.png'));
      return `${rows} rows, statuses ${JSON.stringify(seen)}; progress "${await text(frame, 'completed')}"`;
    },
    { critical: true, timeoutMs: 60_000 },
  );

  await steps.step(
    'the run finishes with a report: stats, badges and the revised prompt',
    async () => {
      const frame = panel(ctx.workbench());
      await frame
        .locator('[data-testid="status"]', { hasText: /Completed|Budget reached|Failed/ })
        .waitFor({ timeout: 180_000 });
      const status = await text(frame, 'status');
      assert.equal(
        status,
        'Completed',
        `the run completes (${status}: ${await text(frame, 'alerts').catch(() => '')})`,
      );
      await frame.locator('[data-testid="stats"]').waitFor({ timeout: 10_000 });
      const win = await text(frame, 'stat-win-rate');
      assert.match(win, /^Win rate (\d+%|—)/, `the win-rate card: "${win}"`);
      assert.equal(await text(frame, 'completed'), `${RUNS}/${RUNS} conversations done`);
      const made = (await ctx.simCalls()) - callsBefore;
      assert.ok(made > RUNS * 2, `the simulator answered the agent, user, judge and summarizer calls (${made})`);
      revisedPrompt = (await frame.locator('[data-testid="revised-prompt"]').innerText()).trim();
      assert.ok(revisedPrompt.length > 20, `a revised prompt is shown: "${revisedPrompt.slice(0, 80)}"`);
      const spent = await text(frame, 'budget-actual');
      assert.match(spent, /^\$\d/, `the budget card shows the spend with the e2e price: "${spent}"`);
      return `${status}, "${win}", ${made} simulator calls, spent ${spent} of the $${BUDGET_USD} cap`;
    },
    { critical: true, timeoutMs: 200_000 },
  );

  await steps.step(
    "a conversation's Transcript link opens it as a read-only editor",
    async () => {
      const wb = ctx.workbench();
      const frame = panel(wb);
      await frame
        .locator('[data-testid="conversation-row"]')
        .first()
        .locator('[data-testid="open-transcript"]')
        .click();
      const tab = wb.page.locator('.tabs-container .tab.active', { hasText: 'Conversation 1 (Hotel front desk).txt' });
      await tab.waitFor({ state: 'visible', timeout: 15_000 });
      const editor = wb.page.locator('.editor-group-container.active .monaco-editor').first();
      const body = await waitFor(async () => {
        const t = (await editor.locator('.view-lines').innerText()).replace(/\u00a0/g, ' ');
        return t.includes('[turn 1] USER:') ? t : null;
      }, 'the transcript text in the editor');
      // Typing into it changes nothing: VS Code says the editor is read-only.
      await editor.locator('.view-lines').click({ position: { x: 5, y: 5 } });
      await wb.page.keyboard.type('x');
      const message = wb.page
        .locator('.monaco-editor-overlaymessage, .monaco-editor .message', { hasText: /read-only/i })
        .first();
      await message.waitFor({ state: 'visible', timeout: 5_000 });
      const after = (await editor.locator('.view-lines').innerText()).replace(/\u00a0/g, ' ');
      assert.equal(after, body, 'the transcript did not change');
      await wb.screenshot(join(ctx.resultsDir, 'scale-transcript.png'));
      const tabText = (await tab.innerText()).trim();
      const messageText = (await message.innerText()).trim();
      // Closed again, so the panel has the whole editor area for the next steps.
      await wb.page.keyboard.press('Escape'); // the read-only message
      await tab.locator('.tab-actions .action-label').first().click({ force: true });
      await tab.waitFor({ state: 'hidden', timeout: 10_000 });
      return `tab "${tabText}", "${body.split('\n')[0]}", read-only message "${messageText}"`;
    },
    { timeoutMs: 60_000 },
  );

  await steps.step(
    'a failure badge filters the conversation rows',
    async () => {
      const frame = panel(ctx.workbench());
      const badges = await frame.locator('[data-testid="badge"]').evaluateAll((els) =>
        els.map((e) => ({
          tag: e.getAttribute('data-tag') ?? '',
          count: Number(e.querySelector('.badge-count')?.textContent ?? '0'),
        })),
      );
      const hit = badges.find((b) => b.count > 0);
      assert.ok(hit, `some failure tag has conversations: ${JSON.stringify(badges)}`);
      const badge = frame.locator(`[data-testid="badge"][data-tag="${hit.tag}"]`);
      await badge.click();
      await waitFor(
        async () => ((await badge.getAttribute('aria-pressed')) === 'true' ? true : null),
        'the badge pressed',
      );
      const rows = await frame.locator('[data-testid="conversation-row"]').count();
      assert.equal(rows, hit.count, `${hit.count} rows with ${hit.tag}`);
      const tags = await frame
        .locator('[data-testid="conversation-row"] [data-testid="conversation-tags"]')
        .allInnerTexts();
      assert.ok(
        tags.every((t) => t.includes(hit.tag)),
        `every row shown has ${hit.tag}: ${JSON.stringify(tags)}`,
      );
      const status = await text(frame, 'filter-status');
      await shootPanel(ctx.workbench(), join(ctx.resultsDir, 'scale-report-filtered.png'));
      await badge.click();
      await waitFor(
        async () => ((await frame.locator('[data-testid="conversation-row"]').count()) === RUNS ? true : null),
        'all rows back',
      );
      return `badges ${badges.map((b) => `${b.tag}=${b.count}`).join(' ')}; "${status}"`;
    },
    { timeoutMs: 60_000 },
  );

  await steps.step(
    'Copy puts the revised prompt on the clipboard',
    async () => {
      const wb = ctx.workbench();
      const frame = panel(wb);
      const clip = await clipboardAfter(wb, () => frame.locator('[data-testid="copy-revised"]').click());
      assert.equal(clip.trim(), revisedPrompt, 'the clipboard holds exactly the revised prompt shown');
      await frame
        .locator('[data-testid="action-note"]', { hasText: 'Revised prompt copied' })
        .waitFor({ timeout: 10_000 });
      return `${clip.length} characters on the clipboard, the panel says "Revised prompt copied"`;
    },
    { timeoutMs: 60_000 },
  );

  await steps.step(
    'Verify Revised Prompt runs it on the same scenarios: win rate before → after',
    async () => {
      const wb = ctx.workbench();
      const frame = panel(wb);
      const before = await ctx.simCalls();
      await frame.locator('[data-testid="verify"]').click();
      await frame.locator('[data-testid="verify-result"]').waitFor({ state: 'visible', timeout: 180_000 });
      const result = await text(frame, 'verify-result');
      assert.match(result, /^Win rate (\d+%|—).*→ (\d+%|—)/, `before → after: "${result}"`);
      const made = (await ctx.simCalls()) - before;
      assert.ok(made >= RUNS * 2, `the verification made its own calls (${made})`);
      await frame.locator('[data-testid="verify-result"]').scrollIntoViewIfNeeded();
      await shootPanel(wb, join(ctx.resultsDir, 'scale-verified.png'));
      return `"${result}", ${made} simulator calls`;
    },
    { timeoutMs: 240_000 },
  );

  await steps.step(
    'Save Revised Prompt to Library: the version shows in the library tree',
    async () => {
      const wb = ctx.workbench();
      const frame = panel(wb);
      // The report at its top, for the docs.
      await wb.clearNotifications();
      // The report from its heading down: stats, charts, badges, the first rows.
      await frame
        .locator('h2', { hasText: /^Report$/ })
        .evaluate((el) => (el as unknown as { scrollIntoView(o: unknown): void }).scrollIntoView({ block: 'start' }));
      await shootPanel(wb, DOCS_SCREENSHOT);
      await frame.locator('[data-testid="save-revised"]').click();
      await wb.expectQuickInput('Save Revised Prompt to Library');
      await wb.answerInput('hotel-desk-revised');
      const toast = await wb.expectToast('Saved hotel-desk-revised v1 to the Prompt Library', 20_000);
      await frame
        .locator('[data-testid="action-note"]', { hasText: 'Saved as hotel-desk-revised v1' })
        .waitFor({ timeout: 10_000 });
      await wb.openViewContainer('Prompt Tuner');
      const promptRow = wb.treeRow('Prompt Library', 'hotel-desk-revised');
      await promptRow.waitFor({ state: 'visible', timeout: 20_000 });
      if ((await promptRow.getAttribute('aria-expanded')) !== 'true')
        await promptRow.locator('.monaco-tl-twistie').click();
      const row = wb
        .treeRows('Prompt Library')
        .filter({ has: wb.page.locator('.label-name', { hasText: exactText('v1') }) })
        .filter({ hasText: /scale/ })
        .first();
      await row.waitFor({ state: 'visible', timeout: 10_000 });
      return `toast "${toast.split('\n')[0]}", tree row "${(await row.innerText()).replace(/\s+/g, ' ').trim()}"`;
    },
    { timeoutMs: 60_000 },
  );
  await steps.step(
    'Show Diff opens the tested and the revised prompt in the diff editor',
    async () => {
      const wb = ctx.workbench();
      await panel(wb).locator('[data-testid="show-diff"]').click();
      const tab = wb.page.locator('.tabs-container .tab.active', { hasText: 'Tested ↔ Revised prompt' });
      await tab.waitFor({ state: 'visible', timeout: 15_000 });
      const diff = wb.page.locator('.editor-group-container.active .monaco-diff-editor');
      await diff.waitFor({ state: 'visible', timeout: 10_000 });
      // Monaco fills the two sides after the editor shows: read the right side once it has lines.
      const firstLine = revisedPrompt.split('\n')[0]!.slice(0, 40);
      let right = '';
      await waitFor(async () => {
        right = (await diff.locator('.editor.modified .view-lines').innerText()).replace(/\u00a0/g, ' ');
        return right.includes(firstLine) ? true : null;
      }, 'the revised prompt on the right side').catch(() => undefined);
      assert.ok(
        right.includes(firstLine),
        `the right side is the revised prompt: ${JSON.stringify(right.slice(0, 120))}`,
      );
      await wb.screenshot(join(ctx.resultsDir, 'scale-diff.png'));
      const title = (await tab.innerText()).trim();
      await tab.locator('.tab-actions .action-label').first().click({ force: true });
      await wb.page.locator('.tabs-container .tab.active', { hasText: 'Scale Test' }).waitFor({ timeout: 10_000 });
      return `diff "${title}"`;
    },
    { timeoutMs: 60_000 },
  );

  await steps.step(
    'Add to Suite turns a failing conversation into a case of a suite file',
    async () => {
      const wb = ctx.workbench();
      const file = join(ctx.workspace, ctx.suitePath);
      const original = readFileSync(file, 'utf8');
      const before = (JSON.parse(original) as { cases: { id: string }[] }).cases.length;
      await panel(wb).locator('[data-testid="add-to-suite"]').first().click();
      await wb.expectQuickInput('to a test suite');
      await wb.pickQuickItem(ctx.suitePath);
      const toast = await wb.expectToast('Added case scale-', 20_000);
      const after = JSON.parse(readFileSync(file, 'utf8')) as {
        cases: { id: string; messages?: { role: string }[]; expect: Record<string, unknown> }[];
      };
      assert.equal(after.cases.length, before + 1, 'one case more on disk');
      const kase = after.cases.at(-1)!;
      assert.match(kase.id, /^scale-/);
      assert.equal(kase.messages?.at(-1)?.role, 'user', 'the case ends at the last user turn');
      const tab = wb.page.locator('.tabs-container .tab.active', { hasText: ctx.suitePath.split('/').pop()! });
      await tab.waitFor({ state: 'visible', timeout: 10_000 });
      await wb.screenshot(join(ctx.resultsDir, 'scale-suite-case.png'));
      await tab.locator('.tab-actions .action-label').first().click({ force: true });
      await wb.page.locator('.tabs-container .tab.active', { hasText: 'Scale Test' }).waitFor({ timeout: 10_000 });
      // The later flows use this suite as it was.
      writeFileSync(file, original);
      return `toast "${toast.split('\n')[0]}"; case ${kase.id} expects ${JSON.stringify(kase.expect)}`;
    },
    { timeoutMs: 60_000 },
  );

  await steps.step(
    'Tune from Revised Prompt opens Prompt Tuning with the revised prompt as its base',
    async () => {
      const wb = ctx.workbench();
      await panel(wb).locator('[data-testid="tune-from-revised"]').click();
      await wb.page.locator('.tabs-container .tab.active', { hasText: 'Prompt Tuning' }).waitFor({ timeout: 20_000 });
      const tuning = panel(wb);
      await tuning.locator('[data-testid="base-prompt"]').waitFor({ state: 'visible', timeout: 30_000 });
      const base = await waitFor(async () => {
        const v = await tuning
          .locator('[data-testid="base-prompt"]')
          .evaluate((el) => (el as unknown as { value: string }).value);
        return v.trim() === revisedPrompt ? v : null;
      }, 'the revised prompt in the base-prompt field');
      return `base prompt of ${base.length} characters, the revised prompt`;
    },
    { timeoutMs: 60_000 },
  );

  await steps.step(
    "Run Scale Test in the Explorer's context menu of an agent file opens the form with that agent",
    async () => {
      const wb = ctx.workbench();
      // A second agent: the form must pick the file that was right-clicked, not the only one there is.
      const other = join(ctx.workspace, OTHER_AGENT_PATH);
      const agent = JSON.parse(readFileSync(join(ctx.workspace, SCALE_AGENT_PATH), 'utf8')) as { name: string };
      writeFileSync(other, JSON.stringify({ ...agent, name: 'Hotel concierge' }, null, 2));
      const seen: string[] = [];
      try {
        // The Scale Test panel shows the first run's report (behind the tuning panel): the explorer brings the form.
        for (const path of [OTHER_AGENT_PATH, SCALE_AGENT_PATH]) {
          await wb.contextMenu(await explorerRow(wb, path), 'Run Scale Test');
          await wb.page.locator('.tabs-container .tab.active', { hasText: 'Scale Test' }).waitFor({ timeout: 20_000 });
          const frame = panel(wb);
          await frame.locator('[data-testid="start"]').waitFor({ state: 'visible', timeout: 30_000 });
          const summary = await waitFor(
            async () => {
              const t = await text(frame, 'agent-summary');
              return t.startsWith(`${path} ·`) ? t : null;
            },
            `the form with ${path} chosen`,
            15_000,
          );
          const chosen = (
            await frame.locator('[data-testid="agent"]').evaluate((el) => (el as unknown as { value: string }).value)
          ).replace(/\\/g, '/');
          assert.ok(chosen.endsWith(`/${path}`), `the Agent choice is ${path}: ${chosen}`);
          await shootPanel(
            wb,
            join(ctx.resultsDir, `scale-explorer-${path.split('/').pop()!.replace('.agent.json', '')}.png`),
          );
          seen.push(`"${summary}"`);
        }
        await wb.screenshot(join(ctx.resultsDir, 'scale-explorer.png'));
      } finally {
        rmSync(other, { force: true });
      }
      return `right-clicked ${OTHER_AGENT_PATH} then ${SCALE_AGENT_PATH}: ${seen.join(', then ')}`;
    },
    { critical: true, timeoutMs: 90_000 },
  );

  await steps.step(
    "an estimate over the budget asks VS Code's modal confirmation: Cancel starts nothing, Start Anyway starts",
    async () => {
      const wb = ctx.workbench();
      const frame = panel(wb);
      await frame.locator('[data-testid="param-budgetUsd"] input').fill('0.01');
      const warning = frame.locator('[data-testid="estimate-over-budget"]');
      await warning.waitFor({ state: 'visible', timeout: 30_000 });
      const estimate = await text(frame, 'estimate-total');
      const start = frame.locator('[data-testid="start"]');
      await waitFor(async () => ((await isDisabled(start)) ? null : true), 'Start enabled');
      const before = await ctx.simCalls();

      await start.click();
      const dialog = modalDialog(wb);
      await dialog.waitFor({ state: 'visible', timeout: 20_000 });
      const message = (await dialog.locator('.dialog-message-text').innerText()).trim();
      assert.match(message, /over the budget of \$0\.01\. Start anyway\?/, `the dialog asks: "${message}"`);
      const buttons = (await dialog.locator('.dialog-buttons .monaco-button').allInnerTexts()).map((b) => b.trim());
      assert.deepEqual([...buttons].sort(), ['Cancel', 'Start Anyway'], `its buttons: ${JSON.stringify(buttons)}`);
      await wb.screenshot(join(ctx.resultsDir, 'scale-over-budget-dialog.png'));
      await dialog.locator('.dialog-buttons .monaco-button', { hasText: exactText('Cancel') }).click();
      await dialog.waitFor({ state: 'hidden', timeout: 10_000 });
      const refusal = await waitFor(async () => {
        const t = await text(frame, 'start-error');
        return t.length > 0 ? t : null;
      }, 'the form saying why nothing started');
      assert.match(
        refusal,
        /^Not started: the estimate .* is over the budget of \$0\.01/,
        `the form says "${refusal}"`,
      );
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(await frame.locator('[data-testid="progress-card"]').count(), 0, 'the form stays: no run view');
      assert.equal(await isDisabled(start), false, 'Start can be pressed again');
      assert.equal((await ctx.simCalls()) - before, 0, 'no model call was made');
      await shootPanel(wb, join(ctx.resultsDir, 'scale-over-budget-cancelled.png'));

      await start.click();
      await dialog.waitFor({ state: 'visible', timeout: 20_000 });
      await dialog.locator('.dialog-buttons .monaco-button', { hasText: exactText('Start Anyway') }).click();
      await dialog.waitFor({ state: 'hidden', timeout: 10_000 });
      await frame.locator('[data-testid="progress-card"]').waitFor({ state: 'visible', timeout: 30_000 });
      const cap = await text(frame, 'budget-cap');
      assert.equal(cap, '$0.010', `the run's cap is the budget typed: ${cap}`);
      // It runs to its end (the cap may stop it early, with a partial report) before the next steps start their own.
      await frame
        .locator('[data-testid="status"]', { hasText: /Completed|Budget reached|Failed|Cancelled/ })
        .waitFor({ timeout: 120_000 });
      const status = await text(frame, 'status');
      assert.match(
        status,
        /^(Completed|Budget reached)/,
        `it ran: ${status} (${await text(frame, 'alerts').catch(() => '')})`,
      );
      const made = (await ctx.simCalls()) - before;
      assert.ok(made > 0, `the confirmed run made calls (${made})`);
      return `estimate "${estimate}" over a $0.01 budget; dialog "${message.slice(0, 70)}…" [${buttons.join(', ')}]; Cancel → "${refusal.slice(0, 60)}…", 0 calls; Start Anyway → ${status}, ${made} calls, cap ${cap}`;
    },
    { critical: true, timeoutMs: 180_000 },
  );

  const sim = simControl();
  const normalLatency = await sim.latencyMs();

  await steps.step(
    'closing the panel mid-run stops nothing: Open Scale Test Run… shows the run finishing with its report',
    async () => {
      const wb = ctx.workbench();
      await sim.configure({ latencyMs: SLOW_LATENCY_MS });
      try {
        let frame = panel(wb);
        await frame.locator('[data-testid="new-scale-test"]').click();
        await frame.locator('[data-testid="param-budgetUsd"] input').fill(BUDGET_USD);
        await frame.locator('[data-testid="estimate-over-budget"]').waitFor({ state: 'hidden', timeout: 30_000 });
        const start = frame.locator('[data-testid="start"]');
        await waitFor(async () => ((await isDisabled(start)) ? null : true), 'Start enabled');
        await start.click();
        await frame.locator('[data-testid="progress-card"]').waitFor({ state: 'visible', timeout: 30_000 });
        await waitFor(
          async () => ((await text(frame, 'status')) === 'Running' ? true : null),
          'the run running',
          30_000,
        );
        const doneAtClose = await text(frame, 'completed');

        await editorTab(wb, 'Scale Test').locator('.tab-actions .action-label').first().click({ force: true });
        await editorTab(wb, 'Scale Test').waitFor({ state: 'hidden', timeout: 10_000 });
        const closedAt = await ctx.simCalls();
        // With no panel open, the simulator keeps being asked: the run goes on.
        const whileClosed = await waitFor(
          async () => {
            const n = (await ctx.simCalls()) - closedAt;
            return n >= 3 ? n : null;
          },
          'model calls while the panel is closed',
          20_000,
        );
        assert.equal(await editorTab(wb, 'Scale Test').count(), 0, 'the panel is still closed');

        await wb.runCommand('Prompt Tuner: Open Scale Test Run…');
        await wb.expectQuickInput('Open Scale Test Run');
        // The palette's own row shows first; the run list replaces it (newest run first).
        const item = wb.quickInput().locator('.monaco-list-row').first();
        const itemText = await waitFor(async () => {
          const t = await wb.rowText(item);
          return /^\S.* (running|completed|failed|cancelled|budget reached) · \d+ runs · /.test(t) &&
            !t.startsWith('Prompt Tuner:')
            ? t
            : null;
        }, 'the list of scale test runs');
        assert.match(
          itemText,
          /Hotel front desk.*running · 5 runs · openai\/sim-1/,
          `the newest run is listed as running: "${itemText}"`,
        );
        await wb.screenshot(join(ctx.resultsDir, 'scale-open-run-pick.png'));
        await item.click();

        await wb.page.locator('.tabs-container .tab.active', { hasText: 'Scale Test' }).waitFor({ timeout: 20_000 });
        frame = panel(wb);
        await frame.locator('[data-testid="progress-card"]').waitFor({ state: 'visible', timeout: 30_000 });
        const statusAtOpen = await text(frame, 'status');
        const doneAtOpen = await text(frame, 'completed');
        await shootPanel(wb, join(ctx.resultsDir, 'scale-reopened-running.png'));
        await frame
          .locator('[data-testid="status"]', { hasText: /Completed|Budget reached|Failed|Cancelled/ })
          .waitFor({ timeout: 180_000 });
        const status = await text(frame, 'status');
        assert.equal(
          status,
          'Completed',
          `the run completes (${status}: ${await text(frame, 'alerts').catch(() => '')})`,
        );
        assert.equal(await text(frame, 'completed'), `${RUNS}/${RUNS} conversations done`);
        await frame.locator('[data-testid="stats"]').waitFor({ timeout: 10_000 });
        await frame.locator('[data-testid="revised-prompt"]').waitFor({ timeout: 10_000 });
        const win = await text(frame, 'stat-win-rate');
        await shootPanel(wb, join(ctx.resultsDir, 'scale-reopened-completed.png'));
        return `closed at "${doneAtClose}", ${whileClosed} calls while closed; picked "${itemText.slice(0, 80)}"; reopened: ${statusAtOpen} "${doneAtOpen}" → ${status}, "${win}"`;
      } finally {
        await sim.configure({ latencyMs: normalLatency });
      }
    },
    { timeoutMs: 300_000 },
  );

  await steps.step(
    'a run cancelled mid-way shows Resume; resuming completes it and keeps the conversations it finished',
    async () => {
      const wb = ctx.workbench();
      await sim.configure({ latencyMs: SLOW_LATENCY_MS });
      let fastAgain = false;
      try {
        // The panel as a user finds it: Run Scale Test brings it back showing the last run, or the form.
        await wb.runCommand('Prompt Tuner: Run Scale Test');
        await wb.page.locator('.tabs-container .tab.active', { hasText: 'Scale Test' }).waitFor({ timeout: 20_000 });
        const frame = panel(wb);
        const newTest = frame.locator('[data-testid="new-scale-test"]');
        await newTest.or(frame.locator('[data-testid="start"]')).first().waitFor({ state: 'visible', timeout: 30_000 });
        if (await newTest.isVisible()) await newTest.click();
        await frame.locator('[data-testid="start"]').waitFor({ state: 'visible', timeout: 10_000 });
        // A panel opened anew (Open Scale Test Run… in the step before) starts from an empty form.
        if (
          (await frame
            .locator('[data-testid="model-agentModel"]')
            .evaluate((el) => (el as unknown as { value: string }).value)) === ''
        ) {
          await frame.locator('[data-testid="add-model-input"] input').fill(SIM_MODEL);
          await frame.locator('[data-testid="add-model"]').click();
          await choose(frame, 'model-agentModel', 'sim-1 (openai)');
        }
        // One at a time, so some conversations are finished and others not yet when Cancel is pressed.
        await frame.locator('[data-testid="param-concurrency"] input').fill('1');
        const start = frame.locator('[data-testid="start"]');
        await waitFor(
          async () =>
            (await text(frame, 'estimate-total')).includes('model calls') && !(await isDisabled(start)) ? true : null,
          'the estimate for one at a time',
          30_000,
        );
        await start.click();
        await frame.locator('[data-testid="progress-card"]').waitFor({ state: 'visible', timeout: 30_000 });
        await waitFor(
          async () => (/^[2-4]\/5 /.test(await text(frame, 'completed')) ? true : null),
          'two conversations done',
          120_000,
        );
        await frame.locator('[data-testid="cancel"]').click();
        await frame
          .locator('[data-testid="status"]', { hasText: /Cancelled|Completed|Failed/ })
          .waitFor({ timeout: 60_000 });
        assert.equal(
          await text(frame, 'status'),
          'Cancelled',
          `the run is cancelled (${await text(frame, 'alerts').catch(() => '')})`,
        );
        await frame.locator('[data-testid="run-cancelled"]').waitFor({ state: 'visible', timeout: 10_000 });
        const resume = frame.locator('[data-testid="resume"]');
        await resume.waitFor({ state: 'visible', timeout: 10_000 });
        const cancelledAt = await text(frame, 'completed');
        const before = await rowCells(frame);
        const kept = [...before].filter(([, c]) => isFinished(c));
        const toRun = [...before].filter(([, c]) => !isFinished(c)).map(([id]) => id);
        assert.ok(kept.length >= 1 && toRun.length >= 1, `some finished, some not: ${JSON.stringify([...before])}`);
        for (const [id, c] of kept)
          assert.ok(msOf(c.latency) >= SLOW_LATENCY_MS, `${id} ran on the slow simulator: ${c.latency}`);
        await shootPanel(wb, join(ctx.resultsDir, 'scale-cancelled.png'));
        await frame.locator('[data-testid="conversation-rows"]').scrollIntoViewIfNeeded();
        await shootPanel(wb, join(ctx.resultsDir, 'scale-cancelled-rows.png'));

        // Fast again: a conversation run again now has a mean latency far below the kept ones'.
        await sim.configure({ latencyMs: normalLatency });
        fastAgain = true;
        const lastSeq = Math.max(0, ...(await sim.requests()).map((r) => r.seq));
        await resume.click();
        // The same run again: running (Resume gone), then at its end.
        await resume.waitFor({ state: 'hidden', timeout: 30_000 });
        await frame
          .locator('[data-testid="status"]', { hasText: /Completed|Budget reached|Failed|Cancelled/ })
          .waitFor({ timeout: 180_000 });
        const status = await text(frame, 'status');
        assert.equal(
          status,
          'Completed',
          `the resumed run completes (${status}: ${await text(frame, 'alerts').catch(() => '')})`,
        );
        assert.equal(await text(frame, 'completed'), `${RUNS}/${RUNS} conversations done`);
        await frame.locator('[data-testid="stats"]').waitFor({ timeout: 10_000 });
        assert.equal(await frame.locator('[data-testid="resume"]').count(), 0, 'a completed run offers no Resume');
        const after = await rowCells(frame);
        assert.equal(after.size, RUNS, `${RUNS} rows after the resume`);
        for (const [id, c] of kept) assert.deepEqual(after.get(id), c, `${id} was kept as it was`);
        for (const id of toRun) {
          const c = after.get(id);
          assert.ok(
            c && /^(Passed|Failed|Unscored)$/.test(c.status),
            `${id} was run again to its end: ${JSON.stringify(c)}`,
          );
          assert.ok(msOf(c.latency) < SLOW_LATENCY_MS, `${id} ran again on the fast simulator: ${c.latency}`);
        }
        // The simulator's log: the resume asked for the conversations it ran again and no others (one seed each).
        const seeds = new Set(
          (await sim.requests())
            .filter((r) => r.seq > lastSeq && (r.mode === 'target' || r.mode === 'user' || r.mode === 'judge'))
            .map((r) => (r.body as { seed?: unknown } | null)?.seed),
        );
        assert.equal(
          seeds.size,
          toRun.length,
          `the resume's calls carry the seeds of ${toRun.length} conversations: ${JSON.stringify([...seeds])}`,
        );
        await frame.locator('[data-testid="status"]').scrollIntoViewIfNeeded();
        await shootPanel(wb, join(ctx.resultsDir, 'scale-resumed.png'));
        await frame.locator('[data-testid="conversation-rows"]').scrollIntoViewIfNeeded();
        await shootPanel(wb, join(ctx.resultsDir, 'scale-resumed-rows.png'));
        const show = (c: RowCells) => `${c.status} ${c.turns} turns ${c.latency}`;
        return `cancelled at "${cancelledAt}"; kept ${kept.map(([id, c]) => `${id} (${show(c)})`).join(', ')}; ran again ${toRun
          .map((id) => `${id} (${show(after.get(id)!)})`)
          .join(', ')}; ${status}, seeds ${JSON.stringify([...seeds])}`;
      } finally {
        if (!fastAgain) await sim.configure({ latencyMs: normalLatency });
      }
    },
    { timeoutMs: 360_000 },
  );
}
