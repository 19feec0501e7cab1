// `prompt-tuner optimize status` (the overview of a store, read-only) and `optimize dashboard` (Tau's
// endpoints and a page over it on 127.0.0.1 until Ctrl-C), on a store file or a PostgreSQL URL (shown masked).
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { startDashboard } from '../../../core/optimize/dashboard/server';
import { readOverview, RunNotFoundError } from '../../../core/optimize/overview';
import { formatCost } from '../../../core/optimize/report';
import { isPostgresUrl } from '../../../core/optimize/store/pg/pgUrl';
import { storeFilesFor } from '../../../core/store/storeFiles';
import type { Counters, OptimizeOverview } from '../../../core/optimize/types';
import { numberFlag, parse } from '../../args';
import { EXIT, UsageError, type CliCommand, type CliIo } from '../../cliTypes';
import { resumeHint } from './optimizeFollow';
import { DASHBOARD_HELP, STATUS_HELP } from './optimizeHelp';
import { openCliStore, statusPathOf, storePathOf, storeShown } from './optimizePreflight';

/**
 * The --store line of optimizeHelp.ts's texts, for these commands: a PostgreSQL URL works too (the help texts'
 * shared option line is left as it is for run and resume, which say so through their own command).
 */
const STORE_LINE = /^ {2}--store P {14}the store \(SQLite file; default ([^)]*)\)$/m;
function withUrlStore(help: string): string {
  return help
    .replace(/\[--store P\]/g, '[--store P|URL]')
    .replace(STORE_LINE, (_, def: string) =>
      [
        `  --store P|URL          the store: a SQLite file (default ${def})`,
        '                         or a postgres:// URL (the password from PGPASSWORD or ~/.pgpass; shown masked;',
        '                         its status.json is <workspace>/.prompt-tuner/training/status.json)',
      ].join('\n'),
    );
}

const reward = (r: number | null | undefined) => (r === null || r === undefined ? '—' : r.toFixed(3));

function table(rows: string[][], indent = '  '): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map(
      (r) =>
        indent +
        r
          .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
          .join('  ')
          .trimEnd(),
    )
    .join('\n');
}

function counters(c: Counters): string {
  return `total ${c.total_rollouts}: succeeded ${c.succeeded}, failed ${c.failed}, cancelled ${c.cancelled}, running ${c.running}, queuing ${c.queuing}, requeuing ${c.requeuing}`;
}

const oneLine = (text: string, max = 140) => {
  const flat = text.replace(/\s*\n\s*/g, ' ⏎ ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
};

/** The overview as a person reads it. */
export function overviewText(o: OptimizeOverview, storePath: string): string {
  const out: string[] = [`Store ${o.location}`];
  if (o.runs.length === 0) out.push('No runs in this store.');
  else {
    out.push('Runs (newest first):');
    out.push(
      table([
        ['run', '#', 'status', 'model', 'rollouts', 'succeeded', 'failed', 'best', 'started'],
        ...o.runs.map((r) => [
          r.run_id,
          String(r.run_number),
          r.interrupted ? 'interrupted' : r.status,
          r.model_ref,
          String(r.counters.total_rollouts),
          String(r.counters.succeeded),
          String(r.counters.failed),
          reward(r.best_reward),
          r.started_at,
        ]),
      ]),
    );
  }
  if (o.run) {
    const { row, snapshot, interrupted } = o.run;
    out.push(
      '',
      `Run ${row.run_id} (#${row.run_number}): ${interrupted ? 'interrupted' : row.status}, model ${row.model_ref}, config ${row.config_path}`,
    );
    const shown = o.runs.find((r) => r.run_id === row.run_id);
    if (shown) out.push(`  rollouts ${counters(shown.counters)}`);
    if (snapshot) {
      out.push(
        `  phase ${snapshot.phase}; mean reward of the initial prompt: optimize ${reward(snapshot.mean_reward.optimize)}, validate ${reward(snapshot.mean_reward.validate)}`,
      );
      if (snapshot.rounds_total) out.push(`  APO rounds ${snapshot.rounds.length}/${snapshot.rounds_total}`);
      if (snapshot.best)
        out.push(
          `  best: version ${snapshot.best.resources_version}, validate ${reward(snapshot.best.validate_reward)}${snapshot.best.library ? `, saved as "${snapshot.best.library.name}" v${snapshot.best.library.version}` : ''}`,
        );
    }
    if (row.report) out.push(`  calls ${row.report.calls}, cost ${formatCost(row.report.cost_usd)}`);
    if (row.error) out.push(`  error: ${row.error}`);
    // The overview's own resume hint names no store; ours below does.
    if (interrupted) out.push(`  ${interrupted.replace(/\s*Resume it with\b.*$/s, '')}`);
    if (interrupted || row.status === 'failed' || row.status === 'cancelled')
      out.push(`  ${resumeHint(storePath, row.run_id)}`);
  }
  out.push('', `Whole store: ${counters(o.counters)}`);
  if (o.workers.length) {
    out.push('Workers:');
    out.push(
      table([
        ['worker', 'pid', 'heartbeat age', 'active rollout', 'state'],
        ...o.workers.map((w) => [
          w.worker_id,
          String(w.pid),
          `${(w.heartbeat_age_ms / 1000).toFixed(1)} s`,
          w.active_rollout_id ?? '—',
          w.stopped_at ? 'stopped' : w.stale ? 'STALE' : 'live',
        ]),
      ]),
    );
  }
  const res = o.latest_resources;
  if (res) {
    const prompt = typeof res.resources.system_prompt === 'string' ? res.resources.system_prompt : null;
    out.push(`Latest resources: version ${res.version} (${res.label})${prompt === null ? '' : `: ${oneLine(prompt)}`}`);
  }
  for (const a of o.alerts) out.push(`${a.severity}: ${a.code}: ${a.message}`);
  const t = o.training;
  out.push(
    t.status_present
      ? `status.json: ${t.run_state}, total ${t.total_rollouts}, succeeded ${t.succeeded}, failed ${t.failed}, cancelled ${t.cancelled} (${t.status_path})`
      : `status.json: ${t.diagnostics.join('; ') || 'absent'}`,
  );
  return `${out.join('\n')}\n`;
}

async function runStatus(args: string[], io: CliIo): Promise<number> {
  const { values } = parse(args, { store: { type: 'string' }, run: { type: 'string' } }, false);
  const location = storePathOf(values, io.cwd);
  const store = await openCliStore(location, {
    create: false,
    io,
    hint: '(give --store, or start a run with prompt-tuner optimize run)',
  });
  try {
    let overview: OptimizeOverview;
    try {
      overview = await readOverview(store, {
        statusPath: statusPathOf(location, values, io.cwd),
        ...(values.run !== undefined ? { runId: values.run } : {}),
      });
    } catch (e) {
      if (e instanceof RunNotFoundError) throw new UsageError(`--run: ${e.message}`);
      throw e;
    }
    // The hint names the store as shown (a URL masked: the password comes from PGPASSWORD or ~/.pgpass).
    io.out(values.json ? `${JSON.stringify(overview, null, 2)}\n` : overviewText(overview, storeShown(location)));
    return EXIT.ok;
  } finally {
    await store.close();
  }
}

async function runDashboard(args: string[], io: CliIo): Promise<number> {
  const { values } = parse(args, { store: { type: 'string' }, port: { type: 'string' } }, false);
  if (values.json)
    throw new UsageError(
      '--json: the dashboard serves JSON at its endpoints; prompt-tuner optimize status --json prints it once',
    );
  const port = numberFlag('port', values.port, { integer: true, min: 0, max: 65535 }) ?? 0;
  const location = storePathOf(values, io.cwd);
  if (!isPostgresUrl(location)) {
    const { dir, files } = storeFilesFor(location);
    if (!existsSync(location) && !existsSync(path.join(dir, files.journal)))
      io.err(`note: no store at '${location}' yet; the dashboard shows it once a run creates it\n`);
  }
  const dashboard = await startDashboard({
    storePath: location,
    port,
    statusPath: statusPathOf(location, values, io.cwd),
  });
  try {
    io.out(
      `Prompt-optimization dashboard: ${dashboard.url}\n  store ${storeShown(location)}\n  endpoints /dashboard/health, /dashboard/widgets, /dashboard/queue-timeline, /dashboard/alerts, /gateway/training/status\nPress Ctrl-C to stop.\n`,
    );
    await new Promise<void>((resolve) => {
      if (io.signal.aborted) resolve();
      else io.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    return EXIT.ok;
  } finally {
    await dashboard.close();
    io.out('Dashboard stopped.\n');
  }
}

export const optimizeStatusCommand: CliCommand = {
  path: ['optimize', 'status'],
  summary: 'Show a prompt-optimization store: runs, counters, workers, resources',
  help: withUrlStore(STATUS_HELP),
  run: runStatus,
};

export const optimizeDashboardCommand: CliCommand = {
  path: ['optimize', 'dashboard'],
  summary: "Serve Tau's prompt-optimization dashboard on 127.0.0.1",
  help: withUrlStore(DASHBOARD_HELP),
  run: runDashboard,
};
