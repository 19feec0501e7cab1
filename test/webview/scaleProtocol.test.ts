// The host side of the scale panel's boundary, without a browser: what the host accepts from the webview,
// and the page's CSP.
import assert from 'node:assert/strict';
import { SCALE_PAGE } from '../../src/extension/scale/scalePage';
import { newNonce, webviewHtml } from '../../src/extension/webviewHtml';
import { parseWebviewMessage } from '../../src/protocol/scalePanel';
import { assertAccepted, assertRefused, assertStrictCsp } from './protocolChecks';

const form = {
  agentFile: '/ws/agents/hotel.agent.json',
  agentModel: 'openai/gpt-4o-mini',
  userModel: '',
  judgeModel: 'anthropic/claude-haiku-4-5',
  summarizerModel: '',
  prompt: { kind: 'agent' },
  goal: '',
  userMessage: '',
  runs: 5,
  concurrency: 3,
};
const key = '3f1c2a9e-0b7d-4c55-9a1e-6f2d8b1c0e44';

describe('scale panel protocol (host validation)', () => {
  it('accepts every well-formed webview message', () => {
    assertAccepted(parseWebviewMessage, [
      { type: 'webview/ready' },
      { type: 'options/refresh' },
      { type: 'estimate/compute', requestId: 3, form },
      {
        type: 'estimate/compute',
        requestId: 4,
        form: { ...form, prompt: { kind: 'library', versionId: 9 }, maxBudgetUsd: 0.25 },
      },
      {
        type: 'scale/start',
        idempotencyKey: key,
        form: { ...form, prompt: { kind: 'context' }, runs: 10, concurrency: 5 },
      },
      { type: 'scale/cancel', runId: 'r1' },
      { type: 'scale/resume', runId: 'r1' },
      { type: 'transcript/open', runId: 'r1', conversationId: 'c1' },
      { type: 'transcript/open', runId: 'r1', conversationId: 'c1', turn: 3 },
      { type: 'report/copy', runId: 'r1', what: 'revisedPrompt' },
      { type: 'report/copy', runId: 'r1', what: 'rationale' },
      { type: 'report/verify', runId: 'r1' },
      { type: 'report/saveRevised', runId: 'r1' },
      { type: 'report/showDiff', runId: 'r1' },
      { type: 'report/tuneFromRevised', runId: 'r1' },
      { type: 'conversation/addToSuite', runId: 'r1', conversationId: 'c1' },
      { type: 'run/show', runId: 'r2' },
    ]);
  });

  it('refuses unknown types, missing fields, the caps exceeded and text the host should resolve, naming the field', () => {
    const cases: [unknown, RegExp][] = [
      [{ type: 'scale/delete', runId: 'x' }, /type/],
      [null, /message|expected/],
      [{ type: 'scale/cancel' }, /runId/],
      [{ type: 'scale/start', form, idempotencyKey: key.slice(0, 4) }, /idempotencyKey: must be 8–100/],
      [{ type: 'scale/start', form, idempotencyKey: 'has spaces in it' }, /idempotencyKey/],
      [{ type: 'scale/start', form }, /idempotencyKey/],
      [
        { type: 'scale/start', idempotencyKey: key, form: { ...form, runs: 11 } },
        /form\.runs: runs: at most 10 \(the cap\)/,
      ],
      [{ type: 'scale/start', idempotencyKey: key, form: { ...form, runs: 0 } }, /form\.runs: runs: at least 1/],
      [
        { type: 'scale/start', idempotencyKey: key, form: { ...form, runs: 2.5 } },
        /form\.runs: runs must be a whole number/,
      ],
      [
        { type: 'scale/start', idempotencyKey: key, form: { ...form, concurrency: 6 } },
        /form\.concurrency: concurrency: at most 5/,
      ],
      [
        { type: 'scale/start', idempotencyKey: key, form: { ...form, agentModel: 'gpt4' } },
        /form\.agentModel: must be a model id/,
      ],
      [{ type: 'scale/start', idempotencyKey: key, form: { ...form, userModel: 'x' } }, /form\.userModel/],
      [
        { type: 'scale/start', idempotencyKey: key, form: { ...form, agentFile: '' } },
        /form\.agentFile: choose an agent/,
      ],
      [
        { type: 'scale/start', idempotencyKey: key, form: { ...form, maxBudgetUsd: 0 } },
        /form\.maxBudgetUsd: maxBudgetUsd must be above 0/,
      ],
      [{ type: 'scale/start', idempotencyKey: key, form: { ...form, maxBudgetUsd: '5' } }, /form\.maxBudgetUsd/],
      // The webview names a library version; it never sends prompt text for the host to run.
      [
        { type: 'scale/start', idempotencyKey: key, form: { ...form, prompt: { kind: 'text', text: 'You are…' } } },
        /form\.prompt/,
      ],
      [
        { type: 'scale/start', idempotencyKey: key, form: { ...form, prompt: { kind: 'library' } } },
        /form\.prompt\.versionId/,
      ],
      [{ type: 'report/copy', runId: 'r1', what: 'summary' }, /what/],
      [{ type: 'transcript/open', runId: 'r1', conversationId: 'c1', turn: 0 }, /turn/],
      [{ type: 'estimate/compute', requestId: -1, form }, /requestId/],
    ];
    assertRefused(parseWebviewMessage, cases);
  });

  it('builds a page whose CSP allows scripts only by a fresh nonce and nothing inline or eval', () => {
    const a = newNonce();
    assert.notEqual(a, newNonce());
    const html = webviewHtml(SCALE_PAGE, {
      cspSource: 'https://webview.example',
      nonce: a,
      scriptUri: 'https://webview.example/s.js',
      codiconCssUri: 'https://webview.example/c.css',
    });
    const csp = assertStrictCsp(html, a);
    assert.match(csp, /style-src https:\/\/webview\.example(;|$)/);
    assert.match(html, /<scale-app><\/scale-app>/);
  });
});
