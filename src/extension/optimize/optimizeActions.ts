// What the best prompt card's buttons do in the editor: Apply to Context, Save to Library, View in Library,
// Copy, Show Diff (initial ↔ best, as read-only documents), and the store picker (a file or a PostgreSQL URL).
// Texts come from the host's own read of the store, never from the webview. Each returns the line the panel
// shows, or undefined when the user dismissed a question.
import * as vscode from 'vscode';
import type { PromptVersion } from '../../core/library/types';
import type { HostContext } from '../hostContext';
import { optimizedPromptName } from '../../core/optimize/libraryBest';
import { announceSaved, applyToContext, askPromptName, ensureSaved } from '../library/runPromptSave';
import { UserError } from '../runCommand';
import type { OptimizeService, RunPrompts } from './optimizeService';
import { isPostgresUrl } from './optimizeStores';

/** Read-only documents of a run's initial and best prompts, for the diff editor. */
export const OPTIMIZE_DOC_SCHEME = 'prompt-tuner-optimize';

async function bestOf(
  service: OptimizeService,
  storePath: string,
  runId: string,
): Promise<RunPrompts & { best: NonNullable<RunPrompts['best']> }> {
  const p = await service.prompts(storePath, runId);
  if (!p.best) throw new UserError('This run has no best prompt yet: wait until the initial prompt has been scored.');
  return p as RunPrompts & { best: NonNullable<RunPrompts['best']> };
}

/** The library version of the run's best prompt, saved now when it is not yet (asking for the name when `ask`). */
async function ensureBestSaved(
  ctx: HostContext,
  service: OptimizeService,
  storePath: string,
  runId: string,
  ask: boolean,
): Promise<PromptVersion | undefined> {
  const p = await bestOf(service, storePath, runId);
  return ensureSaved(ctx, {
    earlierId: (await service.savedVersionOf(runId, p.best))?.id ?? null,
    defaultName: async () => optimizedPromptName(p.configPath, p.config),
    ask,
    save: (name) => service.saveBest(p.best, { runId, configPath: p.configPath, modelRef: p.modelRef }, p.config, name),
  });
}

export async function apply(
  ctx: HostContext,
  service: OptimizeService,
  storePath: string,
  runId: string,
): Promise<string | undefined> {
  const v = await ensureBestSaved(ctx, service, storePath, runId, false);
  if (!v) return undefined;
  await applyToContext(ctx, v, `optimization run ${runId}`);
  return `Applied ${v.promptName} v${v.version} to context`;
}

export async function save(service: OptimizeService, storePath: string, runId: string): Promise<string | undefined> {
  const p = await bestOf(service, storePath, runId);
  const earlier = await service.savedVersionOf(runId, p.best);
  if (earlier) return `Already saved as ${earlier.name} v${earlier.version}`;
  const typed = await askPromptName(optimizedPromptName(p.configPath, p.config));
  if (typed === undefined) return undefined;
  const saved = await service.saveBest(
    p.best,
    { runId, configPath: p.configPath, modelRef: p.modelRef },
    p.config,
    typed,
  );
  announceSaved(saved);
  return `Saved as ${saved.promptName} v${saved.version}`;
}

export async function view(service: OptimizeService, storePath: string, runId: string): Promise<string | undefined> {
  const p = await bestOf(service, storePath, runId);
  const saved = await service.savedVersionOf(runId, p.best);
  if (!saved) throw new UserError('The best prompt of this run is not in the Prompt Library: Save to Library first.');
  await vscode.commands.executeCommand('promptTuner.library.focus');
  await vscode.commands.executeCommand('promptTuner.library.open', saved.id);
  return `Opened ${saved.name} v${saved.version}`;
}

export async function copy(service: OptimizeService, storePath: string, runId: string): Promise<string> {
  const p = await bestOf(service, storePath, runId);
  await vscode.env.clipboard.writeText(p.best.system_prompt);
  vscode.window.setStatusBarMessage('$(copy) Best prompt copied', 3000);
  return 'Best prompt copied';
}

/** `prompt-tuner-optimize:/RUN/Initial prompt.md?STORE`: the tab shows the file name; the store is the query. */
export function promptUri(storePath: string, runId: string, which: 'initial' | 'best'): vscode.Uri {
  return vscode.Uri.from({
    scheme: OPTIMIZE_DOC_SCHEME,
    path: `/${runId}/${which === 'initial' ? 'Initial prompt' : 'Best prompt'}.md`,
    query: storePath,
  });
}

export async function diff(service: OptimizeService, storePath: string, runId: string): Promise<string> {
  const p = await bestOf(service, storePath, runId);
  if (p.initial === null) throw new UserError("This run's resources have no system_prompt to compare with.");
  const reward = p.best.validate_reward === null ? '' : ` ${Math.round(p.best.validate_reward * 100)}%`;
  await vscode.commands.executeCommand(
    'vscode.diff',
    promptUri(storePath, runId, 'initial'),
    promptUri(storePath, runId, 'best'),
    `Initial ↔ Best v${p.best.resources_version}${reward}`,
    { preview: true },
  );
  return 'Diff opened';
}

/** Serves a run's initial and best prompts from the store. */
export class OptimizeDocumentProvider implements vscode.TextDocumentContentProvider {
  constructor(private readonly service: OptimizeService) {}

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const [, runId, file] = uri.path.split('/');
    if (!runId || !uri.query) return `Unknown document: ${uri.toString()}`;
    try {
      const p = await this.service.prompts(uri.query, runId);
      if (file === 'Initial prompt.md') return p.initial ?? "The run's resources have no system_prompt.";
      if (file === 'Best prompt.md') return p.best?.system_prompt ?? 'No best prompt yet.';
      return `Unknown document: ${uri.toString()}`;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  }
}

/** An open dialog for a store file; undefined when dismissed. */
export async function pickStoreFile(current: string): Promise<string | undefined> {
  const picked = await vscode.window.showOpenDialog({
    title: 'Open a prompt-optimization store',
    ...(isPostgresUrl(current) ? {} : { defaultUri: vscode.Uri.file(current) }),
    canSelectFiles: true,
    canSelectFolders: false,
    canSelectMany: false,
    filters: { 'SQLite stores': ['sqlite', 'db'] },
    openLabel: 'Open Store',
  });
  return picked?.[0]?.fsPath;
}

const STORE_FILE = '$(file) Store file…';
const STORE_URL = '$(database) PostgreSQL URL…';

/**
 * The panel's Open Store…: a store file, or a PostgreSQL URL typed in an input box. Returns the store's id (a
 * path, or the masked URL: the whole URL is remembered by the service for this window only); undefined when
 * dismissed.
 */
export async function pickStore(service: OptimizeService, current: string): Promise<string | undefined> {
  const kind = await vscode.window.showQuickPick(
    [
      { label: STORE_FILE, description: 'a .sqlite store on this machine' },
      { label: STORE_URL, description: 'a store on a PostgreSQL server, shared by workers on other machines' },
    ],
    { title: 'Open a prompt-optimization store', placeHolder: 'Where the store is' },
  );
  if (!kind) return undefined;
  if (kind.label === STORE_FILE) return pickStoreFile(current);
  const typed = await vscode.window.showInputBox({
    title: 'Open a prompt-optimization store on PostgreSQL',
    prompt:
      'postgres://user@host:5432/db — leave the password out: it comes from PGPASSWORD or ~/.pgpass (one typed here is kept in memory for this window only)',
    placeHolder: 'postgres://user@host:5432/db',
    // The shown store's URL without its masked password (an accepted `***` would be sent as the password).
    ...(isPostgresUrl(current) ? { value: current.replace(/:\*\*\*@/, '@') } : {}),
    ignoreFocusOut: true,
    validateInput: (v) => (isPostgresUrl(v.trim()) ? undefined : 'A URL starting with postgres:// or postgresql://'),
  });
  const url = typed?.trim();
  if (!url) return undefined;
  return service.rememberUrl(url);
}
