// The queue timeline as an inline SVG line chart (queued / running / done rollouts over time), coloured
// through --vscode-* variables and told apart by dash pattern and marker too (high contrast, colour blindness),
// with the numbers as its text alternative.
import { html, nothing, svg, type TemplateResult } from 'lit';
import type { OptimizeOverview } from '../../src/protocol/optimizePanel';
import { spanText } from './format';

type Point = OptimizeOverview['timeline'][number];
type Series = 'queued' | 'running' | 'done';

const SERIES: { key: Series; label: string }[] = [
  { key: 'queued', label: 'queued' },
  { key: 'running', label: 'running' },
  { key: 'done', label: 'done' },
];

const W = 640;
const H = 180;
const LEFT = 34;
const RIGHT = 12;
const TOP = 10;
const BOTTOM = 24;

/** What the chart says to a screen reader: the span, where the queue ended, and its peak. */
export function timelineSummary(points: Point[]): string {
  if (points.length === 0) return 'Queue timeline: no rollouts yet.';
  const first = points[0]!;
  const last = points[points.length - 1]!;
  const peak = points.reduce((a, p) => (p.queued > a.queued ? p : a), first);
  return (
    `Queue timeline over ${spanText(last.t_unix_ms - first.t_unix_ms)}: at the end ${last.queued} queued, ${last.running} running, ${last.done} done; ` +
    `at most ${peak.queued} queued, ${spanText(peak.t_unix_ms - first.t_unix_ms)} in.`
  );
}

export function timelineChart(points: Point[]): TemplateResult {
  if (points.length === 0)
    return html`<p class="hint" data-testid="timeline-empty">
      No rollouts yet: the timeline starts with the first one queued.
    </p>`;
  const t0 = points[0]!.t_unix_ms;
  const t1 = Math.max(t0 + 1, points[points.length - 1]!.t_unix_ms);
  const max = Math.max(1, ...points.map((p) => Math.max(p.queued, p.running, p.done)));
  const plotW = W - LEFT - RIGHT;
  const plotH = H - TOP - BOTTOM;
  const x = (t: number): number => LEFT + ((t - t0) / (t1 - t0)) * plotW;
  const y = (v: number): number => TOP + plotH - (v / max) * plotH;
  const path = (key: Series): string =>
    points.map((p) => `${x(p.t_unix_ms).toFixed(1)},${y(p[key]).toFixed(1)}`).join(' ');
  const last = points[points.length - 1]!;
  return html`<figure class="chart timeline" data-testid="timeline-chart">
    <figcaption>Queue timeline</figcaption>
    <svg viewBox="0 0 ${W} ${H}" role="img" aria-label=${timelineSummary(points)} data-testid="timeline-svg">
      <line class="axis" x1=${LEFT} x2=${W - RIGHT} y1=${TOP + plotH} y2=${TOP + plotH}></line>
      <line class="axis" x1=${LEFT} x2=${LEFT} y1=${TOP} y2=${TOP + plotH}></line>
      <line class="grid" x1=${LEFT} x2=${W - RIGHT} y1=${y(max)} y2=${y(max)}></line>
      <text class="tick" x=${LEFT - 6} y=${y(max) + 4} text-anchor="end">${max}</text>
      <text class="tick" x=${LEFT - 6} y=${TOP + plotH + 4} text-anchor="end">0</text>
      <text class="tick" x=${LEFT} y=${H - 6} text-anchor="start">0 s</text>
      <text class="tick" x=${W - RIGHT} y=${H - 6} text-anchor="end">${spanText(t1 - t0)}</text>
      ${SERIES.map(
        (s) => svg`<polyline class="line ${s.key}" data-testid=${`timeline-${s.key}`} points=${path(s.key)}></polyline>
          <circle class="marker ${s.key}" cx=${x(last.t_unix_ms)} cy=${y(last[s.key])} r="3.5"></circle>`,
      )}
    </svg>
    <div class="legend hint" aria-hidden="true">
      ${SERIES.map((s) => html`<span><span class="swatch line-swatch ${s.key}"></span>${s.label} ${last[s.key]}</span>`)}
    </div>
    ${points.length === 1 ? html`<p class="hint">One point so far.</p>` : nothing}
  </figure>`;
}
