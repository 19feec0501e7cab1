// Every panel's HTML: a strict CSP (scripts only by nonce, styles and fonts only from the webview's own
// resource origin), the codicon stylesheet, the panel's root element and its bundle. Pure (no vscode), so
// the webview tests load the very page the host builds.
import { randomBytes } from 'node:crypto';

/** What tells one panel's page from another's. */
export interface WebviewPage {
  /** View type of the panel; also its serializer id (`onWebviewPanel:<viewType>` in package.json). */
  viewType: string;
  /** The panel's title (tab and <title>), as the e2e tests look for it. */
  title: string;
  /** The custom element the bundle defines, e.g. `tuning-app`. */
  element: string;
  /** Name of the bundle under dist/webview/ (esbuild's entry webview/<bundle>/main.ts), without `.js`. */
  bundle: string;
}

export interface WebviewHtmlInput {
  /** `webview.cspSource`: the origin local resources are served from. */
  cspSource: string;
  /** Per-render nonce (newNonce()). */
  nonce: string;
  /** URI of dist/webview/<bundle>.js as the webview sees it. */
  scriptUri: string;
  /** URI of dist/codicons/codicon.css as the webview sees it. */
  codiconCssUri: string;
}

/** 128 random bits, base64: a nonce an attacker cannot guess (never Math.random). */
export function newNonce(): string {
  return randomBytes(16).toString('base64');
}

const attr = (value: string): string =>
  value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function webviewHtml(page: WebviewPage, input: WebviewHtmlInput): string {
  const { cspSource, nonce } = input;
  const csp = [
    "default-src 'none'",
    `img-src ${cspSource} data:`,
    `style-src ${cspSource}`,
    `font-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${attr(input.codiconCssUri)}" id="vscode-codicon-stylesheet">
<title>${attr(page.title)}</title>
</head>
<body>
<${page.element}></${page.element}>
<script type="module" nonce="${attr(nonce)}" src="${attr(input.scriptUri)}"></script>
</body>
</html>`;
}
