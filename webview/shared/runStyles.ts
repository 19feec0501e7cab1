// The rules the run and report views of the scale and optimization panels draw alike, after baseStyles: the
// pass and fail colours, code text, data tables, alerts, stat cards, chart captions and ticks, the action note,
// and high contrast's borders.
import { css } from 'lit';

export const runStyles = css`
  :root {
    /* charts-green is a text colour in every theme (testing-iconPassed is too light on white for text). */
    --pt-pass: var(--vscode-charts-green, var(--vscode-testing-iconPassed));
    --pt-fail: var(--vscode-testing-iconFailed, var(--vscode-errorForeground));
  }
  .mono,
  code {
    font-family: var(--vscode-editor-font-family);
  }
  .nowrap {
    white-space: nowrap;
  }

  table.grid {
    border-collapse: collapse;
    width: 100%;
    margin: 6px 0;
  }
  table.grid th,
  table.grid td {
    text-align: left;
    padding: 4px 8px;
    border-bottom: 1px solid var(--pt-border);
    vertical-align: top;
  }
  table.grid thead th {
    color: var(--vscode-descriptionForeground);
    font-weight: 600;
    font-size: 0.92em;
  }
  table.grid tbody th {
    font-weight: 600;
  }
  table.grid .num {
    text-align: right;
    font-variant-numeric: tabular-nums;
  }
  .table-scroll {
    overflow-x: auto;
    max-width: 100%;
  }

  .alerts {
    display: flex;
    flex-direction: column;
    gap: 6px;
    margin: 8px 0;
  }
  .alert {
    display: flex;
    gap: 8px;
    align-items: flex-start;
    padding: 6px 10px;
    border: 1px solid var(--pt-border);
    border-left: 3px solid var(--vscode-textLink-foreground);
    border-radius: 3px;
    background: var(--vscode-editorWidget-background);
  }
  .alert.warn {
    border-left-color: var(--pt-warn);
  }
  .alert.error {
    border-left-color: var(--vscode-errorForeground);
  }
  .alert .codicon {
    margin-top: 2px;
  }

  .stat-title {
    color: var(--vscode-descriptionForeground);
    font-size: 0.92em;
  }
  .stat-sub {
    margin: 0;
  }
  .chart figcaption {
    font-weight: 600;
    margin-bottom: 4px;
  }
  .chart .tick {
    fill: var(--vscode-descriptionForeground);
    font-size: 10px;
    font-family: var(--vscode-font-family);
  }

  .actions-row {
    margin-top: 10px;
  }
  .action-note {
    margin: 0 0 0 6px;
  }
  .prompt-text:focus-visible {
    outline: 1px solid var(--vscode-focusBorder);
  }

  body.vscode-high-contrast .card,
  body.vscode-high-contrast .stat,
  body.vscode-high-contrast .alert {
    border-color: var(--vscode-contrastBorder);
  }
`;
