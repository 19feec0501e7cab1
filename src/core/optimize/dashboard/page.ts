// The dashboard's page at `/`: one HTML document with inline CSS and JS under a nonce (the server's CSP allows
// nothing else), which fetches the JSON endpoints every 2 s and draws counters, the queue timeline as inline SVG,
// workers, alerts and status.json. Text from the store is only ever set as textContent.
import { DASHBOARD_REFRESH_MS } from './endpoints';

const CSS = `
:root { color-scheme: light dark; --bg: #ffffff; --fg: #1f2328; --muted: #59636e; --card: #f6f8fa; --line: #d1d9e0;
  --queued: #9a6700; --running: #0969da; --done: #1a7f37; --warn: #9a6700; --error: #d1242f; --info: #59636e; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #0d1117; --fg: #e6edf3; --muted: #9198a1; --card: #151b23; --line: #3d444d;
    --queued: #d29922; --running: #4493f8; --done: #3fb950; --warn: #d29922; --error: #f85149; --info: #9198a1; }
}
* { box-sizing: border-box; }
body { margin: 0; padding: 16px 24px; background: var(--bg); color: var(--fg); font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; }
h1 { font-size: 20px; margin: 0 0 4px; }
h2 { font-size: 15px; margin: 20px 0 8px; }
.muted { color: var(--muted); }
.mono { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12px; }
#banner { display: none; padding: 8px 12px; border: 1px solid var(--error); color: var(--error); border-radius: 6px; margin: 8px 0; }
#banner.shown { display: block; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(130px, 1fr)); gap: 8px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px; }
.card .value { font-size: 22px; font-weight: 600; }
.card .title { color: var(--muted); font-size: 12px; }
svg { width: 100%; max-width: 900px; height: 200px; background: var(--card); border: 1px solid var(--line); border-radius: 6px; }
svg .axis { stroke: var(--line); stroke-width: 1; }
svg .label { fill: var(--muted); font-size: 11px; }
svg .queued { stroke: var(--queued); fill: none; stroke-width: 2; }
svg .running { stroke: var(--running); fill: none; stroke-width: 2; }
svg .done { stroke: var(--done); fill: none; stroke-width: 2; }
.legend span { margin-right: 14px; }
.legend .queued { color: var(--queued); } .legend .running { color: var(--running); } .legend .done { color: var(--done); }
table { border-collapse: collapse; width: 100%; max-width: 900px; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); }
th { color: var(--muted); font-weight: 500; font-size: 12px; }
.stale { color: var(--error); font-weight: 600; }
ul.alerts { list-style: none; padding: 0; margin: 0; max-width: 900px; }
ul.alerts li { border-left: 4px solid var(--info); background: var(--card); padding: 6px 10px; margin-bottom: 6px; border-radius: 0 6px 6px 0; }
ul.alerts li.warning { border-color: var(--warn); } ul.alerts li.error { border-color: var(--error); }
ul.alerts .code { font-family: ui-monospace, monospace; font-size: 12px; color: var(--muted); margin-right: 8px; }
`;

const SCRIPT = `
'use strict';
const REFRESH_MS = ${DASHBOARD_REFRESH_MS};
const SVG_NS = 'http://www.w3.org/2000/svg';
const $ = (id) => document.getElementById(id);

function el(tag, props, children) {
  const node = document.createElement(tag);
  if (props) for (const [k, v] of Object.entries(props)) {
    if (k === 'text') node.textContent = String(v);
    else if (k === 'class') node.className = v;
    else node.setAttribute(k, String(v));
  }
  for (const c of children || []) node.append(c);
  return node;
}

function svg(tag, attrs, text) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

function ageText(ms) {
  if (ms < 1000) return ms + ' ms';
  if (ms < 120000) return (ms / 1000).toFixed(1) + ' s';
  return Math.round(ms / 60000) + ' min';
}

function clockText(ms) {
  return ms ? new Date(ms).toLocaleTimeString() : '–';
}

async function getJson(path) {
  const res = await fetch(path, { cache: 'no-store' });
  if (!res.ok) throw new Error(path + ': HTTP ' + res.status);
  return res.json();
}

function renderHeader(widgets) {
  const run = widgets.run;
  const state = widgets.state;
  $('store').textContent = state.store_path;
  $('run').textContent = run
    ? 'run ' + run.run_number + ' (' + run.run_id + ') · ' + run.status + ' · ' + run.model_ref
    : state.store_present ? 'no run yet' : 'no store yet';
  $('updated').textContent = 'updated ' + clockText(widgets.generated_unix_ms);
}

function renderWidgets(widgets) {
  $('counters').replaceChildren(...widgets.widgets.map((w) =>
    el('div', { class: 'card', 'data-widget': w.widget_id }, [
      el('div', { class: 'value', text: w.value === null ? '–' : (typeof w.value === 'number' && !Number.isInteger(w.value) ? w.value.toFixed(3) : w.value) }),
      el('div', { class: 'title', text: w.title }),
    ])));
}

function renderTimeline(body) {
  const points = body.queue_timeline.points;
  const box = $('timeline');
  const W = 900, H = 200, L = 36, R = 10, T = 10, B = 24;
  const chart = svg('svg', { viewBox: '0 0 ' + W + ' ' + H, role: 'img', id: 'timeline-svg' });
  if (points.length === 0) {
    chart.setAttribute('aria-label', 'Queue timeline: no rollouts yet');
    chart.append(svg('text', { x: W / 2, y: H / 2, 'text-anchor': 'middle', class: 'label' }, 'No rollouts yet'));
    box.replaceChildren(chart);
    return;
  }
  const t0 = points[0].t_unix_ms, t1 = points[points.length - 1].t_unix_ms;
  const max = Math.max(1, ...points.map((p) => Math.max(p.queued, p.running, p.done)));
  const x = (t) => L + (t1 === t0 ? (W - L - R) : ((t - t0) / (t1 - t0)) * (W - L - R));
  const y = (v) => T + (1 - v / max) * (H - T - B);
  chart.append(svg('line', { x1: L, y1: y(0), x2: W - R, y2: y(0), class: 'axis' }));
  chart.append(svg('line', { x1: L, y1: T, x2: L, y2: y(0), class: 'axis' }));
  chart.append(svg('text', { x: L - 6, y: T + 8, 'text-anchor': 'end', class: 'label' }, String(max)));
  chart.append(svg('text', { x: L - 6, y: y(0), 'text-anchor': 'end', class: 'label' }, '0'));
  chart.append(svg('text', { x: L, y: H - 6, class: 'label' }, clockText(t0)));
  chart.append(svg('text', { x: W - R, y: H - 6, 'text-anchor': 'end', class: 'label' }, clockText(t1)));
  for (const key of ['queued', 'running', 'done']) {
    // Steps, not slopes: a count holds until the next sample.
    const d = points.map((p, i) => (i === 0 ? 'M' + x(p.t_unix_ms).toFixed(1) + ' ' : 'H' + x(p.t_unix_ms).toFixed(1) + ' V') + y(p[key]).toFixed(1)).join(' ');
    chart.append(svg('path', { d: points.length === 1 ? d + ' l1 0' : d, class: key, 'data-series': key }));
  }
  const lastPoint = points[points.length - 1];
  chart.setAttribute('aria-label', 'Queue timeline: now ' + lastPoint.queued + ' queued, ' + lastPoint.running + ' running, ' + lastPoint.done + ' done');
  box.replaceChildren(chart);
}

function renderWorkers(widgets) {
  const rows = widgets.workers.map((w) => el('tr', { 'data-worker': w.worker_id }, [
    el('td', { class: 'mono', text: w.worker_id }),
    el('td', { class: w.stale ? 'stale' : '', text: w.stopped_at ? 'stopped' : w.stale ? 'stale' : 'active' }),
    el('td', { text: w.stopped_at ? '–' : ageText(w.heartbeat_age_ms) }),
    el('td', { class: 'mono', text: w.active_rollout_id || '–' }),
    el('td', { class: 'mono', text: w.host + ' pid ' + w.pid }),
  ]));
  if (rows.length === 0) rows.push(el('tr', {}, [el('td', { colspan: 5, class: 'muted', text: 'No workers' })]));
  $('workers').replaceChildren(...rows);
}

function renderAlerts(body) {
  $('alerts').replaceChildren(...body.alerts.map((a) => el('li', { class: a.severity, 'data-code': a.code }, [
    el('span', { class: 'code', text: a.code }),
    el('span', { text: a.message }),
  ])));
}

function renderTraining(t) {
  const parts = t.status_present
    ? [t.run_state, 'total ' + t.total_rollouts, 'succeeded ' + t.succeeded, 'failed ' + t.failed, 'cancelled ' + t.cancelled, 'written ' + clockText(t.updated_unix_ms)]
    : ['not written yet'];
  $('training').textContent = parts.join(' · ');
  $('training-diagnostics').textContent = t.diagnostics.join('\\n');
}

async function refresh() {
  try {
    const [widgets, timeline, alerts] = await Promise.all([
      getJson('/dashboard/widgets'), getJson('/dashboard/queue-timeline'), getJson('/dashboard/alerts'),
    ]);
    renderHeader(widgets);
    renderWidgets(widgets);
    renderTimeline(timeline);
    renderWorkers(widgets);
    renderAlerts(alerts);
    renderTraining(widgets.training);
    $('banner').className = '';
    document.body.dataset.loaded = String(widgets.generated_unix_ms);
  } catch (e) {
    $('banner').textContent = 'Cannot reach the dashboard (' + (e && e.message ? e.message : e) + '); retrying.';
    $('banner').className = 'shown';
  } finally {
    setTimeout(refresh, REFRESH_MS);
  }
}
refresh();
`;

/** The page; `nonce` must be the one in the response's Content-Security-Policy. */
export function dashboardPage(nonce: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Prompt optimization dashboard</title>
<style nonce="${nonce}">${CSS}</style>
</head>
<body>
<header>
  <h1>Prompt optimization</h1>
  <div class="muted"><span id="run">loading…</span> · <span id="updated"></span></div>
  <div class="muted mono" id="store"></div>
</header>
<div id="banner" role="alert"></div>
<main>
  <section aria-labelledby="h-counters"><h2 id="h-counters">Rollouts</h2><div class="grid" id="counters"></div></section>
  <section aria-labelledby="h-timeline"><h2 id="h-timeline">Queue timeline</h2>
    <div class="legend" aria-hidden="true"><span class="queued">■ queued</span><span class="running">■ running</span><span class="done">■ done</span></div>
    <div id="timeline"></div></section>
  <section aria-labelledby="h-workers"><h2 id="h-workers">Workers</h2>
    <table><thead><tr><th>Worker</th><th>State</th><th>Heartbeat age</th><th>Rollout</th><th>Process</th></tr></thead><tbody id="workers"></tbody></table></section>
  <section aria-labelledby="h-alerts"><h2 id="h-alerts">Alerts</h2><ul class="alerts" id="alerts"></ul></section>
  <section aria-labelledby="h-training"><h2 id="h-training">status.json</h2><div id="training"></div><pre class="muted mono" id="training-diagnostics"></pre></section>
</main>
<script nonce="${nonce}">${SCRIPT}</script>
</body>
</html>
`;
}
