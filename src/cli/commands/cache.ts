// `prompt-tuner cache stats|clear`: what the workspace's response cache holds, and removing it (all of it, or
// entries older than some days) so a comparison can start from fresh answers. Latency measurements are kept.
import { existsSync, statSync } from 'node:fs';
import { createStoreResponseCache, formatCacheStats, type CacheStats } from '../../core/models/responseCache';
import { workspaceStoreDir } from '../../core/store/storeFiles';
import { openWorkspaceStore } from '../../core/workspaceStore';
import { numberFlag, parse, workspaceDir } from '../args';
import { EXIT, UsageError, type CliCommand, type CliIo } from '../cliTypes';

const DAY_MS = 24 * 60 * 60 * 1000;

const STATS_HELP = `Usage: prompt-tuner cache stats [--json] [--workspace DIR]

Shows the workspace's response cache: how many answers it holds per model, the oldest and newest, and
their size. Evaluations and tuning reuse an answer only for the same model, request and repeat index.

Options:
  --json            print one JSON object: entries, byModel [{model, entries}], oldest, newest, bytes
  --workspace DIR   the workspace whose .prompt-tuner/ store to use (default: current folder)
  --help            this text

Exit codes: 0 done, 1 failed, 2 bad input.
`;

const CLEAR_HELP = `Usage: prompt-tuner cache clear [--older-than DAYS] [--json] [--workspace DIR]

Removes answers from the workspace's response cache, so the next runs ask the models again. Measured
latencies (used by estimates) are kept.

Options:
  --older-than DAYS  only answers older than DAYS days (may be fractional, e.g. 0.5)
  --json             print {"removed": N, "remaining": M}
  --workspace DIR    the workspace whose .prompt-tuner/ store to use (default: current folder)
  --help             this text

Exit codes: 0 done, 1 failed, 2 bad input (nothing removed).
`;

function resolveWorkspace(value: string | undefined, io: CliIo): string {
  const dir = workspaceDir(value, io.cwd);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`--workspace: no such folder: ${dir}`);
  return dir;
}

function noPositionals(positionals: string[]): void {
  if (positionals.length > 0) throw new UsageError(`unexpected argument: ${positionals[0]}`);
}

const EMPTY: CacheStats = { entries: 0, byModel: [], bytes: 0 };

/** Runs `fn` on the workspace's cache; a workspace without a store has an empty one (none is created). */
async function withCache<T>(
  workspace: string,
  io: CliIo,
  fn: (cache: ReturnType<typeof createStoreResponseCache>) => T,
): Promise<T | undefined> {
  const dir = workspaceStoreDir(workspace);
  if (!existsSync(dir)) return undefined;
  const store = await openWorkspaceStore({ dir, onNotice: (m) => io.err(`notice: ${m}\n`) });
  try {
    return fn(createStoreResponseCache(store));
  } finally {
    await store.close();
  }
}

async function runStats(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args, {});
  noPositionals(positionals);
  const workspace = resolveWorkspace(values.workspace, io);
  const stats = (await withCache(workspace, io, (c) => c.stats())) ?? EMPTY;
  io.out(values.json ? `${JSON.stringify(stats, null, 2)}\n` : formatCacheStats(stats, new Date()));
  return EXIT.ok;
}

async function runClear(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args, { 'older-than': { type: 'string' } });
  noPositionals(positionals);
  const days = numberFlag('older-than', values['older-than'], { min: 0 });
  const workspace = resolveWorkspace(values.workspace, io);
  const olderThan = days === undefined ? undefined : new Date(Date.now() - days * DAY_MS);
  const result = (await withCache(workspace, io, (c) => {
    const removed = c.clear(olderThan ? { olderThan } : {});
    return { removed, remaining: c.stats().entries };
  })) ?? { removed: 0, remaining: 0 };
  if (values.json) io.out(`${JSON.stringify(result)}\n`);
  else
    io.out(
      `Removed ${result.removed} cached answer${result.removed === 1 ? '' : 's'}${days === undefined ? '' : ` older than ${days} day${days === 1 ? '' : 's'}`}; ${result.remaining} left.\n`,
    );
  return EXIT.ok;
}

export const CACHE_COMMANDS: CliCommand[] = [
  {
    path: ['cache', 'stats'],
    summary: 'Show the response cache: entries per model, their age and size',
    help: STATS_HELP,
    run: runStats,
  },
  {
    path: ['cache', 'clear'],
    summary: 'Remove response cache entries (all, or --older-than DAYS)',
    help: CLEAR_HELP,
    run: runClear,
  },
];
