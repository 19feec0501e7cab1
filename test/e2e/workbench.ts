// Drives VS Code's workbench in the browser the way a user does: palette, quick inputs, editors,
// views, context menus, notifications and the status bar. Selectors are VS Code's own DOM classes.
import type { Locator, Page } from 'playwright-core';

const QUICK_INPUT = '.quick-input-widget';

export class Workbench {
  private readonly started = Date.now();
  /** When openViewContainer last clicked (for timing how soon a view renders). */
  lastClickAt = 0;
  constructor(readonly page: Page) {}

  /** With E2E_DEBUG=1, prints each driver action with the seconds since the workbench opened. */
  trace(message: string): void {
    if (process.env.E2E_DEBUG) console.log(`      [${((Date.now() - this.started) / 1000).toFixed(1)}s] ${message}`);
  }

  async waitReady(): Promise<void> {
    await this.page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60_000 });
    // The status bar is one of the last parts to render; after it the workbench takes keys.
    await this.page.locator('.part.statusbar').waitFor({ state: 'visible', timeout: 30_000 });
  }

  /**
   * "Developer: Reload Window" from the palette, as a user runs it, then waits for the new workbench; returns the
   * milliseconds it took. The Page stays the same object (the reload navigates it), so the locators and frame
   * locators built after this find the reloaded DOM; only handles held from before (an ElementHandle, a Frame)
   * are gone. A mark left on the old document tells the two workbenches apart: `.monaco-workbench` alone is
   * also found on the old page in the moment before it unloads.
   */
  async reloadWindow(timeout = 90_000): Promise<number> {
    const started = Date.now();
    type Marked = { __e2eBeforeReload?: boolean };
    await this.page.evaluate(() => {
      (globalThis as unknown as Marked).__e2eBeforeReload = true;
    });
    await this.runCommand('Developer: Reload Window');
    const deadline = Date.now() + timeout;
    for (;;) {
      // Evaluating while the page navigates throws (its context is destroyed): "not yet".
      const old = await this.page
        .evaluate(() => (globalThis as unknown as Marked).__e2eBeforeReload === true)
        .catch(() => true);
      if (!old) break;
      if (Date.now() > deadline) throw new Error(`the window did not reload within ${timeout} ms`);
      await this.page.waitForTimeout(200);
    }
    await this.waitReady();
    this.trace(`window reloaded in ${Date.now() - started} ms`);
    return Date.now() - started;
  }

  quickInput(): Locator {
    return this.page.locator(QUICK_INPUT);
  }

  /**
   * F1, `>TITLE`, then Enter on the row that shows exactly that command.
   *
   * The palette lists the commands the workbench knows when it computes its rows. Right after the workbench
   * renders, the extension host may still be starting (code-server: the remote extension host is launched after
   * the workbench connects, and only then are its extensions' contributions registered): an extension's command is
   * then not in the palette at all and the first row is "similar commands". So when the row does not show, the
   * palette is closed and opened again until TIMEOUT.
   */
  async runCommand(title: string, timeout = 45_000): Promise<void> {
    this.trace(`command ${title}`);
    const deadline = Date.now() + timeout;
    for (let attempt = 1; ; attempt++) {
      await this.closeQuickInput();
      await this.openQuickInput(['F1', 'F1', 'Control+Shift+P'], 'the command palette');
      const input = this.quickInput().locator('input');
      await input.fill(`>${title}`);
      const row = this.quickInput().locator('.monaco-list-row').first();
      try {
        await row.waitFor({ state: 'visible', timeout: 5_000 });
        await waitForText(row, title, `the command palette's first row for "${title}"`, 5_000);
        if (attempt > 1) this.trace(`"${title}" in the palette at attempt ${attempt}`);
        break;
      } catch (error) {
        if (Date.now() > deadline)
          throw new Error(`${(error as Error).message} (palette opened ${attempt} times in ${timeout} ms)`, {
            cause: error,
          });
        this.trace(`"${title}" not in the palette yet (attempt ${attempt}): ${(error as Error).message}`);
        await this.page.waitForTimeout(1_000);
      }
    }
    await this.page.keyboard.press('Enter');
  }

  /**
   * F1 opens the palette wherever the workbench has focus, but a key pressed while focus sits inside a
   * webview's iframe reaches the workbench only if the webview forwards it, which a loaded machine can miss.
   * So: the key; if no quick input shows, take focus back to the workbench (blur the iframe) and try the next key.
   */
  private async openQuickInput(keys: string[], what: string): Promise<void> {
    const input = this.quickInput().locator('input');
    const focusedIn = async () =>
      this.page
        .evaluate(() => {
          const doc = (
            globalThis as unknown as { document: { activeElement: { tagName: string; className: string } | null } }
          ).document;
          const el = doc.activeElement;
          return el
            ? `${el.tagName.toLowerCase()}.${String(el.className).split(' ').slice(0, 2).join('.')}`
            : 'nothing';
        })
        .catch(() => 'unknown');
    const tried: string[] = [];
    for (const key of keys) {
      if (tried.length > 0) {
        // Focus back on the workbench document, out of whatever iframe holds it.
        await this.page
          .evaluate(() => {
            const doc = (globalThis as unknown as { document: { activeElement: { blur?: () => void } | null } })
              .document;
            doc.activeElement?.blur?.();
          })
          .catch(() => undefined);
      }
      tried.push(`${key} with focus on ${await focusedIn()}`);
      await this.page.keyboard.press(key);
      try {
        await input.waitFor({ state: 'visible', timeout: 5_000 });
        if (tried.length > 1) this.trace(`${what} opened after: ${tried.join('; ')}`);
        return;
      } catch {
        // next way
      }
    }
    throw new Error(`${what} did not open; tried ${tried.join('; ')}`);
  }

  async closeQuickInput(): Promise<void> {
    if (await this.quickInput().isVisible()) {
      await this.page.keyboard.press('Escape');
      await this.quickInput().waitFor({ state: 'hidden' });
    }
  }

  /** Waits until the open quick input (its title, prompt or placeholder) mentions TEXT. */
  async expectQuickInput(text: string, timeout = 15_000): Promise<void> {
    this.trace(`expect quick input "${text}"`);
    const deadline = Date.now() + timeout;
    let seen = '';
    while (Date.now() < deadline) {
      seen = await this.quickInput()
        .evaluate((node) => {
          // Runs in the page: typed loosely because this project's tsconfig has no DOM lib.
          const el = node as unknown as {
            innerText: string;
            style: { display: string };
            querySelector(s: string): { getAttribute(n: string): string | null } | null;
          };
          if (el.style.display === 'none') return '';
          const input = el.querySelector('input');
          return `${el.innerText}\n${input?.getAttribute('placeholder') ?? ''}\n${input?.getAttribute('aria-label') ?? ''}`;
        })
        .catch(() => '');
      if (seen.includes(text)) return;
      await this.page.waitForTimeout(100);
    }
    throw new Error(`expected a quick input showing "${text}"; it shows: ${JSON.stringify(seen.trim()) || 'nothing'}`);
  }

  /** Lists the labels of the rows the open quick pick shows. */
  async quickPickLabels(): Promise<string[]> {
    return this.quickInput()
      .locator('.monaco-list-row .label-name, .monaco-list-row .monaco-icon-label-container .label-name')
      .allInnerTexts()
      .then((labels) => [...new Set(labels.map((l) => l.trim()))]);
  }

  /** Picks the quick-pick row whose label is exactly LABEL (clicking it, as a user does). */
  async pickQuickItem(label: string): Promise<void> {
    this.trace(`pick "${label}"`);
    const row = this.quickInput()
      .locator('.monaco-list-row')
      .filter({ has: this.page.locator('.label-name', { hasText: exactText(label) }) })
      .first();
    try {
      await row.waitFor({ state: 'visible', timeout: 10_000 });
    } catch {
      throw new Error(`no quick-pick item "${label}"; items: ${JSON.stringify(await this.quickPickLabels())}`);
    }
    // A pick whose items arrive in steps re-renders its rows; a click on a row being replaced is retried on the new one.
    for (let attempt = 1; ; attempt++) {
      try {
        await row.click({ timeout: 5_000 });
        return;
      } catch (e) {
        if (!(await this.quickInput().isVisible())) {
          throw new Error(`the quick pick closed (it lost focus?) before "${label}" was picked`, { cause: e });
        }
        if (attempt === 3) throw e;
        this.trace(`pick "${label}": retrying the click (${(e as Error).message.split('\n')[0]})`);
      }
    }
  }

  /** Types TEXT into the open input box and presses Enter. */
  async answerInput(text: string): Promise<void> {
    this.trace(`answer "${text}"`);
    const input = this.quickInput().locator('input');
    await input.fill(text);
    await this.page.keyboard.press('Enter');
  }

  /** Waits for a notification toast containing TEXT and returns its full text. */
  async expectToast(text: string, timeout = 15_000): Promise<string> {
    this.trace(`expect toast "${text}"`);
    const toast = this.page.locator('.notifications-toasts .notification-toast', { hasText: text }).first();
    await toast.waitFor({ state: 'visible', timeout });
    return (await toast.innerText()).trim();
  }

  async clearNotifications(): Promise<void> {
    const toasts = this.page.locator('.notifications-toasts .notification-toast');
    for (let i = (await toasts.count()) - 1; i >= 0; i--) {
      const close = toasts.nth(i).locator('.codicon-notifications-clear, .codicon-close').first();
      if (await close.isVisible().catch(() => false)) await close.click().catch(() => {});
    }
  }

  /** Quick Open (Ctrl+P) a workspace file by name and wait for its tab to be active. */
  async openFile(name: string): Promise<void> {
    this.trace(`open ${name}`);
    await this.closeQuickInput();
    await this.openQuickInput(['Control+P', 'Control+P'], 'Quick Open');
    const input = this.quickInput().locator('input');
    await input.fill(name);
    const row = this.quickInput().locator('.monaco-list-row').first();
    await waitForText(row, name, `a quick-open row for ${name}`);
    await this.page.keyboard.press('Enter');
    await this.page
      .locator('.tabs-container .tab.active', { hasText: name })
      .waitFor({ state: 'visible', timeout: 15_000 });
    await this.focusEditor();
  }

  activeEditor(): Locator {
    return this.page.locator('.editor-group-container.active .monaco-editor').first();
  }

  /**
   * Text focus in the active editor, the cursor left where it is. Not a click on `.view-lines`: that element
   * scrolls with the text, so once the editor is scrolled its top-left is above the editor, Playwright's
   * scroll-into-view then scrolls the editor's DOM (monaco renders a blank page) and the click times out.
   */
  async focusEditor(): Promise<void> {
    const editor = this.activeEditor();
    await editor.waitFor({ state: 'visible' });
    const focused = () => editor.evaluate((el) => el.classList.contains('focused')).catch(() => false);
    if (await focused()) return;
    // The editor's text input (an EditContext div, or a textarea in older builds), as a click on the text gives it.
    const input = editor.locator('.native-edit-context, textarea.inputarea').first();
    if ((await input.count()) > 0) {
      await input.focus().catch(() => undefined);
      if (await focused()) return;
    }
    // A click inside the visible viewport (which does not scroll), at its top-left corner.
    await editor
      .locator('.editor-scrollable')
      .first()
      .click({ position: { x: 5, y: 5 } });
  }

  /** The visible text of the active editor (monaco renders spaces as U+00A0). */
  async activeEditorText(): Promise<string> {
    const text = await this.activeEditor().locator('.view-lines').innerText();
    return text.replace(/\u00a0/g, ' ');
  }

  /** Selects whole lines FROM..TO (1-based) of the active editor with the keyboard. */
  async selectLines(from: number, to: number): Promise<void> {
    this.trace(`select lines ${from}-${to}`);
    await this.focusEditor();
    await this.page.keyboard.press('Control+Home');
    for (let i = 1; i < from; i++) await this.page.keyboard.press('ArrowDown');
    await this.page.keyboard.press('Home');
    for (let i = from; i < to; i++) await this.page.keyboard.press('Shift+ArrowDown');
    await this.page.keyboard.press('Shift+End');
  }

  /** Clicks an activity-bar item by its title and returns the side bar. */
  /**
   * Opens the Prompt Tuner view container once the activity bar has it: the extension's contributions are known only
   * then (a flow run alone comes here before the extension host has started).
   */
  async openPromptTuner(timeout = 60_000): Promise<void> {
    const deadline = Date.now() + timeout;
    for (;;) {
      try {
        await this.openViewContainer('Prompt Tuner');
        return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await this.page.waitForTimeout(500);
      }
    }
  }

  async openViewContainer(title: string): Promise<Locator> {
    this.trace(`open view container ${title}`);
    const item = this.page
      .locator(
        `.part.activitybar .action-item a[aria-label^="${title}"], .part.activitybar .action-item [aria-label^="${title}"]`,
      )
      .first();
    try {
      await item.waitFor({ state: 'visible', timeout: 15_000 });
    } catch {
      const titles = await this.page
        .locator('.part.activitybar .action-item [aria-label]')
        .evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')));
      throw new Error(`no activity-bar item "${title}"; the activity bar has: ${JSON.stringify(titles)}`);
    }
    const sidebar = this.page.locator('.part.sidebar');
    const selected = await item.evaluate((el) => !!el.closest('.action-item')?.classList.contains('checked'));
    this.lastClickAt = Date.now();
    if (!selected || !(await sidebar.isVisible())) await item.click();
    await sidebar.waitFor({ state: 'visible' });
    return sidebar;
  }

  /** The rows of the tree view named VIEW in the side bar. */
  treeRows(view: string): Locator {
    return this.viewPane(view).locator('.monaco-list-row');
  }

  /** A view's pane in the side bar, found by its header (or, alone in its container, the side bar). */
  viewPane(view: string): Locator {
    const sidebar = this.page.locator('.part.sidebar');
    return sidebar
      .locator('.pane', { has: this.page.locator('.pane-header', { hasText: view }) })
      .or(sidebar.locator(`.pane:has(.monaco-list[aria-label="${view}"])`))
      .first();
  }

  /** The tree row whose label starts with LABEL. */
  treeRow(view: string, label: string | RegExp): Locator {
    return this.treeRows(view)
      .filter({ has: this.page.locator('.label-name', { hasText: label }) })
      .first();
  }

  /** A tree row as "label description" (innerText runs them together). */
  async rowText(row: Locator): Promise<string> {
    const label = (
      await row
        .locator('.label-name')
        .first()
        .innerText()
        .catch(() => '')
    ).trim();
    const description = (
      await row
        .locator('.label-description')
        .first()
        .innerText()
        .catch(() => '')
    ).trim();
    return `${label} ${description}`.trim();
  }

  /** Right-clicks ROW and runs the context-menu entry ACTION. */
  async contextMenu(row: Locator, action: string): Promise<void> {
    this.trace(`context menu ${action}`);
    await row.click({ button: 'right' });
    const entry = this.page.locator('.context-view .monaco-menu .action-item', { hasText: exactText(action) }).first();
    try {
      await entry.waitFor({ state: 'visible', timeout: 10_000 });
    } catch {
      const items = await this.page.locator('.context-view .monaco-menu .action-label').allInnerTexts();
      await this.page.keyboard.press('Escape');
      throw new Error(
        `no context-menu entry "${action}"; the menu has: ${JSON.stringify(items.filter((i) => i.trim()))}`,
      );
    }
    await entry.click();
    // Under load a click can land while the menu is still settling: then the entry is focused, and Enter runs it.
    const menu = this.page.locator('.context-view .monaco-menu');
    if (
      !(await menu.waitFor({ state: 'hidden', timeout: 2_000 }).then(
        () => true,
        () => false,
      ))
    ) {
      this.trace(`context menu still open after clicking ${action}: pressing Enter`);
      if (await entry.isVisible()) {
        await entry.hover({ timeout: 2_000 }).catch(() => {});
        if (await entry.isVisible()) await this.page.keyboard.press('Enter');
      }
      await menu.waitFor({ state: 'hidden', timeout: 5_000 });
    }
  }

  /** An item on the right side of the status bar (left side: transient status messages). */
  statusBarItem(text: string | RegExp): Locator {
    return this.page.locator('.part.statusbar .right-items .statusbar-item', { hasText: text }).first();
  }

  async screenshot(path: string): Promise<void> {
    await this.page.screenshot({ path, fullPage: false }).catch(() => {});
  }
}

/** A regex matching exactly TEXT (trimmed), for hasText filters. */
export function exactText(text: string): RegExp {
  return new RegExp(`^\\s*${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`);
}

async function waitForText(locator: Locator, text: string, what: string, timeout = 10_000): Promise<void> {
  const deadline = Date.now() + timeout;
  let seen = '';
  while (Date.now() < deadline) {
    seen = (await locator.innerText().catch(() => '')).replace(/\u00a0/g, ' ');
    if (seen.includes(text)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`expected ${what}; found ${JSON.stringify(seen.trim()) || 'nothing'}`);
}
