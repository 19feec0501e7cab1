// The rules every panel's stylesheet starts with (CSP-clean: adopted, no inline <style>): the page, headings,
// form fields, hints and errors, cards, the status dot and the progress numbers, prompt texts, link-like
// buttons. Colours only through VS Code's --vscode-* variables, so light, dark and high-contrast themes follow.
import { css } from 'lit';

export const baseStyles = css`
  :root {
    --pt-border: var(--vscode-widget-border, var(--vscode-panel-border));
    --pt-warn: var(--vscode-editorWarning-foreground);
  }
  body {
    margin: 0;
    padding: 0 20px 32px;
    color: var(--vscode-foreground);
    background: var(--vscode-editor-background);
    font-family: var(--vscode-font-family);
    font-size: var(--vscode-font-size);
    line-height: 1.45;
  }
  h1 {
    font-size: 1.45em;
    font-weight: 600;
    margin: 18px 0 4px;
  }
  h3 {
    font-size: 1em;
    font-weight: 600;
    margin: 0;
  }
  .subtitle,
  .hint {
    color: var(--vscode-descriptionForeground);
    margin: 0 0 8px;
  }
  .hint {
    font-size: 0.92em;
  }
  .row {
    display: flex;
    gap: 8px;
    align-items: center;
    flex-wrap: wrap;
  }
  .spacer {
    flex: 1;
  }
  .field {
    margin: 12px 0;
  }
  .field > label,
  .field-label {
    display: block;
    font-weight: 600;
    margin-bottom: 4px;
  }
  vscode-single-select,
  vscode-textarea {
    width: 100%;
    max-width: 640px;
  }
  .error-text {
    color: var(--vscode-errorForeground);
  }
  .warning-text {
    color: var(--pt-warn);
  }

  .add-model vscode-textfield {
    width: 280px;
  }
  .params vscode-textfield {
    width: 100%;
  }
  .blockers {
    margin: 8px 0;
    padding-left: 18px;
    color: var(--vscode-descriptionForeground);
  }
  .start-row {
    margin-top: 14px;
  }

  .card {
    border: 1px solid var(--pt-border);
    border-radius: 6px;
    padding: 12px 14px;
    margin: 12px 0;
    background: var(--vscode-editorWidget-background);
  }
  .status {
    display: flex;
    align-items: center;
    gap: 8px;
  }
  .dot {
    width: 10px;
    height: 10px;
    border-radius: 50%;
    background: var(--vscode-descriptionForeground);
    flex: none;
  }
  .dot.running {
    background: var(--vscode-progressBar-background);
    animation: pt-pulse 1.4s ease-in-out infinite;
  }
  .dot.completed {
    background: var(--pt-pass);
  }
  .dot.failed {
    background: var(--vscode-errorForeground);
  }
  .dot.cancelled,
  .dot.budget_reached {
    background: var(--pt-warn);
  }
  @keyframes pt-pulse {
    0%,
    100% {
      opacity: 1;
      transform: scale(1);
    }
    50% {
      opacity: 0.35;
      transform: scale(0.75);
    }
  }
  @media (prefers-reduced-motion: reduce) {
    .dot.running {
      animation: none;
    }
  }
  .progress-numbers {
    display: flex;
    gap: 16px;
    flex-wrap: wrap;
    color: var(--vscode-descriptionForeground);
    margin: 6px 0;
  }
  .progress-numbers .pct {
    color: var(--vscode-foreground);
    font-weight: 600;
  }
  vscode-progress-bar {
    display: block;
    width: 100%;
    margin: 4px 0 8px;
  }

  .prompt-text {
    white-space: pre-wrap;
    word-break: break-word;
    font-family: var(--vscode-editor-font-family);
    font-size: var(--vscode-editor-font-size, 0.95em);
    background: var(--vscode-textCodeBlock-background);
    border-radius: 4px;
    padding: 8px 10px;
    margin: 8px 0;
  }
  .linkish {
    background: none;
    border: 0;
    padding: 0;
    color: var(--vscode-textLink-foreground);
    cursor: pointer;
    font: inherit;
  }
  .linkish:hover {
    text-decoration: underline;
  }
  .linkish:focus-visible {
    outline: 1px solid var(--vscode-focusBorder);
  }
  .banner {
    padding: 6px 10px;
    border: 1px solid var(--vscode-focusBorder);
    border-radius: 4px;
    margin: 10px 0;
  }
  .sr-only {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
  }
`;
