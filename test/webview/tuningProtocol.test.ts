// The host side of the panel boundary, without a browser: what the host accepts from the webview, and the
// page's CSP.
import assert from 'node:assert/strict';
import { LatestByType } from '../../src/extension/latestByType';
import { TUNING_PAGE } from '../../src/extension/tuning/tuningPage';
import { newNonce, webviewHtml } from '../../src/extension/webviewHtml';
import { parseWebviewMessage } from '../../src/protocol/tuningPanel';
import { assertAccepted, assertRefused, assertStrictCsp } from './protocolChecks';

const goodConfig = {
  suiteFile: '/ws/a.suite.json',
  mode: 'evolutionary',
  metaModel: 'anthropic/claude-opus-4-6',
  targetModels: ['openai/gpt-4o-mini'],
  basePrompt: 'You are helpful.',
  baseVersionId: null,
  population: 6,
  generations: 3,
  selectionRatio: 0.5,
};

describe('tuning panel protocol (host validation)', () => {
  it('accepts every well-formed webview message', () => {
    assertAccepted(parseWebviewMessage, [
      { type: 'webview/ready' },
      {
        type: 'estimate/compute',
        requestId: 3,
        params: {
          suiteFile: '/a',
          mode: 'quick',
          metaModel: '',
          targetModels: ['a/b'],
          population: 4,
          generations: 1,
          selectionRatio: 0.5,
        },
      },
      { type: 'tuning/start', config: goodConfig },
      { type: 'tuning/start', config: { ...goodConfig, budgetUsd: 0.5 } },
      { type: 'tuning/cancel', runId: 'r1' },
      { type: 'best/copy', runId: 'r1' },
      { type: 'library/saveBasePrompt', text: 'x' },
    ]);
  });

  it('refuses unknown types, missing fields and out-of-range parameters, naming the field', () => {
    const cases: [unknown, RegExp][] = [
      [{ type: 'run/delete', runId: 'x' }, /type/],
      [null, /message|expected/],
      [{ type: 'tuning/cancel' }, /runId/],
      [
        { type: 'tuning/start', config: { ...goodConfig, population: 25 } },
        /config\.population: population: must be from 2 to 20, got 25/,
      ],
      [{ type: 'tuning/start', config: { ...goodConfig, selectionRatio: 0.95 } }, /selectionRatio/],
      [{ type: 'tuning/start', config: { ...goodConfig, metaModel: 'gpt4' } }, /metaModel.*provider\/model/],
      [
        { type: 'tuning/start', config: { ...goodConfig, targetModels: [] } },
        /targetModels: choose at least one target model/,
      ],
      [{ type: 'tuning/start', config: { ...goodConfig, basePrompt: '   ' } }, /basePrompt: must not be empty/],
      [
        { type: 'tuning/start', config: { ...goodConfig, budgetUsd: 0 } },
        /config\.budgetUsd: budgetUsd: must be above 0/,
      ],
      [{ type: 'tuning/start', config: { ...goodConfig, budgetUsd: '5' } }, /config\.budgetUsd/],
      [{ type: 'estimate/compute', requestId: -1, params: {} }, /requestId/],
    ];
    assertRefused(parseWebviewMessage, cases);
  });

  it('builds a page whose CSP allows scripts only by a fresh nonce and nothing inline or eval', () => {
    const a = newNonce();
    const b = newNonce();
    assert.notEqual(a, b);
    assert.ok(Buffer.from(a, 'base64').length >= 16, 'at least 128 random bits');
    const html = webviewHtml(TUNING_PAGE, {
      cspSource: 'https://webview.example',
      nonce: a,
      scriptUri: 'https://webview.example/t.js',
      codiconCssUri: 'https://webview.example/c.css',
    });
    const csp = assertStrictCsp(html, a);
    assert.match(csp, new RegExp(`script-src 'nonce-${a.replace(/[+/=]/g, (c) => `\\${c}`)}'`));
    assert.match(
      html,
      /<link rel="stylesheet" href="https:\/\/webview.example\/c.css" id="vscode-codicon-stylesheet">/,
    );
  });
});

describe('tuning panel host queue (while the webview is hidden or reloading)', () => {
  it('keeps only the newest message of each type, in first-queued order', () => {
    type M = { type: 'run/didChange'; n: number } | { type: 'options/didChange'; n: number };
    const q = new LatestByType<M>();
    q.set({ type: 'run/didChange', n: 1 });
    q.set({ type: 'options/didChange', n: 2 });
    q.set({ type: 'run/didChange', n: 3 });
    assert.equal(q.size, 2);
    assert.deepEqual(q.get('run/didChange'), { type: 'run/didChange', n: 3 });
    assert.deepEqual(q.drain(), [
      { type: 'run/didChange', n: 3 },
      { type: 'options/didChange', n: 2 },
    ]);
    assert.equal(q.size, 0);
    assert.deepEqual(q.drain(), []);
  });
});
