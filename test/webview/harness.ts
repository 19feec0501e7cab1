/// <reference lib="dom" />
// Loads a built panel (dist/webview/<bundle>.js) in headless Chromium, in the page the real host builds
// (same HTML builder, same CSP), with a fake acquireVsCodeApi that records what the webview posts and keeps
// setState across reloads; a test posts host messages, switches themes, and runs axe-core on the page.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { CHROMIUM_ARGS } from '../support/chromium';
import { newNonce, webviewHtml, type WebviewPage } from '../../src/extension/webviewHtml';
import { THEMES, type ThemeName } from './themes';

const ROOT = resolve(__dirname, '../..');
export const SCREENSHOT_DIR = join(ROOT, 'test-results/webview');
const AXE = join(ROOT, 'node_modules/axe-core/axe.min.js');

/** One panel as the tests drive it. */
export interface PanelUnderTest {
  /** The page the host builds for it. */
  page: WebviewPage;
  /** The host's check of what the webview posts (the protocol's parseWebviewMessage). */
  parse(raw: unknown): { ok: true } | { ok: false; error: string };
  /** Width of the browser tab in CSS pixels. */
  viewportWidth: number;
}

/** The built bundle of a panel. */
export function bundleOf(page: WebviewPage): string {
  return join(ROOT, 'dist/webview', `${page.bundle}.js`);
}

const TYPES: Record<string, string> = {
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.ttf': 'font/ttf',
  '.map': 'application/json',
};

/** Serves the panel page and dist/ on 127.0.0.1 (a port the OS picks). */
export async function startPageServer(page: WebviewPage): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const origin = `http://${req.headers.host}`;
    const path = decodeURIComponent(new URL(req.url ?? '/', origin).pathname);
    if (path === '/' || path === '/index.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(
        webviewHtml(page, {
          cspSource: origin,
          nonce: newNonce(),
          scriptUri: `${origin}/dist/webview/${page.bundle}.js`,
          codiconCssUri: `${origin}/dist/codicons/codicon.css`,
        }),
      );
      return;
    }
    if (path === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    const file = normalize(join(ROOT, path));
    if (!file.startsWith(join(ROOT, 'dist')) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'cache-control': 'no-store',
    });
    res.end(readFileSync(file));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}

/** The fake host, installed before any page script runs. */
const FAKE_HOST = `
  window.__posted = [];
  window.__cspViolations = [];
  document.addEventListener('securitypolicyviolation', (e) => window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));
  let acquired = false;
  window.acquireVsCodeApi = () => {
    if (acquired) throw new Error('acquireVsCodeApi called twice');
    acquired = true;
    return {
      postMessage: (m) => window.__posted.push(JSON.parse(JSON.stringify(m))),
      getState: () => { const s = sessionStorage.getItem('vscodeState'); return s ? JSON.parse(s) : undefined; },
      setState: (s) => sessionStorage.setItem('vscodeState', JSON.stringify(s)),
    };
  };
`;

/** One axe-core finding, as the test reports it. */
export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

export interface OpenOptions {
  reducedMotion?: 'reduce' | 'no-preference';
}

/** One browser tab with the panel: W is what the webview posts, H what the host posts. */
export class PanelSession<W extends { type: string }, H> {
  readonly consoleErrors: string[] = [];
  private constructor(
    readonly page: Page,
    private readonly panel: PanelUnderTest,
  ) {}

  /** A new tab (its own sessionStorage, so its own view state). */
  static async open<W extends { type: string }, H>(
    context: BrowserContext,
    url: string,
    panel: PanelUnderTest,
    opts: OpenOptions = {},
  ): Promise<PanelSession<W, H>> {
    const page = await context.newPage();
    await page.setViewportSize({ width: panel.viewportWidth, height: 900 });
    await page.emulateMedia({ reducedMotion: opts.reducedMotion ?? 'no-preference' });
    const session = new PanelSession<W, H>(page, panel);
    page.on('console', (m) => {
      if (m.type() === 'error') session.consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => session.consoleErrors.push(String(e)));
    await page.addInitScript(FAKE_HOST);
    await page.goto(url);
    await page.waitForFunction(() => (window as unknown as { __posted: unknown[] }).__posted.length > 0);
    return session;
  }

  async close(): Promise<void> {
    await this.page.close();
  }

  /** Post a host→webview message, as VS Code's postMessage does. */
  async send(message: H): Promise<void> {
    // window.postMessage delivers in a later task: wait until the panel's own listener (added first) has run,
    // then for lit's render, so an assertion right after send() never reads the page before the message.
    await this.page.evaluate(
      (m) =>
        new Promise<void>((resolve) => {
          window.addEventListener('message', () => setTimeout(resolve, 0), { once: true });
          window.postMessage(m, '*');
        }),
      message,
    );
    await this.settle();
  }

  /** Let lit render. */
  async settle(): Promise<void> {
    await this.page.evaluate(
      (element) =>
        (document.querySelector(element) as unknown as { updateComplete: Promise<unknown> } | null)?.updateComplete,
      this.panel.page.element,
    );
  }

  /** Everything the webview posted so far, each checked against the host's zod schema. */
  async posted(): Promise<W[]> {
    const raw = await this.page.evaluate(() => (window as unknown as { __posted: unknown[] }).__posted);
    return raw.map((m) => {
      const r = this.panel.parse(m);
      if (!r.ok)
        throw new Error(`the webview posted a message the host would refuse: ${r.error}: ${JSON.stringify(m)}`);
      return m as W;
    });
  }

  async clearPosted(): Promise<void> {
    await this.page.evaluate(() => ((window as unknown as { __posted: unknown[] }).__posted.length = 0));
  }

  /** Waits for a posted message of this type (and matching `where`), returns the last such one. */
  async waitForPosted<T extends W['type']>(
    type: T,
    where: (m: Extract<W, { type: T }>) => boolean = () => true,
    timeoutMs = 5000,
  ): Promise<Extract<W, { type: T }>> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const hits = (await this.posted()).filter((m): m is Extract<W, { type: T }> => m.type === type).filter(where);
      if (hits.length > 0) return hits[hits.length - 1]!;
      if (Date.now() > until)
        throw new Error(
          `no ${type} message posted within ${timeoutMs} ms; posted: ${JSON.stringify(await this.posted())}`,
        );
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** The element with this data-testid. */
  byId(testId: string): Locator {
    return this.page.locator(`[data-testid="${testId}"]`);
  }

  /** Picks an option in a vscode-single-select the way a user does: open it, click the option. */
  async choose(testId: string, optionText: string): Promise<void> {
    await this.byId(testId).click();
    await this.byId(testId).locator('[role=option]', { hasText: optionText }).first().click();
    await this.settle();
  }

  /** The reasons listed beside a disabled Start; empty when there are none. */
  async blockers(): Promise<string[]> {
    if ((await this.byId('blockers').count()) === 0) return [];
    return this.byId('blockers').locator('li').allInnerTexts();
  }

  async startDisabled(): Promise<boolean> {
    return this.byId('start').evaluate((el) => (el as HTMLElement & { disabled: boolean }).disabled);
  }

  async cspViolations(): Promise<string[]> {
    return this.page.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations);
  }

  /** Applies a theme the way VS Code does: --vscode-* variables on <html> and a body class. */
  async setTheme(name: ThemeName): Promise<void> {
    const theme = THEMES[name];
    await this.page.evaluate(
      ({ vars, bodyClass }) => {
        const style = document.documentElement.style;
        for (const [k, v] of Object.entries(vars)) style.setProperty(`--vscode-${k}`, v);
        document.body.classList.remove('vscode-light', 'vscode-dark', 'vscode-high-contrast');
        document.body.classList.add(bodyClass);
      },
      { vars: theme.vars, bodyClass: theme.bodyClass },
    );
  }

  /**
   * Runs axe-core on the page. The script is evaluated through the DevTools protocol, which the page's CSP
   * does not govern, so the page keeps its real CSP (a <script> tag would be refused by it).
   */
  async axe(): Promise<AxeViolation[]> {
    const loaded = await this.page.evaluate(() => typeof (window as unknown as { axe?: unknown }).axe !== 'undefined');
    if (!loaded) await this.page.evaluate(readFileSync(AXE, 'utf8'));
    return this.page.evaluate(async () => {
      const w = window as unknown as {
        __cspViolations: string[];
        axe: {
          run(
            ctx: unknown,
            opts: unknown,
          ): Promise<{
            violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] }[];
          }>;
        };
      };
      const before = w.__cspViolations.length;
      const result = await w.axe.run(document, { resultTypes: ['violations'] });
      // axe adds <style> elements of its own while it measures; the page's CSP refuses them (as it should).
      // Those refusals are axe's, not the panel's: they are not counted as the panel's CSP violations.
      w.__cspViolations.length = before;
      return result.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        targets: v.nodes.map((n) => JSON.stringify(n.target)),
      }));
    });
  }

  /** Fails on any serious or critical axe-core violation, naming each with where it is. */
  async assertAxeClean(label: string): Promise<void> {
    const violations = (await this.axe()).filter((v) => v.impact === 'serious' || v.impact === 'critical');
    assert.deepEqual(
      violations.map((v) => `${v.impact} ${v.id}: ${v.help} at ${v.targets.slice(0, 3).join(' ')}`),
      [],
      `axe-core found serious or critical violations in ${label}`,
    );
  }

  async screenshot(name: string): Promise<string> {
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    const path = join(SCREENSHOT_DIR, `${name}.png`);
    await this.page.screenshot({ path, fullPage: true });
    return path;
  }
}

/** Debian's Chromium with an empty profile folder that is removed afterwards. */
export async function launchChromium(): Promise<{ context: BrowserContext; cleanup(): Promise<void> }> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'pt-webview-'));
  const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(executablePath))
    throw new Error(`Chromium not found at ${executablePath}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    args: CHROMIUM_ARGS,
    headless: true,
  });
  return {
    context,
    async cleanup() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** The tab of the running test; `reopen` replaces it with one under other media settings. */
export interface PanelTestBed<W extends { type: string }, H> {
  readonly session: PanelSession<W, H>;
  reopen(opts: OpenOptions): Promise<PanelSession<W, H>>;
}

/**
 * Registers the mocha hooks of a panel's browser tests (call inside `describe`): one Chromium and one page
 * server for the suite, a fresh tab per test, and after each passing test the proof that the page ran under
 * its real CSP without violations or script errors.
 */
export function usePanelTestBed<W extends { type: string }, H>(panel: PanelUnderTest): PanelTestBed<W, H> {
  let context: BrowserContext;
  let cleanup: (() => Promise<void>) | undefined;
  let server: { url: string; close(): Promise<void> } | undefined;
  let session: PanelSession<W, H> | undefined;
  const bundle = bundleOf(panel.page);

  before(async () => {
    if (!existsSync(bundle)) throw new Error(`${bundle} is missing: run node esbuild.mjs first`);
    server = await startPageServer(panel.page);
    ({ context, cleanup } = await launchChromium());
  });
  after(async () => {
    await cleanup?.();
    await server?.close();
  });
  beforeEach(async () => {
    session = await PanelSession.open<W, H>(context, server!.url, panel);
  });
  afterEach(async function () {
    const s = session!;
    const violations = await s.cspViolations();
    // CSP refusals are counted by the securitypolicyviolation events above (which leave out axe's own <style>
    // elements); Chromium's console lines for them would count axe's too.
    const errors = s.consoleErrors.filter((e) => !/violates the following Content Security Policy directive/.test(e));
    await s.close();
    // Every test also proves the page runs under the real CSP without violations or script errors.
    if (this.currentTest?.state === 'passed') {
      assert.deepEqual(violations, [], 'CSP violations');
      assert.deepEqual(errors, [], 'console errors');
    }
  });

  return {
    get session() {
      if (!session) throw new Error('no panel tab: the session exists only inside a test');
      return session;
    },
    async reopen(opts) {
      await session?.close();
      session = await PanelSession.open<W, H>(context, server!.url, panel, opts);
      return session;
    },
  };
}
