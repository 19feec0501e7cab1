// Read-only documents of a scale run: a conversation's transcript (updated while it runs) and the tested and
// revised prompts for the diff editor. A TextDocumentContentProvider's documents cannot be edited.
import * as vscode from 'vscode';
import type { ScaleService } from './scaleService';

export const SCALE_DOC_SCHEME = 'prompt-tuner-scale';

/** `prompt-tuner-scale:/RUN/conversation/CONV/Conversation 3 (Hotel desk).txt`: the tab shows the file name. */
export function transcriptUri(runId: string, conversationId: string, index: number, agentName: string): vscode.Uri {
  const name = `Conversation ${index + 1} (${agentName.replace(/[\\/]/g, '-')}).txt`;
  return vscode.Uri.from({
    scheme: SCALE_DOC_SCHEME,
    path: `/${runId}/conversation/${encodeURIComponent(conversationId)}/${name}`,
  });
}

export function promptUri(runId: string, which: 'tested' | 'revised'): vscode.Uri {
  return vscode.Uri.from({
    scheme: SCALE_DOC_SCHEME,
    path: `/${runId}/prompt/${which === 'tested' ? 'Tested prompt' : 'Revised prompt'}.txt`,
  });
}

function parse(
  uri: vscode.Uri,
):
  | { runId: string; kind: 'conversation'; conversationId: string }
  | { runId: string; kind: 'tested' | 'revised' }
  | undefined {
  const [, runId, kind, a] = uri.path.split('/');
  if (!runId) return undefined;
  if (kind === 'conversation' && a) return { runId, kind, conversationId: decodeURIComponent(a) };
  if (kind === 'prompt' && a === 'Tested prompt.txt') return { runId, kind: 'tested' };
  if (kind === 'prompt' && a === 'Revised prompt.txt') return { runId, kind: 'revised' };
  return undefined;
}

const REFRESH_MS = 500;

export class ScaleDocumentProvider implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly subscription: vscode.Disposable;

  constructor(private readonly service: ScaleService) {
    // An open transcript of a running conversation follows it (at most twice a second).
    this.subscription = service.onDidChangeRun((s) => {
      for (const doc of vscode.workspace.textDocuments) {
        if (doc.uri.scheme !== SCALE_DOC_SCHEME || parse(doc.uri)?.runId !== s.runId) continue;
        const key = doc.uri.toString();
        if (this.timers.has(key)) continue;
        this.timers.set(
          key,
          setTimeout(() => {
            this.timers.delete(key);
            this.changed.fire(doc.uri);
          }, REFRESH_MS),
        );
      }
    });
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const p = parse(uri);
    if (!p) return `Unknown document: ${uri.toString()}`;
    if (p.kind === 'conversation') {
      const t = await this.service.transcript(p.runId, p.conversationId);
      return t ? t.text : `Conversation ${p.conversationId} of scale run ${p.runId} is not in the store.`;
    }
    const s = await this.service.snapshot(p.runId);
    if (!s) return `Scale run ${p.runId} is not in the store.`;
    if (p.kind === 'tested') return s.systemPrompt;
    return s.report?.revisedPrompt ?? 'No revised prompt yet.';
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.subscription.dispose();
    this.changed.dispose();
  }
}
