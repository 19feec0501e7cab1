// <pt-line-chart>: a small line chart on uPlot (canvas, no eval, styles only through the CSSOM and a constructed
// stylesheet, so it runs under the panels' strict CSP). Coloured from --vscode-* variables read with
// getComputedStyle and drawn again when VS Code changes the theme; lines differ by dash and marker as well as
// colour, thicker in high contrast. The plot is a keyboard slider over the x values (arrows, Home, End) whose
// value text is the readout hover shows, and a table of the numbers sits under it as its text alternative.
import { css, html, LitElement, nothing, svg, unsafeCSS, type PropertyValues, type TemplateResult } from 'lit';
import uPlot from 'uplot';
import uplotCss from 'uplot/dist/uPlot.min.css' with { type: 'text' };

/** Which theme colour a line takes. */
export type LineRole = 'primary' | 'secondary';

/** One line of the chart. */
export interface ChartLine {
  /** Legend text. */
  label: string;
  /** One value per x value; null leaves a gap. */
  values: (number | null)[];
  /** Theme colour. */
  role: LineRole;
  /** Dash pattern, so lines differ without colour. */
  dash: 'solid' | 'dashed';
  /** Filled or hollow markers: what tells lines apart where there is a single point and so no line. */
  marker: 'filled' | 'hollow';
}

/** A horizontal reference line across the whole plot (e.g. the base prompt's score). */
export interface ChartRule {
  /** Legend text. */
  label: string;
  value: number;
}

/** The text alternative: a table of the numbers. */
export interface ChartTable {
  caption: string;
  /** Column headers. */
  head: string[];
  /** Rows of cells; the first cell of each is its row header. */
  rows: string[][];
}

/** Everything one chart shows. Functions are called with an index into `x`. */
export interface LineChartSpec {
  /** The chart's caption and accessible name. */
  title: string;
  /** One sentence for screen readers: what the chart shows overall. */
  summary: string;
  /** Name of an x value, for the slider ("Generation"). */
  xName: string;
  /** The x values, ascending. */
  x: number[];
  /** Shown x range (kept fixed so the chart does not rescale as points arrive). */
  xRange: [number, number];
  /** Where the x axis has ticks. */
  xTicks: number[];
  /** Shown y range. */
  yRange: [number, number];
  /** Where the y axis has ticks and grid lines. */
  yTicks: number[];
  /** Text of a y value on the axis. */
  formatY(value: number): string;
  lines: ChartLine[];
  rule: ChartRule | null;
  /** What the readout (hover, keyboard) says for the x value at this index. */
  describe(index: number): string;
  table: ChartTable;
}

/** Colours and strokes of the current theme. */
interface ChartTheme {
  primary: string;
  secondary: string;
  reference: string;
  axis: string;
  grid: string;
  background: string;
  font: string;
  highContrast: boolean;
}

const HEIGHT = 200;

/** Line width and dash pattern (CSS pixels) per kind of line; wider and longer dashes in high contrast. */
export function strokeOf(kind: 'solid' | 'dashed' | 'rule', highContrast: boolean): { width: number; dash: number[] } {
  if (kind === 'rule') return highContrast ? { width: 2.5, dash: [2, 5] } : { width: 1.5, dash: [2, 4] };
  const width = highContrast ? 3.5 : 2;
  if (kind === 'solid') return { width, dash: [] };
  return { width, dash: highContrast ? [10, 6] : [6, 4] };
}

/**
 * The lines in the order uPlot draws them: hollow markers first, so a filled marker on the same value (best equal to
 * mean) is drawn inside the larger ring instead of hidden under it.
 */
export function drawOrder(lines: ChartLine[]): ChartLine[] {
  return [...lines.filter((l) => l.marker === 'hollow'), ...lines.filter((l) => l.marker !== 'hollow')];
}

export function isHighContrast(body: HTMLElement): boolean {
  return body.classList.contains('vscode-high-contrast') || body.classList.contains('vscode-high-contrast-light');
}

function readTheme(el: HTMLElement): ChartTheme {
  const cs = getComputedStyle(el);
  const v = (name: string) => cs.getPropertyValue(name).trim();
  return {
    primary: v('--pt-chart-primary'),
    secondary: v('--pt-chart-secondary'),
    reference: v('--pt-chart-reference'),
    axis: v('--pt-chart-axis'),
    grid: v('--pt-chart-grid'),
    background: v('--pt-chart-background'),
    font: `${cs.fontSize} ${cs.fontFamily}`,
    highContrast: isHighContrast(document.body),
  };
}

export class LineChart extends LitElement {
  static override properties = {
    spec: { attribute: false },
    active: { state: true },
    highContrast: { type: Boolean, reflect: true, attribute: 'high-contrast' },
  };

  static override styles = [
    unsafeCSS(uplotCss),
    css`
      :host {
        display: block;
        min-width: 0;
        --pt-chart-primary: var(--vscode-charts-blue, var(--vscode-textLink-foreground, #3794ff));
        --pt-chart-secondary: var(--vscode-charts-orange, var(--vscode-editorWarning-foreground, #d18616));
        --pt-chart-reference: var(--vscode-charts-foreground, var(--vscode-foreground, #888888));
        --pt-chart-axis: var(--vscode-descriptionForeground, var(--vscode-foreground, #888888));
        --pt-chart-grid: var(--vscode-charts-lines, var(--vscode-widget-border, rgba(128, 128, 128, 0.35)));
        --pt-chart-background: var(--vscode-editor-background, transparent);
      }
      :host([high-contrast]) {
        --pt-chart-grid: var(--vscode-contrastBorder, var(--vscode-charts-lines, #6fc3df));
      }
      figure {
        margin: 0;
      }
      figcaption {
        font-weight: 600;
        margin-bottom: 2px;
      }
      .legend {
        display: flex;
        flex-wrap: wrap;
        gap: 2px 12px;
        color: var(--vscode-descriptionForeground);
        font-size: 0.9em;
      }
      .legend span {
        display: inline-flex;
        align-items: center;
        gap: 4px;
      }
      .legend line {
        stroke-linecap: butt;
      }
      .legend .primary {
        stroke: var(--pt-chart-primary);
      }
      .legend .secondary {
        stroke: var(--pt-chart-secondary);
      }
      .legend .reference {
        stroke: var(--pt-chart-reference);
        stroke-linecap: round;
      }
      .legend circle.filled.primary {
        fill: var(--pt-chart-primary);
      }
      .legend circle.filled.secondary {
        fill: var(--pt-chart-secondary);
      }
      .legend circle.hollow {
        fill: var(--pt-chart-background);
      }
      .plot {
        margin-top: 4px;
        min-height: ${HEIGHT}px;
        border-radius: 2px;
      }
      .plot:focus {
        outline: none;
      }
      .plot:focus-visible {
        outline: 1px solid var(--vscode-focusBorder);
        outline-offset: 2px;
      }
      :host([high-contrast]) .plot:focus-visible {
        outline: 2px solid var(--vscode-contrastActiveBorder, var(--vscode-focusBorder));
      }
      .u-cursor-x {
        border-right: 1px dashed var(--pt-chart-axis);
      }
      :host([high-contrast]) .u-cursor-x {
        border-right: 2px dashed var(--pt-chart-axis);
      }
      .readout {
        margin: 2px 0 0;
        /* Two lines, so a longer readout while hovering does not move what is below. */
        min-height: 2.8em;
        color: var(--vscode-foreground);
      }
      .readout.idle {
        color: var(--vscode-descriptionForeground);
      }
      details {
        margin-top: 2px;
        color: var(--vscode-descriptionForeground);
      }
      summary {
        cursor: pointer;
      }
      summary:focus-visible {
        outline: 1px solid var(--vscode-focusBorder);
      }
      table {
        border-collapse: collapse;
        margin-top: 4px;
        color: var(--vscode-foreground);
        font-variant-numeric: tabular-nums;
      }
      caption {
        text-align: left;
        color: var(--vscode-descriptionForeground);
      }
      th,
      td {
        text-align: left;
        padding: 1px 10px 1px 0;
        border-bottom: 1px solid var(--vscode-widget-border, transparent);
      }
      th {
        font-weight: 600;
      }
      .sr-only {
        position: absolute;
        width: 1px;
        height: 1px;
        overflow: hidden;
        clip: rect(0 0 0 0);
        white-space: nowrap;
      }
    `,
  ];

  spec: LineChartSpec | null = null;
  /** Index into spec.x the readout shows; null: none (the pointer is elsewhere and the plot has no focus). */
  active: number | null = null;
  highContrast = false;
  private plot: uPlot | null = null;
  private plotKey = '';
  private dataKey = '';
  private width = 0;
  private resizeObserver: ResizeObserver | null = null;
  private themeObserver: MutationObserver | null = null;

  override connectedCallback(): void {
    super.connectedCallback();
    // VS Code changes the theme by swapping the body's class and the --vscode-* values on <html>.
    this.themeObserver = new MutationObserver(() => this.syncPlot());
    this.themeObserver.observe(document.body, { attributes: true, attributeFilter: ['class'] });
    this.themeObserver.observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });
    if (this.hasUpdated) this.syncPlot();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.themeObserver?.disconnect();
    this.themeObserver = null;
    this.resizeObserver?.disconnect();
    this.resizeObserver = null;
    this.destroyPlot();
  }

  protected override render(): TemplateResult | typeof nothing {
    const spec = this.spec;
    if (!spec || spec.x.length === 0) return nothing;
    const active = this.active === null ? null : Math.min(this.active, spec.x.length - 1);
    const shown = active ?? spec.x.length - 1;
    return html`<figure>
      <figcaption>${spec.title}</figcaption>
      <div class="legend">
        ${spec.lines.map((l) => this.swatch(l.label, l.role, l.dash, l.marker))}
        ${spec.rule ? this.swatch(spec.rule.label, 'reference', 'rule', null) : nothing}
      </div>
      <p class="sr-only" id="summary">${spec.summary}</p>
      <div
        class="plot"
        data-testid="chart-plot"
        tabindex="0"
        role="slider"
        aria-label=${`${spec.title}: use the arrow keys to read each ${spec.xName.toLowerCase()}`}
        aria-describedby="summary"
        aria-valuemin=${spec.x[0]!}
        aria-valuemax=${spec.x[spec.x.length - 1]!}
        aria-valuenow=${spec.x[shown]!}
        aria-valuetext=${spec.describe(shown)}
        @keydown=${(e: KeyboardEvent) => this.onKey(e)}
        @focus=${() => this.moveTo(shown)}
      ></div>
      <p class="readout ${active === null ? 'idle' : ''}" data-testid="chart-readout">
        ${
          active === null
            ? `Hover a ${spec.xName.toLowerCase()} or use the arrow keys to read its values.`
            : spec.describe(active)
        }
      </p>
      <details data-testid="chart-table">
        <summary>Show as a table</summary>
        <table>
          <caption>
            ${spec.table.caption}
          </caption>
          <thead>
            <tr>
              ${spec.table.head.map((h) => html`<th scope="col">${h}</th>`)}
            </tr>
          </thead>
          <tbody>
            ${spec.table.rows.map(
              ([first, ...rest]) =>
                html`<tr>
                  <th scope="row">${first}</th>
                  ${rest.map((c) => html`<td>${c}</td>`)}
                </tr>`,
            )}
          </tbody>
        </table>
      </details>
    </figure>`;
  }

  private swatch(
    label: string,
    role: LineRole | 'reference',
    kind: 'solid' | 'dashed' | 'rule',
    marker: ChartLine['marker'] | null,
  ): TemplateResult {
    const { width, dash } = strokeOf(kind, this.highContrast);
    return html`<span data-testid="chart-legend-item"
      ><svg width="34" height="12" viewBox="0 0 34 12" aria-hidden="true">
        <line
          class=${role}
          x1="1"
          y1="6"
          x2="33"
          y2="6"
          stroke-width=${width}
          stroke-dasharray=${dash.join(' ') || 'none'}
        ></line>
        ${marker ? svg`<circle class="${role} ${marker}" cx="17" cy="6" r="3.5" stroke-width=${Math.min(width, 2.5)}></circle>` : nothing}</svg
      >${label}</span
    >`;
  }

  protected override updated(changed: PropertyValues): void {
    super.updated(changed);
    if (changed.has('spec') || !this.plot) this.syncPlot();
  }

  private onKey(e: KeyboardEvent): void {
    const n = this.spec?.x.length ?? 0;
    if (n === 0) return;
    const at = this.active ?? n - 1;
    const next: Record<string, number> = {
      ArrowLeft: at - 1,
      ArrowDown: at - 1,
      ArrowRight: at + 1,
      ArrowUp: at + 1,
      Home: 0,
      End: n - 1,
    };
    const to = next[e.key];
    if (to === undefined) return;
    e.preventDefault();
    this.moveTo(Math.max(0, Math.min(n - 1, to)));
  }

  /** Puts the cursor (and so the readout) on the x value at this index, as hovering it would. */
  private moveTo(index: number): void {
    this.active = index;
    const spec = this.spec;
    const u = this.plot;
    if (!spec || !u) return;
    const y = spec.lines.map((l) => l.values[index]).find((v): v is number => typeof v === 'number');
    u.setCursor({
      left: u.valToPos(spec.x[index]!, 'x'),
      top: y === undefined ? u.over.clientHeight / 2 : u.valToPos(y, 'y'),
    });
  }

  private destroyPlot(): void {
    this.plot?.destroy();
    this.plot = null;
    this.plotKey = '';
    this.dataKey = '';
  }

  /** Creates the plot, or gives it new data, or draws it again in a new theme: whichever changed. */
  private syncPlot(): void {
    const spec = this.spec;
    const target = this.renderRoot.querySelector<HTMLElement>('.plot');
    if (!spec || !target || !this.isConnected) {
      this.destroyPlot();
      this.resizeObserver?.disconnect();
      this.resizeObserver = null;
      return;
    }
    const theme = readTheme(this);
    this.highContrast = theme.highContrast;
    const data: uPlot.AlignedData = [spec.x, ...drawOrder(spec.lines).map((l) => l.values)];
    const plotKey = JSON.stringify({
      theme,
      lines: spec.lines.map((l) => [l.label, l.role, l.dash, l.marker]),
      rule: spec.rule !== null,
      ranges: [spec.xRange, spec.yRange, spec.xTicks, spec.yTicks],
    });
    const dataKey = JSON.stringify([data, spec.rule?.value ?? null]);
    if (this.plot && this.plotKey === plotKey && this.plot.root.parentElement === target) {
      if (dataKey !== this.dataKey) {
        this.dataKey = dataKey;
        this.plot.setData(data);
      }
      return;
    }
    // A plot built again (new theme) keeps the generation the readout shows, once it is laid out (its ready hook).
    const keep = this.active === null ? null : Math.min(this.active, spec.x.length - 1);
    this.destroyPlot();
    this.width = Math.max(200, Math.floor(target.clientWidth));
    this.plot = new uPlot(this.options(spec, theme, keep), data, target);
    this.plotKey = plotKey;
    this.dataKey = dataKey;
    this.plot.root.setAttribute('aria-hidden', 'true');
    this.resizeObserver?.disconnect();
    this.resizeObserver = new ResizeObserver(() => {
      const w = Math.max(200, Math.floor(target.clientWidth));
      if (this.plot && w !== this.width) {
        this.width = w;
        this.plot.setSize({ width: w, height: HEIGHT });
      }
    });
    this.resizeObserver.observe(target);
  }

  private options(spec: LineChartSpec, theme: ChartTheme, keep: number | null): uPlot.Options {
    const hc = theme.highContrast;
    const colour = (role: LineRole) => (role === 'primary' ? theme.primary : theme.secondary);
    const lines = drawOrder(spec.lines);
    const axis = (ticks: number[], format: (v: number) => string): uPlot.Axis => ({
      stroke: theme.axis,
      font: theme.font,
      labelFont: theme.font,
      // High contrast's border colour is as strong as the data: dotted there, so the grid stays behind the lines.
      grid: { stroke: theme.grid, width: hc ? 1 : 0.5, dash: hc ? [1, 4] : [] },
      ticks: { stroke: theme.grid, width: hc ? 1 : 0.5, size: 4 },
      splits: () => ticks,
      values: (_u, splits) => splits.map((v) => format(v)),
    });
    // The plot is built again only when its structure changes (plotKey); new data reaches it through setData, so
    // whatever may change with the data (the reference line's value) is read from the current spec when drawn.
    const ruleNow = () => this.spec?.rule ?? null;
    return {
      width: this.width,
      height: HEIGHT,
      legend: { show: false },
      padding: [8, 12, 0, 0],
      scales: {
        x: { time: false, range: () => spec.xRange },
        y: { range: () => spec.yRange },
      },
      axes: [
        { ...axis(spec.xTicks, (v) => String(v)), size: 28, label: spec.xName, labelSize: 18, labelGap: 0 },
        { ...axis(spec.yTicks, (v) => spec.formatY(v)), size: 48 },
      ],
      cursor: {
        x: true,
        y: false,
        drag: { x: false, y: false, setScale: false },
        points: {
          size: hc ? 12 : 10,
          width: hc ? 3 : 2,
          fill: (u, i) => {
            const line = lines[i - 1];
            return line?.marker === 'hollow' ? theme.background : colour(line?.role ?? 'primary');
          },
          stroke: (_u, i) => colour(lines[i - 1]?.role ?? 'primary'),
        },
      },
      series: [
        { label: spec.xName },
        ...lines.map((l): uPlot.Series => {
          const s = strokeOf(l.dash, hc);
          return {
            label: l.label,
            stroke: colour(l.role),
            width: s.width,
            dash: s.dash,
            spanGaps: false,
            points: {
              show: true,
              // A hollow ring is larger than a filled dot, so a dot on the same value sits visibly inside it.
              size: l.marker === 'hollow' ? (hc ? 13 : 10) : hc ? 8 : 6,
              width: hc ? 2.5 : 2,
              stroke: colour(l.role),
              fill: l.marker === 'hollow' ? theme.background : colour(l.role),
            },
          };
        }),
      ],
      hooks: {
        ready: keep === null ? [] : [() => this.moveTo(keep)],
        // The reference line spans the whole plot, under the series.
        drawAxes: spec.rule
          ? [
              (u) => {
                const rule = ruleNow();
                if (!rule) return;
                const { width, dash } = strokeOf('rule', hc);
                const px = uPlot.pxRatio;
                const y = Math.round(u.valToPos(rule.value, 'y', true));
                const ctx = u.ctx;
                ctx.save();
                ctx.strokeStyle = theme.reference;
                ctx.lineWidth = width * px;
                ctx.lineCap = 'round';
                ctx.setLineDash(dash.map((d) => d * px));
                ctx.beginPath();
                ctx.moveTo(u.bbox.left, y);
                ctx.lineTo(u.bbox.left + u.bbox.width, y);
                ctx.stroke();
                ctx.restore();
              },
            ]
          : [],
        setCursor: [
          (u) => {
            const idx = u.cursor.idx;
            // The pointer left the plot: keep what the keyboard chose while the plot has focus.
            if (idx === null || idx === undefined) {
              if (this.shadowRoot?.activeElement?.classList.contains('plot') !== true) this.active = null;
            } else this.active = idx;
          },
        ],
      },
    };
  }
}

customElements.define('pt-line-chart', LineChart);

declare global {
  interface HTMLElementTagNameMap {
    'pt-line-chart': LineChart;
  }
}
