// The host side of the evaluation report panel's boundary, without a browser: what the host accepts from the
// webview, and the page's CSP.
import assert from 'node:assert/strict';
import { EVAL_PAGE } from '../../src/extension/evalReport/evalPage';
import { newNonce, webviewHtml } from '../../src/extension/webviewHtml';
import { parseWebviewMessage } from '../../src/protocol/evalPanel';
import { assertAccepted, assertRefused, assertStrictCsp } from './protocolChecks';

describe('evaluation report panel protocol (host validation)', () => {
  it('accepts every well-formed webview message', () => {
    assertAccepted(parseWebviewMessage, [
      { type: 'webview/ready' },
      { type: 'case/openInSuite', caseId: 'weather-iso' },
      { type: 'log/show' },
      { type: 'compare/start' },
    ]);
  });

  it('refuses unknown types and bad case ids, naming the field', () => {
    assertRefused(parseWebviewMessage, [
      [{ type: 'report/delete' }, /type/],
      [null, /message|expected/],
      [{ type: 'case/openInSuite' }, /caseId/],
      [{ type: 'case/openInSuite', caseId: '' }, /caseId: must not be empty/],
      [{ type: 'case/openInSuite', caseId: 'x'.repeat(201) }, /caseId: must be at most 200 characters/],
      [{ type: 'case/openInSuite', caseId: 7 }, /caseId/],
    ]);
  });

  it('builds the page with a strict CSP and its own bundle', () => {
    const nonce = newNonce();
    const html = webviewHtml(EVAL_PAGE, {
      cspSource: 'https://webview.test',
      nonce,
      scriptUri: 'https://webview.test/dist/webview/eval.js',
      codiconCssUri: 'https://webview.test/dist/codicons/codicon.css',
    });
    assertStrictCsp(html, nonce);
    assert.match(html, /<eval-app><\/eval-app>/);
    assert.match(html, /<title>Evaluation Report<\/title>/);
  });
});
