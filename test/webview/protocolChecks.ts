// Checks both panels' host-side boundary tests make: what a protocol accepts and refuses, and the page's CSP.
import assert from 'node:assert/strict';

type Parse = (raw: unknown) => { ok: true } | { ok: false; error: string };

/** Every message is accepted; a refusal names the message type and why. */
export function assertAccepted(parse: Parse, messages: ({ type: string } & Record<string, unknown>)[]): void {
  for (const m of messages) {
    const r = parse(m);
    assert.equal(r.ok, true, `${m.type}: ${r.ok ? '' : r.error}`);
  }
}

/** Every raw message is refused with an error that matches its pattern (the field and what is wrong). */
export function assertRefused(parse: Parse, cases: [unknown, RegExp][]): void {
  for (const [raw, pattern] of cases) {
    const r = parse(raw);
    assert.equal(r.ok, false, JSON.stringify(raw));
    assert.match(r.error, pattern);
  }
}

/** The page's CSP refuses everything by default, allows nothing inline or eval, and its one script carries the nonce. Returns the CSP. */
export function assertStrictCsp(html: string, nonce: string): string {
  const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1] ?? '';
  assert.match(csp, /default-src 'none'/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  const scripts = html.match(/<script[^>]*>/g) ?? [];
  assert.equal(scripts.length, 1);
  assert.ok(scripts.every((s) => s.includes(`nonce="${nonce}"`)));
  return csp;
}
