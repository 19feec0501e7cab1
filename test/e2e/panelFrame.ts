// What the flows share for reaching into a webview panel: its document, polling, a test id's text, a select's
// option, the panel's own screenshot, and what a click puts on the browser's clipboard.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { FrameLocator } from 'playwright-core';
import type { Workbench } from './workbench';

/** The visible webview's document inside VS Code's two iframes (another panel may exist, hidden). */
export function panel(wb: Workbench): FrameLocator {
  return wb.page
    .locator('iframe.webview.ready')
    .filter({ visible: true })
    .first()
    .contentFrame()
    .frameLocator('iframe#active-frame');
}

/** Polls PROBE until it gives something other than null; its errors count as "not yet" and the last is told on timeout. */
export async function waitFor<T>(probe: () => Promise<T | null>, what: string, timeout = 10_000): Promise<T> {
  const deadline = Date.now() + timeout;
  let last: unknown;
  while (Date.now() < deadline) {
    const v = await probe().catch((e: unknown) => {
      last = e;
      return null;
    });
    if (v !== null) return v;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
}

/** The first element with that test id, its text with white space folded. */
export const text = async (frame: FrameLocator, testId: string): Promise<string> =>
  (await frame.locator(`[data-testid="${testId}"]`).first().innerText()).replace(/\s+/g, ' ').trim();

/** Opens the select with that test id and clicks its option showing OPTION_TEXT. */
export async function choose(frame: FrameLocator, testId: string, optionText: string): Promise<void> {
  await frame.locator(`[data-testid="${testId}"]`).click();
  await frame.locator(`[data-testid="${testId}"] [role=option]`, { hasText: optionText }).first().click();
}

/** The panel's own screenshot (the webview element only), next to the step screenshots. */
export async function shootPanel(wb: Workbench, path: string): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  await wb.page.locator('iframe.webview.ready').filter({ visible: true }).first().screenshot({ path });
}

/** The page's globals the clipboard check uses (this project's tsconfig has no DOM lib). */
type PageGlobals = { navigator: { clipboard: { readText(): Promise<string>; writeText(t: string): Promise<void> } } };

/**
 * What the browser's clipboard holds after COPY: a known text goes there first, so a click that copies
 * nothing times out instead of reading what an earlier step left.
 */
export async function clipboardAfter(wb: Workbench, copy: () => Promise<void>): Promise<string> {
  const origin = new URL(wb.page.url()).origin;
  await wb.page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
  await wb.page.evaluate(() => (globalThis as unknown as PageGlobals).navigator.clipboard.writeText('before the copy'));
  await copy();
  return waitFor(async () => {
    const t = await wb.page.evaluate(() => (globalThis as unknown as PageGlobals).navigator.clipboard.readText());
    return t !== 'before the copy' ? t : null;
  }, 'the clipboard to change');
}
