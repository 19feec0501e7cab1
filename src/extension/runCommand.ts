// One error policy for every command: a failed precondition or bad input is told as is; anything
// unexpected is logged to the "Prompt Tuner" log with its stack and offered there.
import * as vscode from 'vscode';
import { COMMAND_PREFIX, type HostCommand } from './commandTypes';
import type { HostContext } from './hostContext';

/** A precondition the user can fix ("Open a folder…", "Select some text first"): shown without a log link. */
export class UserError extends Error {
  override name = 'UserError';
}

// Domain errors from src/core (LibraryError, SuiteError, …) carry messages written for users; they are matched
// by name so this module does not load core modules (and sql.js) at activation.
const GENERIC_ERRORS = new Set(['Error', 'TypeError', 'RangeError', 'ReferenceError', 'SyntaxError', 'AggregateError']);

export function isUserFacing(error: unknown): error is Error {
  return error instanceof Error && error.name.endsWith('Error') && !GENERIC_ERRORS.has(error.name);
}

export async function runCommand(ctx: HostContext, command: HostCommand, args: unknown[]): Promise<unknown> {
  try {
    return await command.run(ctx, ...args);
  } catch (error) {
    reportError(ctx, commandTitle(ctx, command.id), error);
    return undefined;
  }
}

interface ManifestCommands {
  contributes?: { commands?: { command: string; title: string }[] };
}

/** The title the user saw ("Insert into File"), from package.json; the id when it has none. */
function commandTitle(ctx: HostContext, id: string): string {
  const manifest = ctx.extension.extension.packageJSON as ManifestCommands | undefined;
  return manifest?.contributes?.commands?.find((c) => c.command === COMMAND_PREFIX + id)?.title ?? id;
}

export function reportError(ctx: HostContext, what: string, error: unknown): void {
  // VS Code rejects a command's pending API calls with "Canceled" when the extension host stops (a window reload
  // with a toast still open) or when the user cancels: not a failure, and the log may be closed by then.
  if (error instanceof Error && error.name === 'Canceled') return;
  if (error instanceof UserError) {
    void vscode.window.showErrorMessage(error.message);
    return;
  }
  if (isUserFacing(error)) {
    ctx.log.warn(`${what}: ${error.name}: ${error.message}`);
    void vscode.window.showErrorMessage(error.message);
    return;
  }
  ctx.log.error(`${what} failed`, error);
  const message = error instanceof Error ? error.message : String(error);
  void vscode.window.showErrorMessage(`Prompt Tuner: ${what} failed: ${message}`, 'Show Log').then((choice) => {
    if (choice) ctx.log.show();
  });
}
