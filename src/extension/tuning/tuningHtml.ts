// The tuning panel's HTML: a strict CSP (scripts only by nonce, styles and fonts only from the webview's
// own resource origin), the codicon stylesheet, and the bundle. Pure, so the webview tests load the same page.
import { randomBytes } from 'node:crypto';

/** View type of the panel; also the serializer id (`onWebviewPanel:promptTuner.tuning` in package.json). */
export const TUNING_VIEW_TYPE = 'promptTuner.tuning';
/** The panel's title, as the e2e test looks for it. */
export const TUNING_PANEL_TITLE = 'Prompt Tuning';

export interface TuningHtmlInput {
  /** `webview.cspSource`: the origin local resources are served from. */
  cspSource: string;
  /** Per-render nonce (newNonce()). */
  nonce: string;
  /** URI of dist/webview/tuning.js as the webview sees it. */
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

export function tuningHtml(input: TuningHtmlInput): string {
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
<title>Prompt Tuning</title>
</head>
<body>
<tuning-app></tuning-app>
<script type="module" nonce="${attr(nonce)}" src="${attr(input.scriptUri)}"></script>
</body>
</html>`;
}
