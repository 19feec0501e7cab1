// The report panel's styles after the shared base (adopted into the document: CSP-clean, no inline <style>,
// no style attributes). Colours only through VS Code's --vscode-* variables; pass and fail are said in words
// and icons too, and high contrast adds borders (contrastBorder) where fills alone would carry meaning.
import { css } from 'lit';
import { baseStyles } from '../shared/baseStyles';
import { runStyles } from '../shared/runStyles';

export const panelStyles = css`
  ${baseStyles}
  ${runStyles}
  eval-app {
    display: block;
  }
  h2 {
    font-size: 1.1em;
    font-weight: 600;
    margin: 0 0 8px;
  }
  .header {
    margin-top: 6px;
  }
  .run-label {
    display: inline-block;
    min-width: 1.3em;
    text-align: center;
    font-weight: 700;
    border: 1px solid var(--pt-border);
    border-radius: 3px;
    padding: 0 3px;
    font-size: 0.85em;
  }
  .totals-pair {
    display: grid;
    grid-template-columns: repeat(auto-fit, minmax(360px, 1fr));
    gap: 0 12px;
  }
  .stats {
    display: flex;
    flex-wrap: wrap;
    gap: 10px 24px;
    margin: 4px 0 8px;
  }
  .stat-value {
    font-size: 1.35em;
    font-weight: 600;
    font-variant-numeric: tabular-nums;
  }
  .per-model {
    max-width: 520px;
  }
  .prompt-details summary {
    cursor: pointer;
    color: var(--vscode-textLink-foreground);
  }
  .prompt-details summary:focus-visible {
    outline: 1px solid var(--vscode-focusBorder);
  }
  .comparison.better {
    border-left: 3px solid var(--pt-pass);
  }
  .comparison.worse {
    border-left: 3px solid var(--pt-fail);
  }
  .comparison.unclear {
    border-left: 3px solid var(--pt-warn);
  }
  .verdict {
    display: flex;
    gap: 8px;
    align-items: flex-start;
    font-weight: 600;
    margin: 0 0 8px;
  }

  .filters {
    display: flex;
    flex-wrap: wrap;
    gap: 8px 16px;
    align-items: flex-end;
    margin: 16px 0 4px;
  }
  .filter label {
    display: block;
    font-weight: 600;
    margin-bottom: 4px;
  }
  .filter vscode-single-select {
    width: 240px;
  }
  .filter.grow {
    flex: 1;
    min-width: 220px;
    max-width: 420px;
  }
  .filter.grow vscode-textfield {
    width: 100%;
  }
  .filter-status {
    flex-basis: 100%;
    margin: 0;
  }

  table.results td {
    padding: 3px 4px;
  }
  .case-id {
    font-weight: 600;
  }
  .case-description {
    font-weight: normal;
    max-width: 320px;
  }
  button.cell {
    display: flex;
    flex-direction: column;
    align-items: flex-start;
    gap: 2px;
    width: 100%;
    min-width: 120px;
    text-align: left;
    font: inherit;
    color: inherit;
    background: transparent;
    border: 1px solid transparent;
    border-radius: 3px;
    padding: 3px 6px;
    cursor: pointer;
  }
  button.cell:hover {
    background: var(--vscode-list-hoverBackground);
  }
  button.cell:focus-visible {
    outline: 1px solid var(--vscode-focusBorder);
    outline-offset: -1px;
  }
  button.cell.open {
    border-color: var(--vscode-focusBorder);
  }
  .outcome {
    display: inline-flex;
    gap: 4px;
    align-items: center;
  }
  .outcome.pass .codicon {
    color: var(--pt-pass);
  }
  .outcome.fail .codicon,
  .outcome.fail .outcome-text {
    color: var(--pt-fail);
  }
  .outcome.none {
    color: var(--vscode-descriptionForeground);
  }
  .latency {
    font-size: 0.85em;
    margin: 0;
  }
  .pair {
    display: flex;
    flex-direction: column;
    gap: 2px;
  }
  .side {
    display: flex;
    gap: 6px;
    align-items: baseline;
    flex-wrap: wrap;
  }
  .change {
    display: inline-flex;
    gap: 3px;
    align-items: center;
    font-weight: 600;
  }
  .change.win {
    color: var(--pt-pass);
  }
  .change.loss {
    color: var(--pt-fail);
  }
  .change.bothPass,
  .change.bothFail {
    color: var(--vscode-descriptionForeground);
    font-weight: normal;
  }

  .detail h2 {
    margin: 0;
  }
  .detail h2:focus-visible {
    outline: 1px solid var(--vscode-focusBorder);
  }
  .detail-cols {
    display: grid;
    gap: 12px;
    margin-top: 8px;
    grid-template-columns: repeat(3, minmax(0, 1fr));
  }
  .detail-cols.cols-4 {
    grid-template-columns: repeat(4, minmax(0, 1fr));
  }
  @media (max-width: 760px) {
    .detail-cols,
    .detail-cols.cols-4 {
      grid-template-columns: minmax(0, 1fr);
    }
  }
  .detail-col {
    min-width: 0;
  }
  .detail-col h3 {
    margin-bottom: 6px;
  }
  .message-role {
    color: var(--vscode-descriptionForeground);
    font-size: 0.9em;
  }
  .role-name {
    text-transform: capitalize;
  }
  .prompt-text.call {
    margin: 4px 0;
  }
  .answer {
    border-left: 3px solid var(--pt-border);
    padding-left: 8px;
    margin-bottom: 10px;
  }
  .answer.pass {
    border-left-color: var(--pt-pass);
  }
  .answer.fail {
    border-left-color: var(--pt-fail);
  }
  .answer-outcome {
    display: flex;
    gap: 6px;
    align-items: center;
    margin: 0 0 4px;
  }
  .answer.pass .answer-outcome .codicon {
    color: var(--pt-pass);
  }
  .answer.fail .answer-outcome .codicon {
    color: var(--pt-fail);
  }
  .detail-text {
    word-break: break-word;
    margin: 0 0 4px;
  }

  body.vscode-high-contrast .run-label,
  body.vscode-high-contrast .answer,
  body.vscode-high-contrast .comparison {
    border-color: var(--vscode-contrastBorder);
  }
  body.vscode-high-contrast button.cell {
    border-color: var(--vscode-contrastBorder);
  }
  body.vscode-high-contrast button.cell:hover,
  body.vscode-high-contrast button.cell.open {
    border: 1px dashed var(--vscode-contrastActiveBorder);
  }
`;
