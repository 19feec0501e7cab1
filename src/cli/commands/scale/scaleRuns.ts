// `prompt-tuner scale list` and `prompt-tuner scale show RUN_ID [--conversation ID]`: stored runs, read only.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { ScaleRunsRepository } from '../../../core/scale/runsRepository';
import { transcriptText } from '../../../core/scale/transcriptText';
import type { Store } from '../../../core/store/store';
import { openWorkspaceStore } from '../../../core/workspaceStore';
import { parse, workspaceDir } from '../../args';
import { EXIT, UsageError, type CliCommand, type CliIo } from '../../cliTypes';
import { reportText, runListText, snapshotText } from './scaleText';

/** Opens the workspace store only when it exists: reading runs never creates one. */
async function withExistingStore<T>(workspace: string, io: CliIo, read: (store: Store | undefined) => T): Promise<T> {
  const dir = path.join(workspace, '.prompt-tuner');
  if (!existsSync(dir)) return read(undefined);
  const store = await openWorkspaceStore({ dir, onNotice: (m) => io.err(`notice: ${m}\n`) });
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

async function runList(args: string[], io: CliIo): Promise<number> {
  const { values } = parse(args, {}, false);
  const workspace = workspaceDir(values.workspace, io.cwd);
  const runs = await withExistingStore(workspace, io, (store) => (store ? new ScaleRunsRepository(store).list() : []));
  io.out(values.json ? `${JSON.stringify(runs, null, 2)}\n` : runListText(runs));
  return EXIT.ok;
}

async function runShow(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args, { conversation: { type: 'string' } }, true);
  if (positionals.length !== 1) throw new UsageError(`give one RUN_ID (prompt-tuner scale list shows them)${positionals.length > 1 ? `, got ${positionals.length}` : ''}`);
  const runId = positionals[0]!;
  const workspace = workspaceDir(values.workspace, io.cwd);
  return withExistingStore(workspace, io, (store) => {
    const runs = store ? new ScaleRunsRepository(store) : undefined;
    const snapshot = runs?.getSnapshot(runId);
    if (!runs || !snapshot) throw new UsageError(`no scale run "${runId}" in ${workspace} (prompt-tuner scale list shows them)`);
    const report = runs.report(runId);
    if (values.conversation !== undefined) {
      const id = values.conversation;
      const summary = (report?.conversations ?? snapshot.conversations).find((c) => c.conversationId === id);
      if (!summary) {
        const known = snapshot.conversations.map((c) => c.conversationId);
        throw new UsageError(`--conversation: no conversation "${id}" in run ${runId} (its conversations: ${known.join(', ') || 'none'})`);
      }
      const messages = runs.transcript(runId, id);
      io.out(values.json ? `${JSON.stringify({ runId, conversation: summary, messages }, null, 2)}\n` : transcriptText(summary, messages).replace(/\n?$/, '\n'));
      return EXIT.ok;
    }
    if (values.json) {
      // A run without a report yet (interrupted before it was folded) prints its snapshot instead.
      io.out(`${JSON.stringify(report ?? snapshot, null, 2)}\n`);
      return EXIT.ok;
    }
    io.out(snapshotText(snapshot));
    if (report) io.out(reportText(report));
    if (snapshot.status !== 'completed' && snapshot.status !== 'running' && snapshot.status !== 'pending') io.out(`${resumeHint(runId)}\n`);
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

export const scaleListCommand: CliCommand = { path: ['scale', 'list'], summary: 'List stored scale-test runs', help: LIST_HELP, run: runList };
export const scaleShowCommand: CliCommand = { path: ['scale', 'show'], summary: 'Show a scale-test run or one transcript', help: SHOW_HELP, run: runShow };
