// The scale panel's HTML: a strict CSP (scripts only by nonce, styles and fonts only from the webview's own
// resource origin), the codicon stylesheet, and the bundle. Pure, so the webview tests load the same page.
import { newNonce } from '../tuning/tuningHtml';

export { newNonce };

/** View type of the panel; also the serializer id (`onWebviewPanel:promptTuner.scale` in package.json). */
export const SCALE_VIEW_TYPE = 'promptTuner.scale';
/** The panel's title, as the e2e test looks for it. */
export const SCALE_PANEL_TITLE = 'Scale Test';

export interface ScaleHtmlInput {
  /** `webview.cspSource`: the origin local resources are served from. */
  cspSource: string;
  /** Per-render nonce (newNonce()). */
  nonce: string;
  /** URI of dist/webview/scale.js as the webview sees it. */
  scriptUri: string;
  /** URI of dist/codicons/codicon.css as the webview sees it. */
  codiconCssUri: string;
}

const attr = (value: string): string =>
  value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function scaleHtml(input: ScaleHtmlInput): string {
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
<title>${SCALE_PANEL_TITLE}</title>
</head>
<body>
<scale-app></scale-app>
<script type="module" nonce="${attr(nonce)}" src="${attr(input.scriptUri)}"></script>
</body>
</html>`;
}
