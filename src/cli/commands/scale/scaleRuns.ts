// `prompt-tuner scale list` and `prompt-tuner scale show RUN_ID [--conversation ID]`: stored runs, read only.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { ScaleRunsRepository } from '../../../core/scale/runsRepository';
import { transcriptText } from '../../../core/scale/transcriptText';
import type { RunStatus, ScaleReport } from '../../../core/scale/types';
import type { Store } from '../../../core/store/store';
import { STORE_FILES } from '../../../core/store/storeFiles';
import { openWorkspaceStore } from '../../../core/workspaceStore';
import { parse, workspaceDir } from '../../args';
import { EXIT, UsageError, type CliCommand, type CliIo } from '../../cliTypes';
import { reportText, runListText, snapshotText } from './scaleText';

/** The workspace store when one was written before (a folder holding only config.json has none); never creates one. */
export async function openExistingStore(workspace: string, io: CliIo): Promise<Store | undefined> {
  const dir = path.join(workspace, '.prompt-tuner');
  if (!existsSync(path.join(dir, STORE_FILES.snapshot)) && !existsSync(path.join(dir, STORE_FILES.journal)))
    return undefined;
  return openWorkspaceStore({ dir, onNotice: (m) => io.err(`notice: ${m}\n`) });
}

/** Reading runs never creates a store. */
async function withExistingStore<T>(workspace: string, io: CliIo, read: (store: Store | undefined) => T): Promise<T> {
  const store = await openExistingStore(workspace, io);
  if (!store) return read(undefined);
  try {
    return read(store);
  } finally {
    await store.close();
  }
}

/** How to carry on with a run that did not complete. */
export function resumeHint(runId: string): string {
  return `Resume it with: prompt-tuner scale --resume ${runId}`;
}

/** The exit code a run's final status maps to. */
export function exitCodeOf(status: RunStatus): number {
  if (status === 'cancelled') return EXIT.cancelled;
  if (status === 'failed' || status === 'budget_reached') return EXIT.failed;
  return EXIT.ok;
}

/** The report of a run started before with the same idempotency key; no call is made. */
export function printReused(
  runId: string,
  runs: ScaleRunsRepository,
  values: { json?: boolean; events?: boolean },
  io: CliIo,
): number {
  const snapshot = runs.getSnapshot(runId);
  const report: ScaleReport | null = runs.report(runId) ?? snapshot?.report ?? null;
  const status = snapshot?.status ?? report?.status ?? 'failed';
  if (values.json) io.out(`${JSON.stringify(report ?? snapshot ?? { runId, status }, null, 2)}\n`);
  else if (values.events) {
    // The stream ends as a run's stream does, with the closing event of that run, marked as reused.
    const base = { runId, at: new Date().toISOString(), reused: true };
    const closing =
      status === 'completed'
        ? { type: 'scale_complete', ...base, report }
        : status === 'cancelled'
          ? { type: 'scale_cancelled', ...base, reason: snapshot?.error ?? 'cancelled earlier', report }
          : { type: 'scale_error', ...base, status, error: snapshot?.error ?? status, report };
    io.out(`${JSON.stringify(closing)}\n`);
  } else {
    io.out(`This idempotency key started run ${runId} before (${status}): its report, no call made.\n`);
    if (report) io.out(reportText(report));
    if (status === 'running' || status === 'pending') io.out('It is still running (in another process).\n');
  }
  return exitCodeOf(status);
}

async function runList(args: string[], io: CliIo): Promise<number> {
  const { values } = parse(args, {}, false);
  const workspace = workspaceDir(values.workspace, io.cwd);
  const runs = await withExistingStore(workspace, io, (store) => (store ? new ScaleRunsRepository(store).list() : []));
  io.out(values.json ? `${JSON.stringify(runs, null, 2)}\n` : runListText(runs));
  return EXIT.ok;
}

async function runShow(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args, { conversation: { type: 'string' } }, true);
  if (positionals.length !== 1)
    throw new UsageError(
      `give one RUN_ID (prompt-tuner scale list shows them)${positionals.length > 1 ? `, got ${positionals.length}` : ''}`,
    );
  const runId = positionals[0]!;
  const workspace = workspaceDir(values.workspace, io.cwd);
  return withExistingStore(workspace, io, (store) => {
    const runs = store ? new ScaleRunsRepository(store) : undefined;
    const snapshot = runs?.getSnapshot(runId);
    if (!runs || !snapshot)
      throw new UsageError(`no scale run "${runId}" in ${workspace} (prompt-tuner scale list shows them)`);
    const report = runs.report(runId);
    if (values.conversation !== undefined) {
      const id = values.conversation;
      const summary = (report?.conversations ?? snapshot.conversations).find((c) => c.conversationId === id);
      if (!summary) {
        const known = snapshot.conversations.map((c) => c.conversationId);
        throw new UsageError(
          `--conversation: no conversation "${id}" in run ${runId} (its conversations: ${known.join(', ') || 'none'})`,
        );
      }
      const messages = runs.transcript(runId, id);
      io.out(
        values.json
          ? `${JSON.stringify({ runId, conversation: summary, messages }, null, 2)}\n`
          : transcriptText(summary, messages).replace(/\n?$/, '\n'),
      );
      return EXIT.ok;
    }
    if (values.json) {
      // A run without a report yet (interrupted before it was folded) prints its snapshot instead.
      io.out(`${JSON.stringify(report ?? snapshot, null, 2)}\n`);
      return EXIT.ok;
    }
    io.out(snapshotText(snapshot));
    if (report) io.out(reportText(report));
    if (snapshot.status !== 'completed' && snapshot.status !== 'running' && snapshot.status !== 'pending')
      io.out(`${resumeHint(runId)}\n`);
    return EXIT.ok;
  });
}

const LIST_HELP = `Usage: prompt-tuner scale list [--json] [--workspace DIR]

Lists the scale-test runs of the workspace, newest first: id, status, agent, agent model, conversations,
win rate, start time and the run a verification run verifies.

Options:
  --json            print the list as a JSON array
  --workspace DIR   the workspace whose .prompt-tuner/ store to read (default: current folder)
  --help            this text
`;

const SHOW_HELP = `Usage: prompt-tuner scale show RUN_ID [--conversation ID] [--json] [--workspace DIR]

Shows a stored scale-test run: its status (an interrupted run says so and how to resume it), each
conversation's outcome, and the report (stats, cost per role, failure modes, summary, revised prompt).

Options:
  --conversation ID   print that conversation's transcript as plain text instead
  --json              print the report as JSON (a run without a report prints its snapshot; with
                      --conversation: { runId, conversation, messages })
  --workspace DIR     the workspace whose .prompt-tuner/ store to read (default: current folder)
  --help              this text

Exit codes: 0 shown, 2 no such run or conversation.
`;

export const scaleListCommand: CliCommand = {
  path: ['scale', 'list'],
  summary: 'List stored scale-test runs',
  help: LIST_HELP,
  run: runList,
};
export const scaleShowCommand: CliCommand = {
  path: ['scale', 'show'],
  summary: 'Show a scale-test run or one transcript',
  help: SHOW_HELP,
  run: runShow,
};
