// Issue 10's Testing view in a real VS Code, against the model simulator: a suite written into the workspace
// appears in the Test Explorer (the file watcher), its run from the explorer passes three cases and fails the
// one that expects the wrong city, the CodeLens shows the last outcome, the failure opens (from its inline
// failure widget) in the Test Results peek with the diff of expected and actual arguments, and Rerun Failed Tests
// calls the model for that case only (the simulator's call counter is the witness).
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { REPO_ROOT, RESULTS_DIR } from './paths';
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

  await suiteDiagnosticsSteps(ctx, suiteFile);

  // Later runs (and the other flows' pickers) expect one suite in the workspace.
  rmSync(suiteFile, { force: true });
}

/** The typo the user makes: the failed case's expected tool, renamed to one the suite does not define. */
const TYPO = '_today';

/** The CLI's exit-2 line for TEXT as a suite file: the message the diagnostic must carry, without the file name. */
function cliProblem(text: string, needle: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'pt-e2e-suite-'));
  try {
    const file = join(dir, 'typo.suite.json');
    writeFileSync(file, text);
    const cli = spawnSync(
      process.execPath,
      [join(REPO_ROOT, 'dist', 'cli.js'), 'eval', '--suite', file, '--prompt', 'x', '--model', SIM_MODEL],
      { cwd: dir, encoding: 'utf8', timeout: 30_000, env: { ...process.env, OPENAI_API_KEY: '' } },
    );
    assert.equal(cli.status, 2, `the CLI refuses the suite with exit 2: ${cli.status} ${cli.stderr}`);
    const line = cli.stderr.split('\n').find((l) => l.includes(needle));
    if (!line?.startsWith(`${file}: `)) throw new Error(`the CLI does not name the problem: ${cli.stderr}`);
    return line.slice(`${file}: `.length).trim();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The Problems panel's rows that mention TEXT, each as its aria label ("Error: MESSAGE at line L and character C…"). */
async function problemRows(wb: Workbench, text: string): Promise<string[]> {
  const rows = wb.page.locator('.part.panel .markers-panel .monaco-list-row').filter({ hasText: text });
  const labels: string[] = [];
  for (let i = 0; i < (await rows.count()); i++) {
    // The list keeps a row it is taking away for a moment, hidden and empty: only what a user can see counts.
    if (!(await rows.nth(i).isVisible())) continue;
    const label = await rows
      .nth(i)
      .getAttribute('aria-label')
      .catch(() => null);
    const text = (
      label ??
      (await rows
        .nth(i)
        .innerText()
        .catch(() => ''))
    )
      .replace(/\s+/g, ' ')
      .trim();
    if (text) labels.push(text);
  }
  return labels;
}

async function showProblems(wb: Workbench): Promise<void> {
  await wb.runCommand('View: Focus Problems (Errors, Warnings, Infos)');
  await wb.page.locator('.part.panel .markers-panel').first().waitFor({ state: 'visible', timeout: 10_000 });
}

/** Error squiggles in the active editor (monaco draws them as overlays of the lines in view). */
function squiggles(wb: Workbench) {
  return wb.page.locator('.editor-group-container.active .monaco-editor .squiggly-error');
}

const activeTabDirty = (wb: Workbench) =>
  wb.page
    .locator('.tabs-container .tab.active.dirty')
    .count()
    .then((n) => n > 0);

/**
 * The suite diagnostics as a user meets them: a typo typed into the open suite shows in the Problems panel with
 * the CLI's exit-2 message on the typo's line (and as a squiggle), and Ctrl+Z takes it away. The file on disk is
 * never written (the edit is only in the editor), and the editor is left as it was found.
 */
async function suiteDiagnosticsSteps(ctx: TestingFlowContext, suiteFile: string): Promise<void> {
  const { steps } = ctx;
  const original = fixtureSuite();
  const lines = original.split('\n');
  const caseLine = lineOf(original, `"id": "${FAILING_CASE}"`);
  // 1-based line of the failed case's `"tool": "get_weather",` (the first after its id).
  const toolLine = lines.findIndex((l, i) => i >= caseLine && l.includes('"tool": "get_weather"')) + 1;
  assert.ok(toolLine > caseLine, "the fixture's failed case has an expected tool");
  const typed = original
    .split('\n')
    .map((l, i) => (i === toolLine - 1 ? l.replace('"get_weather"', `"get_weather${TYPO}"`) : l))
    .join('\n');
  const message = cliProblem(typed, `get_weather${TYPO}`);
  const column = (lines[toolLine - 1] ?? '').indexOf('"get_weather"') + 1;
  const wanted = new RegExp(`at line ${toolLine} and character ${column}\\b`);

  await steps.step(
    'a typo typed into the suite shows in Problems with the CLI message on its line',
    async () => {
      const wb = ctx.workbench();
      await openFile(wb, 'testing-demo.suite.json');
      await showProblems(wb);
      assert.deepEqual(await problemRows(wb, message), [], 'no such problem before the edit');
      await goToLine(wb, toolLine);
      await wb.focusEditor();
      // At the end of `"tool": "get_weather",`, two characters back is inside the string, before its closing quote.
      await wb.page.keyboard.press('End');
      await wb.page.keyboard.press('ArrowLeft');
      await wb.page.keyboard.press('ArrowLeft');
      await wb.page.keyboard.type(TYPO, { delay: 40 });
      await wb.page.keyboard.press('Escape'); // a suggestion list, if one opened, must not take the next key
      const deadline = Date.now() + 15_000;
      let text = '';
      while (!text.includes(`"tool": "get_weather${TYPO}",`)) {
        if (Date.now() > deadline) throw new Error(`the editor does not show the typo: ${text.slice(0, 300)}`);
        text = await wb.activeEditorText();
        await wb.page.waitForTimeout(200);
      }
      let rows: string[] = [];
      for (const until = Date.now() + 15_000; Date.now() < until;) {
        rows = await problemRows(wb, message);
        if (rows.length > 0) break;
        await wb.page.waitForTimeout(250);
      }
      const all = await problemRows(wb, '');
      assert.equal(rows.length, 1, `one Problems row with "${message}"; the panel has: ${JSON.stringify(all)}`);
      assert.match(rows[0] ?? '', /^Error: /, `an error: ${rows[0]}`);
      assert.match(rows[0] ?? '', wanted, `on line ${toolLine}, column ${column} (the typed tool name): ${rows[0]}`);
      assert.match(rows[0] ?? '', /Prompt Tuner/, `from Prompt Tuner: ${rows[0]}`);
      await squiggles(wb).first().waitFor({ state: 'attached', timeout: 10_000 });
      // The squiggle's hover, as a user points at it: the same message, in the editor.
      let hover = '';
      for (const until = Date.now() + 10_000; !hover.includes(message) && Date.now() < until;) {
        await squiggles(wb).first().hover({ force: true });
        await wb.page.waitForTimeout(1_000);
        hover = (
          await wb.page
            .locator('.monaco-hover:visible')
            .allInnerTexts()
            .catch(() => [])
        )
          .join(' ')
          .replace(/\s+/g, ' ');
      }
      assert.ok(hover.includes(message), `the squiggle's hover shows the message: ${hover.slice(0, 300)}`);
      await wb.screenshot(join(RESULTS_DIR, 'suite-diagnostic-hover.png'));
      assert.equal(await activeTabDirty(wb), true, 'the edit is in the editor, not saved');
      assert.equal(readFileSync(suiteFile, 'utf8'), original, 'the file on disk is unchanged');
      return `${rows[0]}`;
    },
    { critical: true, timeoutMs: 60_000 },
  );

  await steps.step(
    'Ctrl+Z takes the typo back and its problem leaves the Problems panel',
    async () => {
      const wb = ctx.workbench();
      await wb.focusEditor();
      await wb.page.keyboard.press('Control+Z');
      // One undo takes back the whole word typed; another press is harmless (nothing older to undo).
      for (const until = Date.now() + 10_000; await activeTabDirty(wb);) {
        if (Date.now() > until) throw new Error('the editor is still modified after Ctrl+Z');
        await wb.page.waitForTimeout(300);
        if (await activeTabDirty(wb)) await wb.page.keyboard.press('Control+Z');
      }
      const text = await wb.activeEditorText();
      assert.ok(!text.includes(TYPO), `the typo is gone from the editor: ${text.slice(0, 300)}`);
      let rows = await problemRows(wb, message);
      for (const until = Date.now() + 15_000; rows.length > 0 && Date.now() < until;) {
        await wb.page.waitForTimeout(250);
        rows = await problemRows(wb, message);
      }
      assert.deepEqual(rows, [], 'the problem is gone from the Problems panel');
      for (const until = Date.now() + 10_000; (await squiggles(wb).count()) > 0 && Date.now() < until;)
        await wb.page.waitForTimeout(250);
      assert.equal(await squiggles(wb).count(), 0, 'no error squiggle in the suite');
      assert.equal(readFileSync(suiteFile, 'utf8'), original, 'the file on disk is unchanged');
      return `the panel has ${JSON.stringify(await problemRows(wb, ''))}`;
    },
    { timeoutMs: 45_000 },
  );

  // Whatever failed above, the suite's editor must not keep an unsaved edit for the steps and runs after this.
  const wb = ctx.workbench();
  if (await activeTabDirty(wb).catch(() => false)) await wb.runCommand('File: Revert File').catch(() => undefined);
}
