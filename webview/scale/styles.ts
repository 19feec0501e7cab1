// The scale panel's styles after the shared base (adopted into the document: CSP-clean, no inline <style>,
// no style attributes). Colours only through VS Code's --vscode-* variables, so light, dark and high-contrast
// themes follow; high contrast adds borders (contrastBorder) where fills alone would carry meaning.
import { css } from 'lit';
import { baseStyles } from '../shared/baseStyles';
import { runStyles } from '../shared/runStyles';

export const panelStyles = css`
  ${baseStyles}
  ${runStyles}
  :root {
    --pt-unscored: var(--vscode-descriptionForeground);
  }
  scale-app {
    display: block;
    max-width: 1040px;
  }
  h2 {
    font-size: 1.15em;
    font-weight: 600;
    margin: 24px 0 8px;
  }
  h4 {
    font-size: 1em;
    font-weight: 600;
    margin: 0;
  }
  .section-title {
    margin: 16px 0 6px;
  }
  .header {
    margin-top: 6px;
  }
  .header h1 {
    margin-right: 8px;
  }
  .field vscode-textfield {
    width: 100%;
    max-width: 640px;
  }

  .models {
    display: grid;
    grid-template-columns: repeat(auto-fill, minmax(280px, 1fr));
    gap: 10px 16px;
    max-width: 760px;
  }
  .models vscode-single-select {
    width: 100%;
  }
  .add-model {
    margin-top: 8px;
  }
  .params {
    display: grid;
    grid-template-columns: repeat(auto-fill, minmax(180px, 1fr));
    gap: 10px 16px;
    max-width: 640px;
  }

  .estimate-box {
    margin: 16px 0 8px;
    padding: 8px 12px;
    border-left: 3px solid var(--vscode-textLink-foreground);
    background: var(--vscode-textCodeBlock-background);
    max-width: 640px;
  }
  .estimate-box.warn {
    border-left-color: var(--pt-warn);
  }
  .estimate-box .total {
    font-weight: 600;
  }
  .banner {
    max-width: 760px;
  }

  table.compact {
    max-width: 760px;
  }
  table.grid td.mono {
    white-space: nowrap;
  }
  table.compact th,
  table.compact td {
    padding: 2px 8px;
  }
  table.conversations tr.group th {
    padding-top: 12px;
    color: var(--vscode-descriptionForeground);
    font-weight: 600;
    border-bottom: 1px solid var(--pt-border);
  }
  .persona {
    max-width: 280px;
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
    margin: 0;
  }
  .actions {
    white-space: nowrap;
  }
  .actions .linkish + .linkish {
    margin-left: 10px;
  }
  .state {
    display: inline-flex;
    align-items: center;
    gap: 4px;
    white-space: nowrap;
  }
  .state.pass {
    color: var(--pt-pass);
  }
  .state.fail {
    color: var(--pt-fail);
  }
  .state.unscored,
  .state.pending {
    color: var(--pt-unscored);
  }
  .tag {
    display: inline-block;
    border: 1px solid var(--pt-border);
    border-radius: 3px;
    padding: 0 5px;
    margin: 0 4px 2px 0;
    font-size: 0.85em;
    font-family: var(--vscode-editor-font-family);
  }

  .dot.pending {
    background: var(--vscode-progressBar-background);
    animation: pt-pulse 1.4s ease-in-out infinite;
  }
  @media (prefers-reduced-motion: reduce) {
    .dot.pending {
      animation: none;
    }
    .codicon-modifier-spin {
      animation: none;
    }
  }

  .budget-bar {
    display: block;
    width: 100%;
    max-width: 640px;
    height: 16px;
    margin: 8px 0 4px;
  }
  .budget-bar .track {
    fill: var(--vscode-textCodeBlock-background, var(--vscode-input-background));
    stroke: var(--pt-border);
    stroke-width: 0.3;
  }
  .budget-bar .fill {
    fill: var(--vscode-progressBar-background);
  }
  .budget-bar .fill.over {
    fill: var(--pt-warn);
  }
  .budget-bar .mark {
    stroke-width: 1.2;
    vector-effect: non-scaling-stroke;
  }
  .budget-bar .mark.estimate {
    stroke: var(--vscode-foreground);
    stroke-dasharray: 2 2;
  }
  .budget-bar .mark.cap {
    stroke: var(--vscode-errorForeground);
    stroke-width: 2;
  }
  .legend {
    display: flex;
    gap: 14px;
    flex-wrap: wrap;
    align-items: center;
    margin: 2px 0 6px;
  }
  .legend > span {
    display: inline-flex;
    align-items: center;
    gap: 4px;
  }
  .swatch {
    display: inline-block;
    width: 10px;
    height: 10px;
    border-radius: 2px;
    border: 1px solid var(--vscode-contrastBorder, transparent);
  }
  .swatch.fill {
    background: var(--vscode-progressBar-background);
  }
  .swatch.estimate {
    border: 0;
    border-top: 2px dashed var(--vscode-foreground);
    height: 0;
    width: 12px;
    border-radius: 0;
  }
  .swatch.cap {
    background: var(--vscode-errorForeground);
    width: 3px;
  }
  .swatch.pass {
    background: var(--pt-pass);
  }
  .swatch.fail {
    background: var(--pt-fail);
  }
  .swatch.unscored {
    background: var(--pt-unscored);
  }

  .stats {
    display: grid;
    grid-template-columns: repeat(auto-fill, minmax(170px, 1fr));
    gap: 10px;
    margin: 8px 0 12px;
  }
  .stat {
    border: 1px solid var(--pt-border);
    border-radius: 6px;
    padding: 10px 12px;
    background: var(--vscode-editorWidget-background);
  }
  .stat-value {
    font-size: 1.6em;
    font-weight: 700;
    margin: 2px 0;
    font-variant-numeric: tabular-nums;
  }

  .charts {
    display: flex;
    gap: 24px;
    flex-wrap: wrap;
    align-items: flex-start;
  }
  .chart {
    margin: 4px 0;
  }
  .chart svg {
    display: block;
    max-width: 100%;
    height: auto;
  }
  .chart .axis {
    stroke: var(--pt-border);
    stroke-width: 1;
  }
  .chart .tick.label {
    fill: var(--vscode-foreground);
    font-family: var(--vscode-editor-font-family);
  }
  .chart .bar {
    stroke: var(--vscode-contrastBorder, none);
    stroke-width: 1;
  }
  .chart .bar.pass {
    fill: var(--pt-pass);
  }
  .chart .bar.fail {
    fill: var(--pt-fail);
  }
  .chart .bar.unscored,
  .chart .bar.pending {
    fill: var(--pt-unscored);
  }

  .badges {
    display: flex;
    gap: 6px;
    flex-wrap: wrap;
    margin: 4px 0 8px;
    align-items: center;
  }
  .badge {
    display: inline-flex;
    align-items: center;
    gap: 6px;
    border: 1px solid var(--pt-border);
    border-radius: 12px;
    padding: 1px 4px 1px 10px;
    background: var(--vscode-editorWidget-background);
    color: var(--vscode-foreground);
    font: inherit;
    font-size: 0.92em;
    cursor: pointer;
  }
  .badge:hover {
    background: var(--vscode-list-hoverBackground);
  }
  .badge:focus-visible {
    outline: 1px solid var(--vscode-focusBorder);
    outline-offset: 2px;
  }
  .badge[aria-pressed='true'] {
    border-color: var(--vscode-focusBorder);
    box-shadow: inset 0 0 0 1px var(--vscode-focusBorder);
  }
  .badge.zero {
    color: var(--vscode-descriptionForeground);
  }
  .badge-tag {
    font-family: var(--vscode-editor-font-family);
  }
  .badge-count {
    min-width: 1.4em;
    text-align: center;
    border-radius: 10px;
    padding: 0 6px;
    background: var(--vscode-badge-background);
    color: var(--vscode-badge-foreground);
    border: 1px solid var(--vscode-contrastBorder, transparent);
  }

  .summary {
    display: grid;
    grid-template-columns: repeat(auto-fill, minmax(320px, 1fr));
    gap: 10px 20px;
  }
  .summary-section h3 {
    margin: 6px 0 4px;
  }
  .findings {
    margin: 0;
    padding-left: 18px;
  }
  .findings li {
    margin: 3px 0;
  }
  .citations {
    margin-left: 6px;
  }
  .citation {
    margin-right: 6px;
  }

  .revised-card {
    border: 2px solid var(--pt-pass);
  }
  .revised-card h4 {
    margin-top: 6px;
  }
  .rationale {
    margin: 4px 0 10px;
  }
  .verify-result {
    font-size: 1.15em;
  }
  .delta {
    margin-left: 8px;
    font-weight: 600;
  }
  .delta.up {
    color: var(--pt-pass);
  }
  .delta.down {
    color: var(--pt-fail);
  }

  .prompt-text {
    max-width: 900px;
  }
  .prompt-text.collapsed {
    max-height: 8em;
    overflow: auto;
  }
  .linkish:disabled {
    color: var(--vscode-disabledForeground, var(--vscode-descriptionForeground));
    cursor: default;
    text-decoration: none;
  }
`;
