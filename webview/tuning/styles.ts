// The tuning panel's styles after the shared base (adopted into the document: CSP-clean, no inline <style>).
// Colours only through VS Code's --vscode-* variables, so light, dark and high-contrast themes follow.
import { css } from 'lit';
import { baseStyles } from '../shared/baseStyles';

export const panelStyles = css`
  ${baseStyles}
  :root {
    --pt-pass: var(--vscode-testing-iconPassed, var(--vscode-charts-green));
  }
  tuning-app {
    display: block;
    max-width: 980px;
  }
  h2 {
    font-size: 1.1em;
    font-weight: 600;
    margin: 22px 0 8px;
  }
  vscode-textarea {
    min-height: 120px;
  }

  .mode-cards {
    display: grid;
    grid-template-columns: repeat(auto-fit, minmax(220px, 1fr));
    gap: 10px;
    max-width: 640px;
  }
  .mode-card {
    border: 1px solid var(--pt-border);
    border-radius: 4px;
    padding: 10px 12px;
    cursor: pointer;
    background: var(--vscode-editorWidget-background);
  }
  .mode-card:hover {
    background: var(--vscode-list-hoverBackground);
  }
  .mode-card[aria-checked='true'] {
    border-color: var(--vscode-focusBorder);
    box-shadow: inset 0 0 0 1px var(--vscode-focusBorder);
  }
  .mode-card:focus-visible {
    outline: 1px solid var(--vscode-focusBorder);
    outline-offset: 2px;
  }
  .mode-card .title {
    display: flex;
    align-items: center;
    gap: 6px;
    font-weight: 600;
  }
  .mode-card p {
    margin: 4px 0 0;
    color: var(--vscode-descriptionForeground);
  }

  .model-grid {
    display: grid;
    grid-template-columns: repeat(auto-fill, minmax(240px, 1fr));
    gap: 6px 16px;
    max-width: 760px;
    margin-bottom: 8px;
  }

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
  .library-item:hover {
    background: var(--vscode-list-hoverBackground);
  }
  .library-item:focus-visible {
    outline: 1px solid var(--vscode-focusBorder);
    outline-offset: -1px;
  }
  .library-item .version {
    font-weight: 600;
    min-width: 3em;
  }
  .library-item .label {
    color: var(--vscode-descriptionForeground);
    flex: 1;
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
  }
  .library-item .date {
    color: var(--vscode-descriptionForeground);
    font-size: 0.9em;
  }

  .params {
    display: grid;
    grid-template-columns: repeat(auto-fill, minmax(180px, 1fr));
    gap: 10px 16px;
    max-width: 760px;
  }

  .estimate {
    margin: 16px 0 8px;
    padding: 8px 12px;
    border-left: 3px solid var(--vscode-textLink-foreground);
    background: var(--vscode-textCodeBlock-background);
    max-width: 640px;
  }
  .estimate.warn {
    border-left-color: var(--pt-warn);
  }
  .estimate .calls {
    font-weight: 600;
  }

  .best-card {
    border: 2px solid var(--pt-pass);
  }
  .best-card .score {
    font-size: 1.6em;
    font-weight: 700;
    color: var(--pt-pass);
  }
  .error-card {
    border-color: var(--vscode-errorForeground);
  }

  .notes {
    margin: 8px 0 0;
    padding-left: 18px;
  }

  .prompt-text.collapsed {
    max-height: 6.5em;
    overflow: hidden;
  }

  .chips {
    display: flex;
    gap: 6px;
    flex-wrap: wrap;
    margin: 4px 0;
  }
  .chip {
    border: 1px solid var(--pt-border);
    border-radius: 10px;
    padding: 0 8px;
    font-size: 0.9em;
    color: var(--vscode-descriptionForeground);
  }

  .generation {
    border-left: 2px solid var(--pt-border);
    padding-left: 12px;
    margin: 12px 0;
  }
  .generation.current {
    border-left-color: var(--vscode-progressBar-background);
  }
  .generation header {
    display: flex;
    gap: 10px;
    align-items: baseline;
  }
  .candidate {
    padding: 6px 0;
    border-bottom: 1px solid var(--pt-border);
  }
  .candidate:last-child {
    border-bottom: 0;
  }
  .candidate .line {
    display: flex;
    gap: 8px;
    align-items: center;
    flex-wrap: wrap;
  }
  .candidate .cid {
    font-family: var(--vscode-editor-font-family);
    color: var(--vscode-descriptionForeground);
  }
  .candidate .cscore {
    font-weight: 600;
    min-width: 3.5em;
  }
  .candidate.is-best .cscore {
    color: var(--pt-pass);
  }
  .survivor {
    color: var(--pt-pass);
    display: inline-flex;
    align-items: center;
    gap: 2px;
  }
  .note {
    color: var(--vscode-descriptionForeground);
    font-style: italic;
  }
  .banner {
    max-width: 640px;
  }
`;
