// The optimization panel's styles after the shared base (adopted into the document: CSP-clean, no inline
// <style>, no style attributes). Colours only through VS Code's --vscode-* variables, so light, dark and high
// contrast follow; the timeline's series differ by dash and marker as well as colour, and high contrast adds
// borders (contrastBorder) where fills alone would carry meaning.
import { css } from 'lit';
import { baseStyles } from '../shared/baseStyles';
import { runStyles } from '../shared/runStyles';

export const panelStyles = css`
  ${baseStyles}
  ${runStyles}
  :root {
    --pt-queued: var(--vscode-charts-yellow, var(--vscode-editorWarning-foreground));
    --pt-running: var(--vscode-charts-blue, var(--vscode-textLink-foreground));
    --pt-done: var(--vscode-charts-green, var(--vscode-foreground));
  }
  optimize-app {
    display: block;
    max-width: 1080px;
  }
  h2 {
    font-size: 1.15em;
    font-weight: 600;
    margin: 22px 0 8px;
  }
  h4 {
    font-size: 1em;
    font-weight: 600;
    margin: 0 8px 0 0;
  }
  .section-title {
    margin: 18px 0 6px;
  }
  .header {
    margin-top: 6px;
  }
  .header h1,
  .header h2 {
    margin-right: 8px;
  }
  .store-path {
    word-break: break-all;
  }
  .empty p {
    max-width: 720px;
  }

  table.compact th,
  table.compact td {
    padding: 3px 8px;
  }
  table.runs tr.selected {
    background: var(--vscode-list-inactiveSelectionBackground, var(--vscode-list-hoverBackground));
  }
  table.runs tr.selected th {
    box-shadow: inset 3px 0 0 var(--vscode-focusBorder);
  }
  table.runs .linkish[aria-current='true'] {
    font-weight: 700;
  }
  tr.leader th {
    color: var(--vscode-foreground);
  }

  .state {
    display: inline-flex;
    align-items: center;
    gap: 5px;
    white-space: nowrap;
  }
  .state .dot {
    width: 8px;
    height: 8px;
  }
  /* Only the icon takes the status colour: the green and yellow of light themes are too light for text. */
  .state.stale,
  .state.regress {
    font-weight: 600;
  }
  .state.stale .codicon,
  .state.regress .codicon {
    color: var(--pt-warn);
  }
  .state.kept .codicon,
  .state.active .codicon {
    color: var(--pt-pass);
  }
  .state.stopped {
    color: var(--vscode-descriptionForeground);
  }
  .dot.interrupted {
    background: var(--pt-warn);
  }
  .pill {
    display: inline-block;
    border: 1px solid var(--pt-border);
    border-radius: 10px;
    padding: 0 6px;
    font-size: 0.85em;
    font-weight: 600;
    background: var(--vscode-badge-background);
    color: var(--vscode-badge-foreground);
  }

  .alert-code {
    font-size: 0.9em;
    color: var(--vscode-descriptionForeground);
  }

  .stats {
    display: grid;
    grid-template-columns: repeat(auto-fill, minmax(140px, 1fr));
    gap: 10px;
    margin: 8px 0 12px;
  }
  .stat {
    border: 1px solid var(--pt-border);
    border-radius: 6px;
    padding: 8px 12px;
    background: var(--vscode-editorWidget-background);
  }
  .stat-value {
    font-size: 1.5em;
    font-weight: 700;
    margin: 2px 0;
    font-variant-numeric: tabular-nums;
  }

  .chart {
    margin: 0;
  }
  .chart svg {
    display: block;
    width: 100%;
    max-width: 720px;
    height: auto;
  }
  .chart .axis {
    stroke: var(--vscode-descriptionForeground);
    stroke-width: 1;
  }
  .chart .grid {
    stroke: var(--pt-border);
    stroke-width: 1;
    stroke-dasharray: 2 3;
  }
  .chart .line {
    fill: none;
    stroke-width: 2;
    stroke-linejoin: round;
    vector-effect: non-scaling-stroke;
  }
  .chart .line.queued {
    stroke: var(--pt-queued);
    stroke-dasharray: 6 4;
  }
  .chart .line.running {
    stroke: var(--pt-running);
    stroke-dasharray: 2 3;
  }
  .chart .line.done {
    stroke: var(--pt-done);
  }
  .chart .marker {
    stroke: var(--vscode-editor-background);
    stroke-width: 1;
  }
  .chart .marker.queued {
    fill: var(--pt-queued);
  }
  .chart .marker.running {
    fill: var(--pt-running);
  }
  .chart .marker.done {
    fill: var(--pt-done);
  }
  .legend {
    display: flex;
    gap: 16px;
    flex-wrap: wrap;
    align-items: center;
    margin: 4px 0 0;
  }
  .legend > span {
    display: inline-flex;
    align-items: center;
    gap: 6px;
  }
  .line-swatch {
    display: inline-block;
    width: 18px;
    height: 0;
    border-top-width: 2px;
  }
  .line-swatch.queued {
    border-top: 2px dashed var(--pt-queued);
  }
  .line-swatch.running {
    border-top: 2px dotted var(--pt-running);
  }
  .line-swatch.done {
    border-top: 2px solid var(--pt-done);
  }

  .round h4 {
    display: inline;
  }
  .round {
    padding: 8px 12px;
  }
  .candidates .prompt-cell {
    min-width: 120px;
  }
  details > summary {
    cursor: pointer;
    color: var(--vscode-textLink-foreground);
  }
  details > summary:focus-visible {
    outline: 1px solid var(--vscode-focusBorder);
    outline-offset: 2px;
  }
  .critiques {
    margin-top: 6px;
  }
  .critique {
    margin: 4px 0;
  }
  .prompt-text {
    max-width: 900px;
  }
  .prompt-text.small {
    font-size: 0.92em;
    max-height: 14em;
    overflow: auto;
    margin: 4px 0;
  }

  .best-card {
    border: 2px solid var(--pt-pass);
  }
  .best-card h3 {
    margin-right: 8px;
  }
  .best-reward {
    font-weight: 700;
    font-size: 1.1em;
  }
  .delta {
    font-weight: 600;
    display: inline-flex;
    align-items: center;
    gap: 4px;
  }
  .delta.up .codicon {
    color: var(--pt-pass);
  }
  .delta.down .codicon {
    color: var(--pt-fail);
  }
  .run-meta {
    word-break: break-word;
  }

  body.vscode-high-contrast .pill {
    border-color: var(--vscode-contrastBorder);
  }
  body.vscode-high-contrast .chart .grid {
    stroke: var(--vscode-contrastBorder);
  }
`;
