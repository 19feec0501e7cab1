// Issue 10's Testing view in a real VS Code, against the model simulator: a suite written into the workspace
// appears in the Test Explorer (the file watcher), its run from the explorer passes three cases and fails the
// one that expects the wrong city, the CodeLens shows the last outcome, the failure opens (from its inline
// failure widget) in the Test Results peek with the diff of expected and actual arguments, and Rerun Failed Tests
// calls the model for that case only (the simulator's call counter is the witness).
import { strict as assert } from 'node:assert';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { REPO_ROOT } from './paths';
import type { StepRunner } from './steps';
import type { Workbench } from './workbench';

/** The fixture suite, written by the flow (after the other flows, which expect one suite in the workspace). */
export const TESTING_SUITE_PATH = 'suites/testing-demo.suite.json';
const PROMPT_FILE = 'testing-prompt.md';
const SIM_MODEL = 'openai/sim-1';
/** The target model of the Testing view's profiles. */
export const TESTING_E2E_SETTINGS = { 'promptTuner.evaluation.models': [SIM_MODEL] };
const FAILING_CASE = 'weather-wrong-on-purpose';

export interface TestingFlowContext {
  workbench: () => Workbench;
  steps: StepRunner;
  workspace: string;
  /** Calls the simulator answered so far. */
  simCalls: () => Promise<number>;
}

/** Three cases of the example suite that the simulator passes, and one that expects Lisbon for Porto. */
function fixtureSuite(): string {
  const example = JSON.parse(readFileSync(join(REPO_ROOT, 'examples', 'travel-desk.suite.json'), 'utf8')) as {
    tools: unknown[];
    cases: { id: string }[];
  };
  const pick = (id: string) => example.cases.find((c) => c.id === id);
  return `${JSON.stringify(
    {
      name: 'Testing demo',
      description: 'The e2e fixture of the Testing flow: one case fails on purpose.',
      tools: example.tools,
      cases: [
        pick('weather-iso'),
        pick('flights-basic'),
        {
          id: FAILING_CASE,
          prompt: "What's the weather in Porto on 2026-12-05?",
          expect: { tool: 'get_weather', args: { city: 'Lisbon', date: '2026-12-05' } },
        },
        pick('cancel-basic'),
      ],
    },
    null,
    2,
  )}\n`;
}

async function retry<T>(what: string, fn: () => Promise<T>, timeout = 30_000): Promise<T> {
  const deadline = Date.now() + timeout;
  for (;;) {
    try {
      return await fn();
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`${what}: ${(error as Error).message}`, { cause: error });
      await new Promise((r) => setTimeout(r, 1_000));
    }
  }
}

async function openFile(wb: Workbench, name: string): Promise<void> {
  await retry(`open ${name}`, async () => {
    try {
      await wb.openFile(name);
    } catch (e) {
      await wb.closeQuickInput();
      throw e;
    }
  });
}

/** 1-based line of the first line of TEXT that contains NEEDLE. */
function lineOf(text: string, needle: string): number {
  return text.split('\n').findIndex((l) => l.includes(needle)) + 1;
}

/** Ctrl+G in the active editor: the line scrolls into view (CodeLens render only for lines in view). */
async function goToLine(wb: Workbench, line: number): Promise<void> {
  await wb.focusEditor();
  await wb.page.keyboard.press('Control+G');
  await wb.expectQuickInput(':', 5_000).catch(() => undefined);
  await wb.answerInput(`:${line}`);
}

/** The Test Explorer's rows. */
function explorerRows(wb: Workbench) {
  return wb.page.locator('.part.sidebar .monaco-list-row');
}

function explorerRow(wb: Workbench, text: string) {
  return explorerRows(wb).filter({ hasText: text }).first();
}

/** When no active context exists the run asks for the prompt: the prompt file, open in the editor. */
async function answerPromptPick(wb: Workbench): Promise<string> {
  try {
    await wb.expectQuickInput('System prompt to evaluate', 8_000);
  } catch {
    return 'the active context';
  }
  await wb.pickQuickItem('Current file');
  return PROMPT_FILE;
}

async function waitForState(wb: Workbench, label: string, state: 'passed' | 'failed', timeout = 60_000) {
  await explorerRow(wb, label).locator(`.codicon-testing-${state}-icon`).first().waitFor({ state: 'visible', timeout });
}

export async function testingFlow(ctx: TestingFlowContext): Promise<void> {
  const { steps } = ctx;
  const suiteFile = join(ctx.workspace, TESTING_SUITE_PATH);
  let promptSource = '';

  await steps.step(
    'the Test Explorer lists a suite written into the workspace, with its cases',
    async () => {
      const wb = ctx.workbench();
      await wb.clearNotifications();
      writeFileSync(join(ctx.workspace, PROMPT_FILE), 'You are a helpful travel assistant.\n');
      mkdirSync(dirname(suiteFile), { recursive: true });
      writeFileSync(suiteFile, fixtureSuite());
      await openFile(wb, PROMPT_FILE);
      await wb.openViewContainer('Testing');
      const suiteRow = explorerRow(wb, 'Testing demo');
      await suiteRow.waitFor({ state: 'visible', timeout: 30_000 });
      // Expanded, the suite shows its cases (read when the view asks for them).
      if ((await suiteRow.getAttribute('aria-expanded')) !== 'true')
        await suiteRow.locator('.monaco-tl-twistie').click();
      await explorerRow(wb, FAILING_CASE).waitFor({ state: 'visible', timeout: 15_000 });
      const rows = (await explorerRows(wb).allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
      for (const id of ['weather-iso', 'flights-basic', FAILING_CASE, 'cancel-basic'])
        assert.ok(
          rows.some((r) => r.startsWith(id)),
          `case ${id} is a row: ${JSON.stringify(rows)}`,
        );
      return `rows: ${rows.join(' | ')}`;
    },
    { critical: true, timeoutMs: 90_000 },
  );

  await steps.step(
    'Run from the Test Explorer: three cases pass, the wrong-city case fails',
    async () => {
      const wb = ctx.workbench();
      const before = await ctx.simCalls();
      const suiteRow = explorerRow(wb, 'Testing demo');
      await suiteRow.hover();
      const inline = suiteRow.locator('.action-label[aria-label^="Run Test"]').first();
      // The row's inline Run action shows on hover; its context menu has the same entry.
      if (await inline.isVisible().catch(() => false)) await inline.click();
      else await wb.contextMenu(suiteRow, 'Run Test');
      promptSource = await answerPromptPick(wb);
      await waitForState(wb, FAILING_CASE, 'failed');
      for (const id of ['weather-iso', 'flights-basic', 'cancel-basic']) await waitForState(wb, id, 'passed', 15_000);
      const calls = (await ctx.simCalls()) - before;
      assert.equal(calls, 4, `one model call per case; the simulator answered ${calls}`);
      return `prompt: ${promptSource}; ${calls} model calls`;
    },
    { critical: true, timeoutMs: 120_000 },
  );

  await steps.step(
    'the CodeLens above the case shows its last outcome',
    async () => {
      const wb = ctx.workbench();
      // The suite's editor at the failed case, whose lenses are then in view.
      await openFile(wb, 'testing-demo.suite.json');
      await goToLine(wb, lineOf(fixtureSuite(), `"id": "${FAILING_CASE}"`));
      const lenses = wb.page.locator('.editor-group-container.active .codelens-decoration:visible');
      await lenses.first().waitFor({ state: 'visible', timeout: 15_000 });
      let all = '';
      for (let i = 0; i < 30 && !all.includes('value_error'); i++) {
        all = (await lenses.allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim()).join(' || ');
        await wb.page.waitForTimeout(300);
      }
      assert.match(all, /Run \| Run on…/, `Run and Run on… above each case: ${all}`);
      assert.match(all, new RegExp(`✗ ${SIM_MODEL} value_error`), `the failed outcome per model: ${all}`);
      assert.match(all, new RegExp(`✓ ${SIM_MODEL} \\d+\\.\\d\\d s`), `a passed outcome with its latency: ${all}`);
      return all.slice(0, 200);
    },
    { timeoutMs: 40_000 },
  );

  await steps.step(
    'the failure opens with its diff of expected and actual arguments',
    async () => {
      const wb = ctx.workbench();
      // VS Code 1.139 marks the failed case's line with an inline failure widget ("actual != expected" for a diff
      // message); clicking it opens the Test Results peek on that message, which shows a diff message as a
      // side-by-side diff editor (Expected result | Actual result). "Go to Next Test Failure" only moves within a
      // peek that is already open; "Test: Peek Output" opens it from the cursor, the way without the mouse.
      const group = wb.page.locator('.editor-group-container.active');
      await openFile(wb, 'testing-demo.suite.json');
      await goToLine(wb, lineOf(fixtureSuite(), `"id": "${FAILING_CASE}"`));
      const widget = group.locator('.test-error-content-widget').first();
      let how = 'the inline failure widget';
      const inlineText = await widget
        .waitFor({ state: 'visible', timeout: 10_000 })
        .then(async () => (await widget.innerText()).replace(/\s+/g, ' ').trim())
        .catch(() => '');
      if (inlineText) await widget.click();
      else {
        how = 'Test: Peek Output';
        await wb.runCommand('Test: Peek Output');
      }
      const peek = group.locator('.zone-widget.test-output-peek').first();
      await peek.waitFor({ state: 'visible', timeout: 15_000 });
      const diff = peek.locator('.monaco-diff-editor').first();
      try {
        await diff.waitFor({ state: 'visible', timeout: 15_000 });
      } catch {
        const seen = (await peek.innerText().catch(() => '')).replace(/\s+/g, ' ').slice(0, 300);
        throw new Error(`the peek (opened by ${how}) shows no diff editor; it shows: ${seen}`);
      }
      const side = async (which: 'original' | 'modified', needle: RegExp) => {
        const lines = diff.locator(`.editor.${which} .view-lines`).first();
        let text = '';
        for (let i = 0; i < 30; i++) {
          text = (await lines.innerText().catch(() => '')).replace(/\u00a0/g, ' ');
          if (needle.test(text)) break;
          await wb.page.waitForTimeout(200);
        }
        return text;
      };
      const expected = await side('original', /"city": "Lisbon"/);
      const actual = await side('modified', /"city": "Porto"/);
      assert.match(expected, /"tool": "get_weather"/, `the expected side (left) has the expected call: ${expected}`);
      assert.match(expected, /"city": "Lisbon"/, `the expected side (left) has the expected city: ${expected}`);
      assert.match(actual, /"city": "Porto"/, `the actual side (right) has the city the model gave: ${actual}`);
      assert.doesNotMatch(actual, /Lisbon/, `the actual side is the model's call, not the expectation: ${actual}`);
      const title = (await peek.locator('.peekview-title').innerText()).replace(/\s+/g, ' ').trim();
      const body = (await peek.innerText()).replace(/\s+/g, ' ');
      assert.match(`${title} ${body}`, /value_error/, `the peek names the reason: ${title} | ${body.slice(0, 300)}`);
      const changed = await diff.locator('.line-insert, .char-insert, .line-delete, .char-delete').count();
      assert.ok(changed > 0, 'the diff marks the changed city');
      return `opened by ${how}${inlineText ? ` ("${inlineText.slice(0, 80)}")` : ''}; peek "${title.slice(0, 120)}"`;
    },
    { timeoutMs: 60_000 },
  );

  await steps.step(
    'Rerun Failed Tests calls the model for the failed case only',
    async () => {
      const wb = ctx.workbench();
      const before = await ctx.simCalls();
      await wb.runCommand('Test: Rerun Failed Tests');
      // The prompt chosen for the first run is kept: no question this time.
      const asked = await wb
        .expectQuickInput('System prompt to evaluate', 3_000)
        .then(() => true)
        .catch(() => false);
      assert.equal(asked, false, 'the rerun did not ask for the prompt again');
      let calls = 0;
      for (let i = 0; i < 100 && calls < 1; i++) {
        calls = (await ctx.simCalls()) - before;
        await wb.page.waitForTimeout(200);
      }
      await wb.page.waitForTimeout(1_500);
      calls = (await ctx.simCalls()) - before;
      assert.equal(calls, 1, `the rerun asked the model once (the failed case); it asked ${calls} times`);
      await wb.openViewContainer('Testing');
      await waitForState(wb, FAILING_CASE, 'failed', 15_000);
      return `${calls} model call`;
    },
    { timeoutMs: 60_000 },
  );

  // Later runs (and the other flows' pickers) expect one suite in the workspace.
  rmSync(suiteFile, { force: true });
}
