// The panel's own styles, adopted into the document (CSP-clean: no inline <style>).
// Colours only through VS Code's --vscode-* variables, so light, dark and high-contrast themes follow.
import { css } from 'lit';

export const panelStyles = css`
  :root {
    --pt-border: var(--vscode-widget-border, var(--vscode-panel-border));
    --pt-pass: var(--vscode-testing-iconPassed, var(--vscode-charts-green));
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
  tuning-app { display: block; max-width: 980px; }
  h1 { font-size: 1.45em; font-weight: 600; margin: 18px 0 4px; }
  h2 { font-size: 1.1em; font-weight: 600; margin: 22px 0 8px; }
  h3 { font-size: 1em; font-weight: 600; margin: 0; }
  .subtitle, .hint { color: var(--vscode-descriptionForeground); margin: 0 0 8px; }
  .hint { font-size: 0.92em; }
  .row { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; }
  .spacer { flex: 1; }
  .field { margin: 12px 0; }
  .field > label, .field-label { display: block; font-weight: 600; margin-bottom: 4px; }
  vscode-single-select, vscode-textarea { width: 100%; max-width: 640px; }
  vscode-textarea { min-height: 120px; }
  .error-text { color: var(--vscode-errorForeground); }
  .warning-text { color: var(--vscode-editorWarning-foreground); }

  .mode-cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(220px, 1fr)); gap: 10px; max-width: 640px; }
  .mode-card {
    border: 1px solid var(--pt-border);
    border-radius: 4px;
    padding: 10px 12px;
    cursor: pointer;
    background: var(--vscode-editorWidget-background);
  }
  .mode-card:hover { background: var(--vscode-list-hoverBackground); }
  .mode-card[aria-checked='true'] { border-color: var(--vscode-focusBorder); box-shadow: inset 0 0 0 1px var(--vscode-focusBorder); }
  .mode-card:focus-visible { outline: 1px solid var(--vscode-focusBorder); outline-offset: 2px; }
  .mode-card .title { display: flex; align-items: center; gap: 6px; font-weight: 600; }
  .mode-card p { margin: 4px 0 0; color: var(--vscode-descriptionForeground); }

  .model-grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(240px, 1fr)); gap: 6px 16px; max-width: 760px; margin-bottom: 8px; }
  .add-model vscode-textfield { width: 280px; }

  .library-list {
    max-height: 220px;
    overflow-y: auto;
    border: 1px solid var(--pt-border);
    border-radius: 4px;
    max-width: 640px;
    margin-top: 6px;
  }
  .library-item {
    display: flex;
    gap: 8px;
    align-items: center;
    width: 100%;
    text-align: left;
    padding: 6px 10px;
    border: 0;
    border-bottom: 1px solid var(--pt-border);
    background: transparent;
    color: var(--vscode-foreground);
    font: inherit;
    cursor: pointer;
  }
  .library-item:hover { background: var(--vscode-list-hoverBackground); }
  .library-item:focus-visible { outline: 1px solid var(--vscode-focusBorder); outline-offset: -1px; }
  .library-item .version { font-weight: 600; min-width: 3em; }
  .library-item .label { color: var(--vscode-descriptionForeground); flex: 1; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
  .library-item .date { color: var(--vscode-descriptionForeground); font-size: 0.9em; }

  .params { display: grid; grid-template-columns: repeat(auto-fill, minmax(180px, 1fr)); gap: 10px 16px; max-width: 760px; }
  .params vscode-textfield { width: 100%; }

  .estimate { margin: 16px 0 8px; padding: 8px 12px; border-left: 3px solid var(--vscode-textLink-foreground); background: var(--vscode-textCodeBlock-background); max-width: 640px; }
  .estimate.warn { border-left-color: var(--vscode-editorWarning-foreground); }
  .estimate .calls { font-weight: 600; }

  .blockers { margin: 8px 0; padding-left: 18px; color: var(--vscode-descriptionForeground); }
  .start-row { margin-top: 14px; }

  .card {
    border: 1px solid var(--pt-border);
    border-radius: 6px;
    padding: 12px 14px;
    margin: 12px 0;
    background: var(--vscode-editorWidget-background);
  }
  .best-card { border: 2px solid var(--pt-pass); }
  .best-card .score { font-size: 1.6em; font-weight: 700; color: var(--pt-pass); }
  .error-card { border-color: var(--vscode-errorForeground); }

  .status { display: flex; align-items: center; gap: 8px; }
  .dot { width: 10px; height: 10px; border-radius: 50%; background: var(--vscode-descriptionForeground); flex: none; }
  .dot.running { background: var(--vscode-progressBar-background); animation: pt-pulse 1.4s ease-in-out infinite; }
  .dot.completed { background: var(--pt-pass); }
  .dot.failed { background: var(--vscode-errorForeground); }
  .dot.cancelled, .dot.budget_reached { background: var(--vscode-editorWarning-foreground); }
  @keyframes pt-pulse {
    0%, 100% { opacity: 1; transform: scale(1); }
    50% { opacity: 0.35; transform: scale(0.75); }
  }
  @media (prefers-reduced-motion: reduce) {
    .dot.running { animation: none; }
  }
  .progress-numbers { display: flex; gap: 16px; flex-wrap: wrap; color: var(--vscode-descriptionForeground); margin: 6px 0; }
  .progress-numbers .pct { color: var(--vscode-foreground); font-weight: 600; }
  vscode-progress-bar { display: block; width: 100%; margin: 4px 0 8px; }
  .notes { margin: 8px 0 0; padding-left: 18px; }

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
  .prompt-text.collapsed { max-height: 6.5em; overflow: hidden; }

  .chips { display: flex; gap: 6px; flex-wrap: wrap; margin: 4px 0; }
  .chip { border: 1px solid var(--pt-border); border-radius: 10px; padding: 0 8px; font-size: 0.9em; color: var(--vscode-descriptionForeground); }

  .generation { border-left: 2px solid var(--pt-border); padding-left: 12px; margin: 12px 0; }
  .generation.current { border-left-color: var(--vscode-progressBar-background); }
  .generation header { display: flex; gap: 10px; align-items: baseline; }
  .candidate { padding: 6px 0; border-bottom: 1px solid var(--pt-border); }
  .candidate:last-child { border-bottom: 0; }
  .candidate .line { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; }
  .candidate .cid { font-family: var(--vscode-editor-font-family); color: var(--vscode-descriptionForeground); }
  .candidate .cscore { font-weight: 600; min-width: 3.5em; }
  .candidate.is-best .cscore { color: var(--pt-pass); }
  .survivor { color: var(--pt-pass); display: inline-flex; align-items: center; gap: 2px; }
  .note { color: var(--vscode-descriptionForeground); font-style: italic; }
  .linkish {
    background: none;
    border: 0;
    padding: 0;
    color: var(--vscode-textLink-foreground);
    cursor: pointer;
    font: inherit;
  }
  .linkish:hover { text-decoration: underline; }
  .linkish:focus-visible { outline: 1px solid var(--vscode-focusBorder); }
  .banner { padding: 6px 10px; border: 1px solid var(--vscode-focusBorder); border-radius: 4px; margin: 10px 0; max-width: 640px; }
  .sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
`;
