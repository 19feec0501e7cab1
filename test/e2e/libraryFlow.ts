// Issue 2's library flow in a real VS Code: the view shows; Save Selection to Library from an
// editor; the version appears in the tree; Insert into File inserts its text; Apply to Context
// updates the status bar; Compare with Previous opens a diff. The files on disk are a second witness.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { waitFor } from './panelFrame';
import type { StepRunner } from './steps';
import { exactText, type Workbench } from './workbench';
import { REPO_ROOT } from './paths';

export const PROMPT_NAME = 'support-agent';
export const VIEW_CONTAINER = 'Prompt Tuner';
export const VIEW = 'Prompt Library';

/** agent.md: a heading, a blank line, then the system prompt (lines 3–5) that gets saved. */
export const AGENT_MD = [
  '# Support agent',
  '',
  'You are a support agent for Acme Travel.',
  'Answer in two sentences or fewer.',
  'Call a tool whenever the user asks about a booking.',
  '',
].join('\n');
const V1_TEXT = AGENT_MD.split('\n').slice(2, 5).join('\n');
const V2_EXTRA = 'Never invent booking numbers.';
const V2_TEXT = `${V1_TEXT}\n${V2_EXTRA}`;
/** notes.md: the target of Insert into File (at the end, then replacing the PLACEHOLDER line). */
export const NOTES_MD = '# Notes\n\nPLACEHOLDER\n\n';

export interface FlowContext {
  /** The workbench once it is open (steps only run after the step that opens it passed). */
  workbench: () => Workbench;
  steps: StepRunner;
  workspace: string;
  /** Filled in when the view first shows: click on the activity bar → tree or welcome visible. */
  timings: { viewShownMs?: number; runningExtensions?: string };
}

/** The CLI over the same store: a witness outside VS Code that the version was stored. */
const CliVersion = z.object({ version: z.number(), text: z.string(), label: z.string().nullable() });
function cliShow(workspace: string, ref: string): z.infer<typeof CliVersion> {
  const cli = join(REPO_ROOT, 'dist', 'cli.js');
  const r = spawnSync(process.execPath, [cli, 'library', 'show', ref, '--json', '--workspace', workspace], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (r.status !== 0) throw new Error(`prompt-tuner library show ${ref} exited ${r.status}: ${r.stderr || r.stdout}`);
  const parsed = CliVersion.safeParse(JSON.parse(r.stdout));
  if (!parsed.success) throw new Error(`prompt-tuner library show ${ref} --json: ${parsed.error.message}`);
  return parsed.data;
}

/** Runs Save Selection to Library and answers its questions; returns the toast text. */
async function saveSelection(
  wb: Workbench,
  target: 'new' | string,
  label: string,
  expectToast: string,
): Promise<string> {
  await wb.runCommand('Prompt Tuner: Save Selection to Library');
  await wb.expectQuickInput('Save to Prompt Library');
  if (target === 'new') {
    await wb.pickQuickItem('New prompt…');
    await wb.expectQuickInput('Name of the new prompt');
    await wb.answerInput(PROMPT_NAME);
  } else {
    await wb.pickQuickItem(target);
  }
  await wb.expectQuickInput('Label for this version');
  await wb.answerInput(label);
  return wb.expectToast(expectToast);
}

export async function libraryFlow(ctx: FlowContext): Promise<void> {
  const { steps, workspace, timings } = ctx;
  // The workbench is looked up inside each step: when opening it failed, the steps are not run.
  const use = (): { wb: Workbench; page: Workbench['page'] } => {
    const wb = ctx.workbench();
    return { wb, page: wb.page };
  };

  await steps.step(
    'the Prompt Tuner activity-bar view shows the Prompt Library',
    async () => {
      const { wb } = use();
      const sidebar = await wb.openViewContainer(VIEW_CONTAINER);
      const pane = wb.viewPane(VIEW);
      // A new workspace has an empty library: the view must render its welcome content with actions.
      const welcome = pane.locator('.welcome-view-content');
      await welcome.waitFor({ state: 'visible', timeout: 20_000 }).catch(async () => {
        const text = (await sidebar.innerText().catch(() => '')).trim();
        throw new Error(
          `the side bar shows no "${VIEW}" welcome content for the empty library; it shows: ${JSON.stringify(text.slice(0, 400))}`,
        );
      });
      timings.viewShownMs = Date.now() - wb.lastClickAt;
      const buttons = (await welcome.locator('.monaco-button').allInnerTexts()).map((b) => b.trim()).filter(Boolean);
      assert.ok(buttons.length > 0, 'the empty library offers actions (welcome buttons)');
      return `welcome rendered ${timings.viewShownMs} ms after the click, buttons ${JSON.stringify(buttons)}`;
    },
    { critical: true },
  );

  await steps.step(
    'Save Selection to Library saves a new prompt from the editor',
    async () => {
      const { wb } = use();
      await wb.openFile('agent.md');
      await wb.selectLines(3, 5);
      const toast = await saveSelection(wb, 'new', 'first draft', `Saved ${PROMPT_NAME} v1 to the Prompt Library`);
      const stored = cliShow(workspace, `${PROMPT_NAME}@1`);
      assert.equal(stored.text, V1_TEXT, 'the CLI reads v1 with exactly the selected text');
      assert.equal(stored.label, 'first draft', 'the CLI reads v1 with its label');
      return `toast "${toast.split('\n')[0]}"; the CLI reads v1 with the selected text and label`;
    },
    { critical: true },
  );

  await steps.step(
    'the version appears in the tree under its prompt',
    async () => {
      const { wb } = use();
      await wb.clearNotifications();
      const promptRow = wb.treeRow(VIEW, PROMPT_NAME);
      await promptRow.waitFor({ state: 'visible', timeout: 15_000 });
      if ((await promptRow.getAttribute('aria-expanded')) !== 'true')
        await promptRow.locator('.monaco-tl-twistie').click();
      const versionRow = wb.treeRow(VIEW, /^\s*v1\b/);
      await versionRow.waitFor({ state: 'visible', timeout: 10_000 });
      const text = await wb.rowText(versionRow);
      assert.match(text, /first draft/, `the v1 row shows its label; it shows "${text}"`);
      return `row "${text}"`;
    },
    { critical: true },
  );

  await steps.step('Insert into File inserts the version text at the cursor', async () => {
    const { wb, page } = use();
    await wb.openFile('notes.md');
    await page.keyboard.press('Control+End');
    await wb.contextMenu(wb.treeRow(VIEW, /^\s*v1\b/), 'Insert into File');
    const editorText = await waitFor(async () => {
      const t = await wb.activeEditorText();
      return t.includes(V1_TEXT.split('\n')[0] ?? '') ? t : null;
    }, 'the inserted text in the notes.md editor');
    await wb.focusEditor();
    await page.keyboard.press('Control+S');
    const onDisk = await waitFor(() => {
      const t = readFileSync(join(workspace, 'notes.md'), 'utf8');
      return Promise.resolve(t.includes(V1_TEXT) ? t : null);
    }, `notes.md on disk containing the v1 text`);
    assert.ok(onDisk.startsWith('# Notes'), 'the existing text stays before the insertion');
    return `editor shows ${editorText.split('\n').length} lines; notes.md on disk holds the v1 text`;
  });

  await steps.step('Apply to Context shows the version in the status bar', async () => {
    const { wb, page } = use();
    await wb.contextMenu(wb.treeRow(VIEW, /^\s*v1\b/), 'Apply to Context');
    const item = wb.statusBarItem(exactText(`${PROMPT_NAME} v1`));
    await item.waitFor({ state: 'visible', timeout: 10_000 });
    // The tooltip is a hover: move onto the item and read it.
    await item.hover();
    const hover = page.locator('.monaco-hover, .workbench-hover').filter({ hasText: 'Active system prompt' }).first();
    const tooltip = (await hover.innerText({ timeout: 5_000 }).catch(() => '')).replace(/\s+/g, ' ').trim();
    assert.ok(
      tooltip.startsWith('Active system prompt'),
      `the status-bar tooltip starts "Active system prompt"; it is ${JSON.stringify(tooltip)}`,
    );
    await page.mouse.move(700, 400);
    return `status bar item "${(await item.innerText()).trim()}", tooltip "${tooltip.slice(0, 80)}"`;
  });

  await steps.step(
    'Save Selection to Library adds v2 to the existing prompt',
    async () => {
      const { wb, page } = use();
      await wb.openFile('agent.md');
      await page.keyboard.press('Control+Home');
      for (let i = 1; i < 5; i++) await page.keyboard.press('ArrowDown');
      await page.keyboard.press('End');
      await page.keyboard.press('Enter');
      await page.keyboard.type(V2_EXTRA);
      await wb.selectLines(3, 6);
      const toast = await saveSelection(wb, PROMPT_NAME, 'stricter', `Saved ${PROMPT_NAME} v2 to the Prompt Library`);
      const stored = cliShow(workspace, PROMPT_NAME);
      assert.equal(stored.version, 2, 'the CLI reads v2 as the latest version');
      assert.equal(stored.text, V2_TEXT, 'v2 holds the new selection');
      return `toast "${toast.split('\n')[0]}"; the CLI reads v2 as the latest version`;
    },
    { critical: true },
  );

  await steps.step('the tree shows v2 above v1 without a manual refresh', async () => {
    const { wb } = use();
    const v2 = wb.treeRow(VIEW, /^\s*v2\b/);
    await v2.waitFor({ state: 'visible', timeout: 10_000 });
    const rows: string[] = [];
    for (const row of await wb.treeRows(VIEW).all()) rows.push(await wb.rowText(row));
    const i2 = rows.findIndex((r) => /^v2 /.test(r));
    const i1 = rows.findIndex((r) => /^v1 /.test(r));
    assert.ok(i2 >= 0 && i1 > i2, `newest first: v2 above v1; rows ${JSON.stringify(rows)}`);
    return `rows ${JSON.stringify(rows)}`;
  });

  await steps.step('Insert into File from the palette replaces the selection', async () => {
    const { wb, page } = use();
    await wb.openFile('notes.md');
    await wb.selectLines(3, 3);
    await wb.runCommand('Prompt Tuner: Insert into File');
    await wb.expectQuickInput(`${PROMPT_NAME} v2`);
    await wb.pickQuickItem(`${PROMPT_NAME} v2`);
    await waitFor(
      async () => ((await wb.activeEditorText()).includes(V2_EXTRA) ? true : null),
      'v2 in the notes.md editor',
    );
    await wb.focusEditor();
    await page.keyboard.press('Control+S');
    const onDisk = await waitFor(() => {
      const t = readFileSync(join(workspace, 'notes.md'), 'utf8');
      return Promise.resolve(t.includes(V2_TEXT) ? t : null);
    }, 'notes.md on disk containing the v2 text');
    assert.ok(!onDisk.includes('PLACEHOLDER'), `the selected line was replaced; notes.md is ${JSON.stringify(onDisk)}`);
    assert.ok(onDisk.includes(V1_TEXT), 'the earlier insertion stays');
    return 'PLACEHOLDER replaced by v2 on disk';
  });

  await steps.step('Compare with Previous opens a diff editor from the palette', async () => {
    const { wb, page } = use();
    await wb.clearNotifications();
    await wb.runCommand('Prompt Tuner: Compare with Previous');
    await wb.expectQuickInput(`${PROMPT_NAME} v2`);
    await wb.pickQuickItem(`${PROMPT_NAME} v2`);
    const diff = page.locator('.editor-group-container.active .monaco-diff-editor').first();
    await diff.waitFor({ state: 'visible', timeout: 15_000 });
    const modified = await waitFor(async () => {
      const t = (
        await diff
          .locator('.editor.modified .view-lines')
          .innerText()
          .catch(() => '')
      ).replace(/\u00a0/g, ' ');
      return t.includes(V2_EXTRA) ? t : null;
    }, `the diff's right side showing v2 ("${V2_EXTRA}")`);
    const tab = (
      await page
        .locator('.tabs-container .tab.active')
        .innerText()
        .catch(() => '')
    ).trim();
    return `diff editor "${tab}", right side ${modified.split('\n').length} lines`;
  });

  await steps.step('Clear Active Context removes the status-bar item', async () => {
    const { wb } = use();
    await wb.runCommand('Prompt Tuner: Clear Active Context');
    // Later flows (tuning) start from no active context, as a new user does.
    await wb.statusBarItem(exactText(`${PROMPT_NAME} v1`)).waitFor({ state: 'hidden', timeout: 10_000 });
    return 'no active-context item in the status bar';
  });

  await steps.step("VS Code's Running Extensions view lists the activation time", async () => {
    const { wb, page } = use();
    await wb.runCommand('Developer: Show Running Extensions');
    // A list sorted by activation time, taller than its (modal) editor: go to its end if needed.
    const anyRow = page.locator('.monaco-list-row', { hasText: /Activation:/ }).first();
    await anyRow.waitFor({ state: 'visible', timeout: 15_000 });
    const row = page
      .locator('.monaco-list-row', { hasText: /Activation:/ })
      .filter({ hasText: 'Prompt Tuner' })
      .first();
    if (!(await row.isVisible())) {
      await anyRow.click();
      await page.keyboard.press('End');
    }
    await row.waitFor({ state: 'visible', timeout: 10_000 });
    const text = (await row.innerText()).replace(/\s+/g, ' ').trim();
    const ms = /(\d+)\s*ms/.exec(text)?.[0];
    assert.ok(ms, `the Running Extensions row shows an activation time; it shows ${JSON.stringify(text)}`);
    timings.runningExtensions = text;
    await page.keyboard.press('Escape');
    return text;
  });
}
