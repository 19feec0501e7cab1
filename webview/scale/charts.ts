// Inline SVG charts, coloured through --vscode-* variables (classes in styles.ts), each with a text
// alternative: turns per conversation (bars by outcome) and failure modes (counts per tag).
import { html, svg, type TemplateResult } from 'lit';
import type { ScaleRunSnapshot } from '../../src/protocol/scalePanel';

type Conversation = ScaleRunSnapshot['conversations'][number];

const OUTCOME_TEXT = { pass: 'passed', fail: 'failed', unscored: 'unscored' } as const;

/** One bar per conversation, its height the user turns, its colour the outcome. */
export function turnsChart(conversations: Conversation[]): TemplateResult {
  const rows = [...conversations].sort((a, b) => a.index - b.index);
  if (rows.length === 0) return html``;
  const maxTurns = Math.max(1, ...rows.map((c) => c.turns));
  const barW = 22;
  const gap = 10;
  const left = 26;
  const top = 10;
  const plotH = 90;
  const width = left + rows.length * (barW + gap) + gap;
  const height = top + plotH + 22;
  const y = (turns: number): number => top + plotH - (turns / maxTurns) * plotH;
  const label = `Turns per conversation: ${rows
    .map(
      (c) =>
        `#${c.index + 1} ${c.turns} turn${c.turns === 1 ? '' : 's'} (${c.outcome ? OUTCOME_TEXT[c.outcome] : c.status})`,
    )
    .join(', ')}`;
  return html`<figure class="chart" data-testid="turns-chart">
    <figcaption>Turns per conversation</figcaption>
    <svg viewBox="0 0 ${width} ${height}" width=${width} height=${height} role="img" aria-label=${label}>
      <line class="axis" x1=${left - 4} x2=${width} y1=${top + plotH} y2=${top + plotH}></line>
      <text class="tick" x=${left - 8} y=${top + 4} text-anchor="end">${maxTurns}</text>
      <text class="tick" x=${left - 8} y=${top + plotH} text-anchor="end">0</text>
      ${rows.map((c, i) => {
        const x = left + gap + i * (barW + gap);
        const h = Math.max(c.turns > 0 ? 2 : 0, top + plotH - y(c.turns));
        return svg`<g data-testid="turns-bar" data-conversation-id=${c.conversationId}>
          <rect class="bar ${c.outcome ?? 'pending'}" x=${x} y=${top + plotH - h} width=${barW} height=${h} rx="2"><title>#${c.index + 1}: ${c.turns} turns, ${c.outcome ? OUTCOME_TEXT[c.outcome] : c.status}</title></rect>
          <text class="tick" x=${x + barW / 2} y=${top + plotH + 15} text-anchor="middle">#${c.index + 1}</text>
        </g>`;
      })}
    </svg>
    <div class="legend hint" aria-hidden="true">
      <span><span class="swatch pass"></span>passed</span><span><span class="swatch fail"></span>failed</span
      ><span><span class="swatch unscored"></span>unscored</span>
    </div>
  </figure>`;
}

/** A horizontal bar per failure tag: how many conversations carry it. */
export function failureChart(modes: { tag: string; count: number }[], total: number): TemplateResult {
  const rows = modes.filter((m) => m.count > 0);
  if (rows.length === 0) return html``;
  const labelW = 130;
  const barMax = 220;
  const rowH = 22;
  const width = labelW + barMax + 40;
  const height = rows.length * rowH + 4;
  const max = Math.max(1, total, ...rows.map((r) => r.count));
  const label = `Failure modes: ${rows.map((r) => `${r.tag} in ${r.count} of ${total} conversations`).join(', ')}`;
  return html`<figure class="chart" data-testid="failure-chart">
    <figcaption>Failure modes (conversations per tag)</figcaption>
    <svg viewBox="0 0 ${width} ${height}" width=${width} height=${height} role="img" aria-label=${label}>
      ${rows.map((r, i) => {
        const yy = i * rowH + 2;
        const w = Math.max(2, (r.count / max) * barMax);
        return svg`<g>
          <text class="tick label" x=${labelW - 8} y=${yy + 14} text-anchor="end">${r.tag}</text>
          <rect class="bar fail" x=${labelW} y=${yy + 3} width=${w} height=${rowH - 8} rx="2"></rect>
          <text class="tick" x=${labelW + w + 6} y=${yy + 14}>${r.count}</text>
        </g>`;
      })}
    </svg>
  </figure>`;
}
