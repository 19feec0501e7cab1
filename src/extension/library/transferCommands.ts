// Export Library / Import Library (JSON files), and the view's Filter, Clear Filter and Refresh.
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { HostCommand } from '../commandTypes';
import type { HostContext } from '../hostContext';
import { UserError, isUserFacing } from '../runCommand';
import { EMPTY_LIBRARY } from './libraryPickers';
import type { LibraryView } from './libraryView';

const JSON_FILTER = { 'Prompt Library JSON': ['json'] };

export function transferCommands(view: LibraryView): HostCommand[] {
  return [
    { id: 'library.export', run: (ctx) => exportLibrary(ctx) },
    { id: 'library.import', run: (ctx) => importLibrary(ctx) },
    { id: 'library.filter', run: () => filter(view) },
    { id: 'library.clearFilter', run: () => clearFilter(view) },
    { id: 'library.refresh', run: () => view.model.refresh() },
  ];
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function defaultFolder(): vscode.Uri {
  return vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(os.homedir());
}

async function exportLibrary(ctx: HostContext): Promise<vscode.Uri | undefined> {
  const library = await ctx.getLibrary();
  const prompts = library.listPrompts();
  if (prompts.length === 0) throw new UserError(`Nothing to export. ${EMPTY_LIBRARY}`);
  const target = await vscode.window.showSaveDialog({
    title: 'Export Library',
    saveLabel: 'Export',
    defaultUri: vscode.Uri.joinPath(defaultFolder(), 'prompt-library.json'),
    filters: JSON_FILTER,
  });
  if (!target) return undefined;
  const versions = prompts.reduce((n, p) => n + p.versionCount, 0);
  await vscode.window.withProgress(
    {
      location: vscode.ProgressLocation.Notification,
      title: `Exporting the Prompt Library to ${path.basename(target.fsPath)}`,
    },
    async () => {
      const data = library.exportLibrary();
      await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(`${JSON.stringify(data, null, 2)}\n`));
    },
  );
  ctx.log.info(`Exported ${plural(prompts.length, 'prompt')} (${plural(versions, 'version')}) to ${target.fsPath}`);
  void vscode.window
    .showInformationMessage(
      `Exported ${plural(prompts.length, 'prompt')} (${plural(versions, 'version')}) to ${target.fsPath}`,
      'Open File',
    )
    .then((choice) => (choice ? vscode.window.showTextDocument(target) : undefined));
  return target;
}

async function importLibrary(
  ctx: HostContext,
): Promise<{ prompts: number; versions: number; skipped: number } | undefined> {
  const picked = await vscode.window.showOpenDialog({
    title: 'Import Library',
    openLabel: 'Import',
    canSelectMany: false,
    defaultUri: defaultFolder(),
    filters: JSON_FILTER,
  });
  const file = picked?.[0];
  if (!file) return undefined;
  const library = await ctx.getLibrary();
  const result = await vscode.window.withProgress(
    {
      location: vscode.ProgressLocation.Notification,
      title: `Importing ${path.basename(file.fsPath)} into the Prompt Library`,
    },
    async () => {
      const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(file));
      let data: unknown;
      try {
        data = JSON.parse(text);
      } catch (error) {
        throw new UserError(`${file.fsPath} is not valid JSON (${(error as Error).message}). Nothing was imported.`);
      }
      try {
        // One transaction in the repository: a bad entry leaves the library as it was.
        return library.importLibrary(data);
      } catch (error) {
        if (isUserFacing(error)) {
          throw new UserError(`${file.fsPath}: ${error.message}. Nothing was imported.`);
        }
        throw error;
      }
    },
  );
  const name = path.basename(file.fsPath);
  const summary =
    result.versions === 0
      ? `Nothing new in ${name}: ${result.skipped === 0 ? 'it holds no versions' : `its ${plural(result.skipped, 'version')} are already in the library`}.`
      : `Imported ${plural(result.versions, 'version')} of ${plural(result.prompts, 'prompt')} from ${name}` +
        (result.skipped > 0 ? `; skipped ${plural(result.skipped, 'version')} already in the library` : '');
  ctx.log.info(`${summary} (${file.fsPath})`);
  void vscode.window.showInformationMessage(summary);
  return result;
}

async function filter(view: LibraryView): Promise<void> {
  const typed = await vscode.window.showInputBox({
    title: 'Filter Library',
    prompt: 'Show the prompts whose name contains this text (empty shows all)',
    value: view.filter,
    placeHolder: 'e.g. travel',
  });
  if (typed === undefined) return;
  view.setFilter(typed);
}

function clearFilter(view: LibraryView): void {
  if (!view.filter) {
    vscode.window.setStatusBarMessage('The Prompt Library has no filter to clear', 3000);
    return;
  }
  view.setFilter('');
}
