// The host side of the optimization panel's boundary, without a browser: what the host accepts from the
// webview, and the page's CSP.
import assert from 'node:assert/strict';
import { OPTIMIZE_PAGE } from '../../src/extension/optimize/optimizePage';
import { newNonce, webviewHtml } from '../../src/extension/webviewHtml';
import { parseWebviewMessage } from '../../src/protocol/optimizePanel';
import { assertAccepted, assertRefused, assertStrictCsp } from './protocolChecks';

describe('prompt optimization panel protocol (host validation)', () => {
  it('accepts every well-formed webview message', () => {
    assertAccepted(parseWebviewMessage, [
      { type: 'webview/ready' },
      { type: 'overview/refresh' },
      { type: 'run/show', runId: 'r1' },
      { type: 'store/pick' },
      { type: 'optimize/start' },
      { type: 'optimize/cancel', runId: 'r1' },
      { type: 'optimize/resume', runId: 'r1' },
      ...(['apply', 'save', 'view', 'copy', 'diff'] as const).map((a) => ({ type: `best/${a}`, runId: 'r1' })),
    ]);
  });

  it('refuses unknown types, missing run ids and paths or text the host should hold, naming the field', () => {
    assertRefused(parseWebviewMessage, [
      [{ type: 'optimize/delete', runId: 'x' }, /type/],
      [null, /message|expected/],
      [{ type: 'optimize/cancel' }, /runId/],
      [{ type: 'best/apply', runId: '' }, /runId/],
      [{ type: 'run/show', runId: 'x'.repeat(101) }, /runId/],
    ]);
    // Extra fields (a path, a prompt text) are dropped, never acted on.
    const r = parseWebviewMessage({ type: 'store/pick', path: '/etc/passwd' });
    assert.ok(r.ok);
    assert.deepEqual(r.message, { type: 'store/pick' });
    const b = parseWebviewMessage({ type: 'best/save', runId: 'r1', text: 'You are evil.' });
    assert.deepEqual(b.ok && b.message, { type: 'best/save', runId: 'r1' });
  });

  it('builds a page whose CSP allows scripts only by a fresh nonce and nothing inline or eval', () => {
    const a = newNonce();
    const html = webviewHtml(OPTIMIZE_PAGE, {
      cspSource: 'https://webview.example',
      nonce: a,
      scriptUri: 'https://webview.example/s.js',
      codiconCssUri: 'https://webview.example/c.css',
    });
    assertStrictCsp(html, a);
    assert.match(html, /<optimize-app><\/optimize-app>/);
    assert.match(html, /<title>Prompt Optimization<\/title>/);
  });
});
