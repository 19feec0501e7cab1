// The run view's score chart: best and mean score per generation with the base prompt's score as a line, one
// small chart per target model (and one for the overall score when there are several), from the series the
// host derived (scoreSeries.ts). Prompt ids are bound as text only.
import { css, html, LitElement, nothing, type TemplateResult } from 'lit';
import type { ScoreSeries, TuningRunView } from '../../src/protocol/tuningPanel';
import { percent } from '../shared/format';
import '../shared/uplotChart';
import type { LineChartSpec } from '../shared/uplotChart';

type Track = ScoreSeries['overall'];
type Point = Track['generations'][number];

const prompts = (n: number) => `${n} prompt${n === 1 ? '' : 's'}`;

function pointText(p: Point): string {
  if (p.best === null) return `Generation ${p.generation}: no prompt scored yet`;
  return `Generation ${p.generation}: best ${percent(p.best)} (${p.bestId ?? '?'}), mean ${percent(p.mean)} of ${prompts(p.scored)}`;
}

function baseText(track: Track, baseId: string | null): string {
  return track.base === null ? '' : `; base prompt ${percent(track.base)}${baseId ? ` (${baseId})` : ''}`;
}

function summaryOf(title: string, track: Track, baseId: string | null): string {
  const scored = track.generations.filter((p) => p.best !== null);
  const first = scored[0];
  const last = scored[scored.length - 1];
  const base =
    track.base === null ? '' : ` The base prompt${baseId ? ` (${baseId})` : ''} scored ${percent(track.base)}.`;
  if (!first || !last) return `${title}: no generation scored yet.${base}`;
  if (first === last) return `${title}: ${pointText(first)}.${base}`;
  return (
    `${title}: best ${percent(first.best)} in generation ${first.generation} and ${percent(last.best)} in generation ` +
    `${last.generation} (${last.bestId ?? '?'}); mean ${percent(first.mean)} then ${percent(last.mean)}.${base}`
  );
}

/** One chart's spec for a track: fixed axes (0–100 %, generation 1 to the planned last), so it never rescales. */
export function trackSpec(track: Track, title: string, baseId: string | null, planned: number): LineChartSpec {
  const gens = track.generations;
  const x = gens.map((g) => g.generation);
  const last = Math.max(planned, ...x, 1);
  return {
    title,
    summary: summaryOf(title, track, baseId),
    xName: 'Generation',
    x,
    xRange: last === 1 ? [0.5, 1.5] : [0.7, last + 0.3],
    xTicks: Array.from({ length: last }, (_, i) => i + 1),
    yRange: [-0.04, 1.04],
    yTicks: [0, 0.25, 0.5, 0.75, 1],
    formatY: (v) => percent(v),
    lines: [
      { label: 'Best', values: gens.map((g) => g.best), role: 'primary', dash: 'solid', marker: 'filled' },
      { label: 'Mean', values: gens.map((g) => g.mean), role: 'secondary', dash: 'dashed', marker: 'hollow' },
    ],
    rule: track.base === null ? null : { label: `Base prompt ${percent(track.base)}`, value: track.base },
    describe: (i) => {
      const p = gens[i];
      return p ? `${pointText(p)}${baseText(track, baseId)}` : '';
    },
    table: {
      caption:
        track.base === null
          ? `${title}: score per generation`
          : `${title}: score per generation; base prompt${baseId ? ` ${baseId}` : ''} ${percent(track.base)}`,
      head: ['Generation', 'Best', 'Best prompt', 'Mean', 'Prompts scored'],
      rows: gens.map((g) => [
        String(g.generation),
        percent(g.best),
        g.bestId ?? '—',
        percent(g.mean),
        String(g.scored),
      ]),
    },
  };
}

/** The charts of a run: the overall score first when several target models share it, then one per model. */
export class ScoreCharts extends LitElement {
  static override properties = { series: { attribute: false }, planned: { type: Number } };
  static override styles = css`
    :host {
      display: grid;
      /* auto-fill: one target model's chart stays a third of the width instead of stretching one point wide. */
      grid-template-columns: repeat(auto-fill, minmax(280px, 1fr));
      gap: 14px 24px;
      margin: 4px 0 8px;
    }
  `;

  series: ScoreSeries | null = null;
  planned = 1;
  // Every progress message brings an equal series: the same specs then, so the charts are not touched.
  private specsKey = '';
  private specs: { model: string | null; spec: LineChartSpec }[] = [];

  protected override render(): TemplateResult | typeof nothing {
    const s = this.series;
    if (!s) return nothing;
    const key = JSON.stringify([s, this.planned]);
    if (key !== this.specsKey) {
      this.specsKey = key;
      const tracks: [Track, string][] = [
        ...(s.perModel.length > 1 ? [[s.overall, 'All target models'] as [Track, string]] : []),
        ...s.perModel.map((t): [Track, string] => [t, t.model ?? 'All target models']),
      ];
      this.specs = tracks.map(([t, title]) => ({ model: t.model, spec: trackSpec(t, title, s.baseId, this.planned) }));
    }
    return html`${this.specs.map(
      ({ model, spec }) =>
        html`<pt-line-chart
          data-testid="score-chart-model"
          data-model=${model ?? 'all'}
          .spec=${spec}
        ></pt-line-chart>`,
    )}`;
  }
}

customElements.define('tuning-score-charts', ScoreCharts);

/** The chart section of the run view; nothing until a generation has a prompt or the base prompt a score. */
export function renderScoreChart(s: TuningRunView): TemplateResult | typeof nothing {
  const series = s.scoreSeries;
  const any = series.overall.base !== null || series.overall.generations.some((g) => g.best !== null);
  if (series.overall.generations.length === 0 || !any) return nothing;
  return html`<section data-testid="score-chart" aria-labelledby="score-chart-heading">
    <h2 id="score-chart-heading">Score per generation</h2>
    <tuning-score-charts .series=${series} planned=${s.generationsPlanned}></tuning-score-charts>
  </section>`;
}
