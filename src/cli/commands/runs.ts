// `prompt-tuner runs list|show|save-best`: every stored run of a workspace, whatever job made it (tuning, scale
// testing, prompt optimization), through the core run index. Reading never creates a store.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { LibraryRepository } from '../../core/library/libraryRepository';
import { openRolloutStore } from '../../core/optimize/store/openRolloutStore';
import { isPostgresUrl } from '../../core/optimize/store/pg/pgUrl';
import type { RolloutStore } from '../../core/optimize/types';
import { findRun, listRuns, RunLookupError, type RunSources } from '../../core/runs/runIndex';
import { RUN_KINDS, type RunKind, type RunRow } from '../../core/runs/runRow';
import { NothingToSaveError, saveRunBest } from '../../core/runs/saveBest';
import { storeFilesFor } from '../../core/store/storeFiles';
import { openWorkspaceStore } from '../../core/workspaceStore';
import { parse, workspaceDir } from '../args';
import { EXIT, UsageError, type CliCommand, type CliIo } from '../cliTypes';
import { DEFAULT_STORE } from './optimize/optimizeHelp';
import { openExistingStore } from './scale/scaleRuns';

const STORE_OPTION = `  --store P|URL     the prompt-optimization store (default <workspace>/${DEFAULT_STORE})`;
const COMMON_HELP = `  --workspace DIR   the workspace whose .prompt-tuner/ store to read (default: current folder)
${STORE_OPTION}
  --help            this text`;

const LIST_HELP = `Usage: prompt-tuner runs list [--kind tune|scale|optimize] [--json] [--workspace DIR] [--store P|URL]

Every stored run, newest first: tuning runs, scale runs and prompt-optimization runs, with their status
(completed, failed, cancelled, budget_reached, interrupted: its process ended while it ran), best score,
calls, cost (unknown when a price was unknown, never $0.00) and duration.

  --kind KIND       only runs of this kind: tune, scale or optimize
  --json            print the runs as a JSON array
${COMMON_HELP}
`;

const SHOW_HELP = `Usage: prompt-tuner runs show RUN_ID [--json] [--workspace DIR] [--store P|URL]

One run of any kind: status, scores, calls, cost, duration and its best prompt so far. RUN_ID may be the
first characters of the id (at least 4) when only one run starts with them.

  --json            print the run as one JSON object
${COMMON_HELP}
`;

const SAVE_HELP = `Usage: prompt-tuner runs save-best RUN_ID [--name NAME] [--json] [--workspace DIR] [--store P|URL]

Saves the run's best prompt so far to the Prompt Library: also for a cancelled, failed or interrupted run.
A tuning run's prompt is saved with source "tuned" (as a new version of its base prompt when it came from
the library, else as "<suite name> (tuned)"); a scale run's revised prompt with source "scale"; a
prompt-optimization run's best prompt with source "optimized". A run never saves the same text twice.

  --name NAME       the library prompt to save it under
  --json            print { runId, kind, name, version, versionId, added }
${COMMON_HELP}
`;

/** The prompt-optimization store: --store, else the workspace's default one when it exists (never created). */
async function openRollouts(
  values: { store?: string | undefined },
  workspace: string,
  io: CliIo,
): Promise<RolloutStore | undefined> {
  const given = values.store?.trim();
  if (given === '') throw new UsageError('--store: expected a file path or a postgres:// URL');
  const location = given
    ? isPostgresUrl(given)
      ? given
      : path.resolve(io.cwd, given)
    : path.join(workspace, DEFAULT_STORE);
  if (!isPostgresUrl(location)) {
    const { dir, files } = storeFilesFor(location);
    if (!existsSync(path.join(dir, files.snapshot)) && !existsSync(path.join(dir, files.journal))) {
      if (given) throw new UsageError(`--store: no prompt-optimization store at ${location}`);
      return undefined;
    }
  }
  return openRolloutStore(location, { create: false, onNotice: (m) => io.err(`notice: ${m}\n`) });
}

/** Opens what holds the runs, reads, and closes them again. */
async function withSources<T>(
  values: { workspace?: string | undefined; store?: string | undefined },
  io: CliIo,
  read: (sources: RunSources, workspace: string) => Promise<T>,
): Promise<T> {
  const workspace = workspaceDir(values.workspace, io.cwd);
  const store = await openExistingStore(workspace, io);
  let rollouts: RolloutStore | undefined;
  try {
    rollouts = await openRollouts(values, workspace, io);
    return await read({ ...(store ? { workspace: store } : {}), ...(rollouts ? { rollouts } : {}) }, workspace);
  } finally {
    await rollouts?.close();
    await store?.close();
  }
}

async function lookUp(sources: RunSources, id: string): Promise<RunRow> {
  try {
    return await findRun(sources, id);
  } catch (e) {
    if (e instanceof RunLookupError) throw new UsageError(e.message);
    throw e;
  }
}

/** A cost as shown: unknown when a price was unknown (with the known part, when there is one), never $0.00 for it. */
export function costText(r: Pick<RunRow, 'costUsd' | 'knownCostUsd'>): string {
  const usd = (x: number) => `$${x.toFixed(x !== 0 && x < 1 ? 4 : 2)}`;
  if (r.costUsd !== null) return usd(r.costUsd);
  return r.knownCostUsd > 0 ? `${usd(r.knownCostUsd)} + unknown` : 'unknown';
}

function scoreText(r: Pick<RunRow, 'kind'>, x: number | null): string {
  if (x === null) return '—';
  return r.kind === 'optimize' ? x.toFixed(3) : `${(Math.round(x * 1000) / 10).toFixed(1)}%`;
}

function durationText(s: number | null): string {
  if (s === null) return '—';
  if (s < 90) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  return m < 90
    ? `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s`
    : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** The run list as a person reads it. */
export function runListText(rows: RunRow[]): string {
  if (rows.length === 0) return 'No runs in this workspace.\n';
  const body = rows.map((r) => [
    r.kind,
    r.runId,
    r.status,
    r.subject.length > 40 ? `${r.subject.slice(0, 39)}…` : r.subject,
    scoreText(r, r.score),
    r.calls === null ? '—' : String(r.calls),
    costText(r),
    durationText(r.durationSeconds),
    r.startedAt,
  ]);
  return `${table([['kind', 'run', 'status', 'subject', 'best', 'calls', 'cost', 'duration', 'started'], ...body])}\n`;
}

/** One run as a person reads it. */
export function runShowText(r: RunRow): string {
  const out = [
    `Run ${r.runId} (${r.kind}): ${r.status}`,
    `  subject   ${r.subject}`,
    `  models    ${r.models.join(', ')}`,
    `  started   ${r.startedAt}${r.resumedAt ? `, resumed ${r.resumedAt}` : ''}${r.finishedAt ? `, ended ${r.finishedAt}` : ''} (${durationText(r.durationSeconds)}${r.resumedAt ? ' running, pauses not counted' : ''})`,
    `  ${r.scoreLabel.padEnd(9)} best ${scoreText(r, r.score)}${r.baseScore !== null ? `, base ${scoreText(r, r.baseScore)}` : ''}`,
    `  calls     ${r.calls === null ? '—' : r.calls}`,
    `  cost      ${costText(r)}`,
  ];
  if (r.error) out.push(`  why       ${r.error}`);
  if (r.savedVersion) out.push(`  saved as  "${r.savedVersion.name}" v${r.savedVersion.version}`);
  if (r.bestPrompt !== null)
    out.push(`Best prompt${r.status === 'completed' ? '' : ' so far'}:`, '----', r.bestPrompt, '----');
  else out.push('No best prompt yet.');
  if (r.bestPrompt !== null && !r.savedVersion)
    out.push(`Save it with: prompt-tuner runs save-best ${r.runId} [--name NAME]`);
  if (r.resumeCommand) out.push(`Resume it with: ${r.resumeCommand}`);
  return `${out.join('\n')}\n`;
}

const SOURCE_OPTIONS = { store: { type: 'string' } } as const;

async function runList(args: string[], io: CliIo): Promise<number> {
  const { values } = parse(args, { ...SOURCE_OPTIONS, kind: { type: 'string' } }, false);
  if (values.kind !== undefined && !(RUN_KINDS as readonly string[]).includes(values.kind))
    throw new UsageError(`--kind: must be one of ${RUN_KINDS.join(', ')}, got "${values.kind}"`);
  const kind = values.kind as RunKind | undefined;
  const rows = await withSources(values, io, (sources) => listRuns(sources, kind));
  io.out(values.json ? `${JSON.stringify(rows, null, 2)}\n` : runListText(rows));
  return EXIT.ok;
}

function oneRunId(positionals: string[]): string {
  if (positionals.length !== 1 || !positionals[0]!.trim())
    throw new UsageError(
      positionals.length > 1
        ? `expected one RUN_ID, got ${positionals.length}`
        : 'RUN_ID is required (see prompt-tuner runs list)',
    );
  return positionals[0]!;
}

async function runShow(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args, SOURCE_OPTIONS);
  const id = oneRunId(positionals);
  const row = await withSources(values, io, (sources) => lookUp(sources, id));
  io.out(values.json ? `${JSON.stringify(row, null, 2)}\n` : runShowText(row));
  return EXIT.ok;
}

async function runSaveBest(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args, { ...SOURCE_OPTIONS, name: { type: 'string' } });
  const id = oneRunId(positionals);
  if (values.name !== undefined && !values.name.trim()) throw new UsageError('--name: must not be empty');
  return withSources(values, io, async (sources, workspace) => {
    const row = await lookUp(sources, id);
    // The library lives in the workspace store: created for the save when only a rollout store existed.
    const store =
      sources.workspace ??
      (await openWorkspaceStore({
        dir: path.join(workspace, '.prompt-tuner'),
        onNotice: (m) => io.err(`notice: ${m}\n`),
      }));
    try {
      const saved = await saveRunBest(
        row,
        { ...sources, workspace: store, library: new LibraryRepository(store) },
        values.name,
      );
      const v = saved.version;
      if (values.json)
        io.out(
          `${JSON.stringify({ runId: row.runId, kind: row.kind, name: v.promptName, version: v.version, versionId: v.id, added: saved.added })}\n`,
        );
      else
        io.out(
          saved.added
            ? `Saved the best prompt of ${row.kind} run ${row.runId} (${row.status}) as "${v.promptName}" v${v.version}.\n`
            : `Run ${row.runId} saved this prompt before: "${v.promptName}" v${v.version}.\n`,
        );
      return EXIT.ok;
    } catch (e) {
      if (!(e instanceof NothingToSaveError)) throw e;
      io.err(`prompt-tuner runs save-best: ${e.message}\n`);
      return EXIT.failed;
    } finally {
      if (store !== sources.workspace) await store.close();
    }
  });
}

export const RUNS_COMMANDS: CliCommand[] = [
  {
    path: ['runs', 'list'],
    summary: 'Stored runs of every kind (tune, scale, optimize)',
    help: LIST_HELP,
    run: runList,
  },
  { path: ['runs', 'show'], summary: "One run's status, scores, cost and best prompt", help: SHOW_HELP, run: runShow },
  {
    path: ['runs', 'save-best'],
    summary: "Save a run's best prompt so far to the library",
    help: SAVE_HELP,
    run: runSaveBest,
  },
];
