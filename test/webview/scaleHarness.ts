/// <reference lib="dom" />
// Loads the built scale panel (dist/webview/scale.js) in headless Chromium, in the page the real host builds
// (same HTML builder, same CSP), with a fake acquireVsCodeApi that records what the webview posts and keeps
// setState across reloads; a test posts host messages, switches themes, and runs axe-core on the page.
import { createServer, type Server } from 'node:http';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { extname, join, normalize, resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { BrowserContext, Page } from 'playwright-core';
import { newNonce, scaleHtml } from '../../src/extension/scale/scaleHtml';
import { parseWebviewMessage, type HostMessage, type WebviewMessage } from '../../src/protocol/scalePanel';
import { THEMES, type ThemeName } from './themes';

const ROOT = resolve(__dirname, '../..');
export const SCALE_BUNDLE = join(ROOT, 'dist/webview/scale.js');
export const SCREENSHOT_DIR = join(ROOT, 'test-results/webview');
const AXE = join(ROOT, 'node_modules/axe-core/axe.min.js');

const TYPES: Record<string, string> = { '.js': 'text/javascript', '.css': 'text/css', '.ttf': 'font/ttf', '.map': 'application/json' };

/** Serves the panel page and dist/ on 127.0.0.1 (a port the OS picks). */
export async function startScalePageServer(): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const origin = `http://${req.headers.host}`;
    const path = decodeURIComponent(new URL(req.url ?? '/', origin).pathname);
    if (path === '/' || path === '/index.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(scaleHtml({ cspSource: origin, nonce: newNonce(), scriptUri: `${origin}/dist/webview/scale.js`, codiconCssUri: `${origin}/dist/codicons/codicon.css` }));
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
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    res.end(readFileSync(file));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise<void>((ok) => server.close(() => ok())) };
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

export class ScalePanelSession {
  readonly consoleErrors: string[] = [];
  private constructor(readonly page: Page) {}

  /** A new tab (its own sessionStorage, so its own view state). */
  static async open(context: BrowserContext, url: string, opts: { reducedMotion?: 'reduce' | 'no-preference' } = {}): Promise<ScalePanelSession> {
    const page = await context.newPage();
    await page.setViewportSize({ width: 1100, height: 900 });
    await page.emulateMedia({ reducedMotion: opts.reducedMotion ?? 'no-preference' });
    const session = new ScalePanelSession(page);
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
  async send(message: HostMessage): Promise<void> {
    await this.page.evaluate((m) => window.postMessage(m, '*'), message);
    await this.settle();
  }

  /** Let lit render. */
  async settle(): Promise<void> {
    await this.page.evaluate(() => (document.querySelector('scale-app') as unknown as { updateComplete: Promise<unknown> } | null)?.updateComplete);
  }

  /** Everything the webview posted so far, each checked against the host's zod schema. */
  async posted(): Promise<WebviewMessage[]> {
    const raw = await this.page.evaluate(() => (window as unknown as { __posted: unknown[] }).__posted);
    return raw.map((m) => {
      const r = parseWebviewMessage(m);
      if (!r.ok) throw new Error(`the webview posted a message the host would refuse: ${r.error}: ${JSON.stringify(m)}`);
      return m as WebviewMessage;
    });
  }

  async clearPosted(): Promise<void> {
    await this.page.evaluate(() => ((window as unknown as { __posted: unknown[] }).__posted.length = 0));
  }

  /** Waits for a posted message of this type (and matching `where`), returns the last such one. */
  async waitForPosted<T extends WebviewMessage['type']>(
    type: T,
    where: (m: Extract<WebviewMessage, { type: T }>) => boolean = () => true,
    timeoutMs = 5000,
  ): Promise<Extract<WebviewMessage, { type: T }>> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const hits = (await this.posted()).filter((m): m is Extract<WebviewMessage, { type: T }> => m.type === type).filter(where);
      if (hits.length > 0) return hits[hits.length - 1]!;
      if (Date.now() > until) throw new Error(`no ${type} message posted within ${timeoutMs} ms; posted: ${JSON.stringify(await this.posted())}`);
      await new Promise((r) => setTimeout(r, 50));
    }
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
        axe: { run(ctx: unknown, opts: unknown): Promise<{ violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] }[] }> };
      };
      const before = w.__cspViolations.length;
      const result = await w.axe.run(document, { resultTypes: ['violations'] });
      // axe adds <style> elements of its own while it measures; the page's CSP refuses them (as it should).
      // Those refusals are axe's, not the panel's: they are not counted as the panel's CSP violations.
      w.__cspViolations.length = before;
      return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => JSON.stringify(n.target)) }));
    });
  }

  async screenshot(name: string): Promise<string> {
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    const path = join(SCREENSHOT_DIR, `${name}.png`);
    await this.page.screenshot({ path, fullPage: true });
    return path;
  }
}
