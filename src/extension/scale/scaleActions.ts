// What the report's buttons do in the editor: open a transcript, Copy, Save Revised Prompt to Library,
// Show Diff, Tune from Revised Prompt, and a failing conversation → a suite case. Texts come from the host's
// own snapshot and store, never from the webview. Each returns the line the panel shows, or undefined when
// the user dismissed a question.
import { readFile, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ScaleRunSnapshot } from '../../core/scale/types';
import type { HostContext } from '../hostContext';
import { announceSaved, askPromptName } from '../library/runPromptSave';
import { UserError } from '../runCommand';
import { promptUri, transcriptUri } from './scaleDocuments';
import { agentLabel, workspaceRoot } from './scaleOptions';
import type { ScaleService } from './scaleService';

async function snapshotOf(service: ScaleService, runId: string): Promise<ScaleRunSnapshot> {
  const s = await service.snapshot(runId);
  if (!s) throw new UserError('This scale run is no longer in the store.');
  return s;
}

async function revisedOf(
  service: ScaleService,
  runId: string,
): Promise<{ s: ScaleRunSnapshot; revised: string; rationale: string | null }> {
  const s = await snapshotOf(service, runId);
  const revised = s.report?.revisedPrompt;
  if (!revised)
    throw new UserError(
      s.report?.summaryError
        ? `This run has no revised prompt: ${s.report.summaryError}`
        : 'This run has no revised prompt yet: wait for its report.',
    );
  return { s, revised, rationale: s.report?.revisedPromptRationale ?? null };
}

/** Opens a conversation as a read-only document; with a turn, the first line of that turn is revealed. */
export async function openTranscript(
  service: ScaleService,
  runId: string,
  conversationId: string,
  turn?: number,
): Promise<string> {
  const s = await snapshotOf(service, runId);
  const c =
    s.conversations.find((x) => x.conversationId === conversationId) ??
    s.report?.conversations.find((x) => x.conversationId === conversationId);
  if (!c) throw new UserError(`Conversation ${conversationId} is not part of this run.`);
  const doc = await vscode.workspace.openTextDocument(transcriptUri(runId, conversationId, c.index, s.agent.name));
  const editor = await vscode.window.showTextDocument(doc, { preview: true, viewColumn: vscode.ViewColumn.Beside });
  if (turn !== undefined) {
    const line = doc
      .getText()
      .split('\n')
      .findIndex((l) => l.startsWith(`[turn ${turn}]`));
    if (line >= 0) {
      const pos = new vscode.Position(line, 0);
      editor.selection = new vscode.Selection(pos, pos);
      editor.revealRange(new vscode.Range(pos, pos), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    }
  }
  return `Opened conversation #${c.index + 1}${turn !== undefined ? ` at turn ${turn}` : ''}`;
}

export async function copy(service: ScaleService, runId: string, what: 'revisedPrompt' | 'rationale'): Promise<string> {
  const { revised, rationale } = await revisedOf(service, runId);
  if (what === 'rationale' && !rationale) throw new UserError('This run has no rationale for its revised prompt.');
  await vscode.env.clipboard.writeText(what === 'revisedPrompt' ? revised : rationale!);
  const message = what === 'revisedPrompt' ? 'Revised prompt copied' : 'Rationale copied';
  vscode.window.setStatusBarMessage(`$(copy) ${message}`, 3000);
  return message;
}

/** The library prompt a revision is saved under by default: the tested version's prompt, else the agent's name. */
async function defaultName(
  ctx: HostContext,
  s: ScaleRunSnapshot,
): Promise<{ name: string; parentVersionId: number | null }> {
  if (s.promptSource.kind === 'library') {
    const v = (await ctx.getLibrary()).getVersion(s.promptSource.versionId);
    if (v) return { name: v.promptName, parentVersionId: v.id };
  }
  return { name: s.agent.name, parentVersionId: null };
}

export async function saveRevised(ctx: HostContext, service: ScaleService, runId: string): Promise<string | undefined> {
  const { s, revised } = await revisedOf(service, runId);
  const { name: suggested, parentVersionId } = await defaultName(ctx, s);
  const typed = await askPromptName(suggested, 'Save Revised Prompt to Library');
  if (typed === undefined) return undefined;
  const v = s.report?.verification;
  const score = v && v.stats.winRate !== null ? v.stats.winRate : null;
  const before = s.report?.stats.winRate;
  const label =
    v && score !== null
      ? `scale: verified ${Math.round((v.winRateBefore ?? 0) * 100)}% → ${Math.round(score * 100)}%`
      : `scale: revised from ${before === null || before === undefined ? 'unscored' : `${Math.round(before * 100)}%`}`;
  const saved = (await ctx.getLibrary()).addVersion({
    name: typed,
    text: revised,
    source: 'scale',
    score,
    runId,
    parentVersionId,
    label,
  });
  ctx.log.info(
    `Saved the revised prompt of scale run ${runId} as ${saved.promptName} v${saved.version} (version id ${saved.id})`,
  );
  announceSaved(saved);
  return `Saved as ${saved.promptName} v${saved.version}`;
}

export async function showDiff(service: ScaleService, runId: string): Promise<string> {
  const { s } = await revisedOf(service, runId);
  await vscode.commands.executeCommand(
    'vscode.diff',
    promptUri(runId, 'tested'),
    promptUri(runId, 'revised'),
    `Tested ↔ Revised prompt (${s.agent.name})`,
    { preview: true },
  );
  return 'Diff opened';
}

export async function tuneFromRevised(service: ScaleService, runId: string): Promise<string> {
  const { revised } = await revisedOf(service, runId);
  await vscode.commands.executeCommand('promptTuner.tuning.open', { basePrompt: revised });
  return 'Opened Prompt Tuning with the revised prompt as its base';
}

interface SuiteItem extends vscode.QuickPickItem {
  file?: string;
}

/** A failing conversation → a new case in a picked (or new) `*.suite.json`, then opens the file at the case. */
export async function addToSuite(
  service: ScaleService,
  runId: string,
  conversationId: string,
): Promise<string | undefined> {
  const s = await snapshotOf(service, runId);
  const conversation =
    s.report?.conversations.find((c) => c.conversationId === conversationId) ??
    s.conversations.find((c) => c.conversationId === conversationId);
  if (!conversation) throw new UserError(`Conversation ${conversationId} is not part of this run.`);
  const config = await service.runConfig(runId);
  const root = workspaceRoot();
  if (!config || !root) throw new UserError('Open the workspace folder of this run first.');
  const agent = await service.agents.require(path.resolve(root, config.agentFile));
  const { suiteCaseFromConversation, appendCase, caseIds, newSuiteFile, slug } = await import('./suiteCase');
  const { parseSuite } = await import('../../core/suites/loadSuite');

  const suites = await vscode.workspace.findFiles('**/*.suite.json', '**/{node_modules,.git,.prompt-tuner}/**', 500);
  const items: SuiteItem[] = [
    { label: '$(new-file) New suite file…', alwaysShow: true },
    ...suites
      .map((u) => ({ label: vscode.workspace.asRelativePath(u), file: u.fsPath }))
      .sort((a, b) => a.label.localeCompare(b.label)),
  ];
  const pick = await vscode.window.showQuickPick(items, {
    title: `Add conversation #${conversation.index + 1} to a test suite`,
    placeHolder: 'The suite file that gets the new case',
  });
  if (!pick) return undefined;
  let file = pick.file;
  let existing: unknown;
  if (file) {
    try {
      existing = JSON.parse(await readFile(file, 'utf8'));
    } catch (e) {
      throw new UserError(
        `${vscode.workspace.asRelativePath(file)} is not valid JSON (${(e as Error).message}): fix it first.`,
      );
    }
  } else {
    const target = await vscode.window.showSaveDialog({
      title: 'New test suite',
      defaultUri: vscode.Uri.file(
        path.join(path.dirname(path.resolve(root, config.agentFile)), `${slug(agent.name)}.suite.json`),
      ),
      filters: { 'Test suites': ['suite.json'] },
      saveLabel: 'Create Suite',
    });
    if (!target) return undefined;
    file = target.fsPath.endsWith('.suite.json') ? target.fsPath : `${target.fsPath.replace(/\.json$/, '')}.suite.json`;
  }
  const kase = suiteCaseFromConversation({
    runId,
    conversation,
    messages: await service.messages(runId, conversationId),
    existingIds: caseIds(existing),
  });
  const { suite, addedTools } =
    existing !== undefined
      ? appendCase(existing, kase, agent)
      : { suite: newSuiteFile(agent, kase), addedTools: [] as string[] };
  const text = `${JSON.stringify(suite, null, 2)}\n`;
  // Written only when the result is a valid suite (the problems are named by path otherwise).
  parseSuite(text, agentLabel(file));
  await writeFile(file, text, 'utf8');
  const doc = await vscode.workspace.openTextDocument(file);
  const editor = await vscode.window.showTextDocument(doc, { preview: false });
  const line = doc
    .getText()
    .split('\n')
    .findIndex((l) => l.includes(`"id": "${kase.id}"`));
  if (line >= 0) editor.revealRange(new vscode.Range(line, 0, line, 0), vscode.TextEditorRevealType.InCenter);
  const where = vscode.workspace.asRelativePath(file);
  void vscode.window.showInformationMessage(
    `Added case ${kase.id} to ${where}${addedTools.length ? ` (with the tool${addedTools.length === 1 ? '' : 's'} ${addedTools.join(', ')})` : ''}. Edit its expectation into what the agent should have done.`,
  );
  return `Added ${kase.id} to ${where}`;
}
