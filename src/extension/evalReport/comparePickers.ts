// Choosing each side of Compare Two Prompts: the active context, the current file or its selection, a
// library version, or any prompt file of the workspace (the second prompt is rarely the file that is open).
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { HostContext } from '../hostContext';
import { pickVersion } from '../library/libraryPickers';
import { versionTitle } from '../library/libraryPresentation';
import { UserError } from '../runCommand';
import { promptsAtHand } from '../suites/evaluateCommand';

/** One side of the comparison. */
export interface ComparedPrompt {
  /** Shown in the report, e.g. "travel-desk v3" or "prompts/base.md". */
  title: string;
  text: string;
}

const PROMPT_FILES = '**/*.{md,txt,prompt}';
const EXCLUDE = '{**/node_modules/**,**/.prompt-tuner/**}';

async function pickWorkspaceFile(title: string): Promise<ComparedPrompt | undefined> {
  const files = await vscode.workspace.findFiles(PROMPT_FILES, EXCLUDE, 500);
  if (files.length === 0) throw new UserError('No *.md, *.txt or *.prompt file in this workspace to compare.');
  const rel = (u: vscode.Uri) => vscode.workspace.asRelativePath(u, false);
  files.sort((a, b) => rel(a).localeCompare(rel(b)));
  const picked = await vscode.window.showQuickPick(
    files.map((uri) => ({ label: rel(uri), description: path.basename(path.dirname(uri.fsPath)), uri })),
    { title, placeHolder: 'Prompt file' },
  );
  if (!picked) return undefined;
  const bytes = await vscode.workspace.fs.readFile(picked.uri);
  return { title: picked.label, text: new TextDecoder().decode(bytes) };
}

/** Asks for one side; `which` says which ("Prompt A: the baseline…") in the picker's placeholder. */
export async function pickComparedPrompt(
  ctx: HostContext,
  suiteUri: vscode.Uri,
  title: string,
  which: string,
): Promise<ComparedPrompt | undefined> {
  const items = await promptsAtHand(ctx, suiteUri);
  items.push(
    {
      label: '$(library) Library version…',
      description: 'a version from the Prompt Library',
      choose: async () => {
        const v = await pickVersion(ctx, which, { title });
        return v ? { title: versionTitle(v), text: v.text } : undefined;
      },
    },
    {
      label: '$(files) Workspace file…',
      description: 'a *.md, *.txt or *.prompt file',
      choose: () => pickWorkspaceFile(title),
    },
  );
  const picked = await vscode.window.showQuickPick(items, { title, placeHolder: which });
  const choice = await picked?.choose();
  if (choice && !choice.text.trim()) throw new UserError(`The prompt "${choice.title}" is empty.`);
  return choice;
}
