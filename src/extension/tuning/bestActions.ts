// What the panel's buttons do in the editor: save the base prompt, and Apply / Save / View / Copy / Show Diff
// for a run's best prompt. Texts come from the host's own snapshot, never from the webview.
import * as vscode from 'vscode';
import type { PromptVersion } from '../../core/library/types';
import type { TuneRunSnapshot } from '../../core/tuning/types';
import type { HostContext } from '../hostContext';
import { UserError } from '../runCommand';
import type { TuningService } from './tuningService';
import { applyToContext, ensureSaved } from '../library/runPromptSave';
import { askAndSaveText } from '../library/saveCommands';

/** Read-only documents of a run's base and best prompts, for the diff editor. */
export const RUN_TEXT_SCHEME = 'prompt-tuner-run';

async function bestOf(
  service: TuningService,
  runId: string,
): Promise<TuneRunSnapshot & { best: NonNullable<TuneRunSnapshot['best']> }> {
  const s = await service.snapshot(runId);
  if (!s) throw new UserError('This tuning run is no longer in the store.');
  if (!s.best) throw new UserError('This run has no best prompt yet: wait until a prompt has been scored.');
  return s as TuneRunSnapshot & { best: NonNullable<TuneRunSnapshot['best']> };
}

/** The prompt name a run's best prompt is saved under by default. */
async function defaultName(ctx: HostContext, s: TuneRunSnapshot): Promise<string> {
  if (s.baseVersionId) {
    const base = (await ctx.getLibrary()).getVersion(s.baseVersionId);
    if (base) return base.promptName;
  }
  return `${s.suite.name} (tuned)`;
}

async function ensureBestSaved(
  ctx: HostContext,
  service: TuningService,
  runId: string,
  ask: boolean,
): Promise<PromptVersion | undefined> {
  const s = await bestOf(service, runId);
  return ensureSaved(ctx, {
    earlierId: s.savedVersion?.id ?? null,
    defaultName: () => defaultName(ctx, s),
    ask,
    save: (name) => service.saveBest(runId, name),
  });
}

export const bestActions = {
  /** The base prompt's "Save to Library": the library's own save flow. */
  saveText: (ctx: HostContext, text: string): Promise<PromptVersion | undefined> => askAndSaveText(ctx, text),

  async apply(ctx: HostContext, service: TuningService, runId: string): Promise<void> {
    const v = await ensureBestSaved(ctx, service, runId, false);
    if (!v) return;
    await applyToContext(ctx, v, `tuning run ${runId}`);
  },

  async save(ctx: HostContext, service: TuningService, runId: string): Promise<void> {
    await ensureBestSaved(ctx, service, runId, true);
  },

  async view(ctx: HostContext, service: TuningService, runId: string): Promise<void> {
    const v = await ensureBestSaved(ctx, service, runId, true);
    if (!v) return;
    await vscode.commands.executeCommand('promptTuner.library.focus');
    await vscode.commands.executeCommand('promptTuner.library.open', v.id);
  },

  async copy(service: TuningService, runId: string): Promise<void> {
    const s = await bestOf(service, runId);
    await vscode.env.clipboard.writeText(s.best.text);
    vscode.window.setStatusBarMessage('$(copy) Best prompt copied', 3000);
  },

  async diff(service: TuningService, runId: string): Promise<void> {
    const s = await bestOf(service, runId);
    const uri = (which: 'base' | 'best') => vscode.Uri.from({ scheme: RUN_TEXT_SCHEME, path: `/${runId}/${which}.md` });
    const title = `Base ↔ Best ${Math.round(s.best.score * 100)}% (${s.suite.name})`;
    await vscode.commands.executeCommand('vscode.diff', uri('base'), uri('best'), title, { preview: true });
  },
};

/** Serves `prompt-tuner-run:/RUNID/base.md` and `/best.md` from the run's snapshot. */
export class RunTextProvider implements vscode.TextDocumentContentProvider {
  constructor(private readonly service: TuningService) {}

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const [, runId, file] = uri.path.split('/');
    const s = runId ? await this.service.snapshot(runId) : undefined;
    if (!s) return `Tuning run ${runId ?? '?'} is not in the store.`;
    if (file === 'base.md') return s.basePrompt;
    if (file === 'best.md') return s.best?.text ?? 'No best prompt yet.';
    return `Unknown document: ${uri.toString()}`;
  }
}
