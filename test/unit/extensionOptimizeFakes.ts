// What the shared fake VS Code lacks for a webview panel, the config picker and workspace trust, added for
// the prompt-optimization tests. Imported before any module under test, so their `vscode` namespace sees it.
import { readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import type { HostMessage, WebviewMessage } from '../../src/protocol/optimizePanel';
import { EventEmitter, fake, fakeVscodeModule, Uri } from './extensionFakeVscode';

export interface FakePanel {
  posted: HostMessage[];
  visible: boolean;
  disposed: boolean;
  /** Delivers a message as the webview would post it. */
  receive(m: WebviewMessage | Record<string, unknown>): void;
}
/** Every panel created, oldest first. */
export const panels: FakePanel[] = [];
const win = fakeVscodeModule.window as unknown as Record<string, unknown>;
const ws = fakeVscodeModule.workspace as unknown as Record<string, unknown>;
const mod = fakeVscodeModule as unknown as Record<string, unknown>;
mod['ViewColumn'] = { One: 1, Two: 2, Beside: -2 };
let trusted = true;
export function setTrusted(value: boolean): void {
  trusted = value;
}
Object.defineProperty(ws, 'isTrusted', { get: () => trusted, configurable: true });
win['registerWebviewPanelSerializer'] = () => ({ dispose() {} });
win['createWebviewPanel'] = () => {
  const received = new EventEmitter<unknown>();
  const disposed = new EventEmitter<void>();
  const p: FakePanel & Record<string, unknown> = {
    posted: [],
    visible: true,
    disposed: false,
    receive: (m) => received.fire(JSON.parse(JSON.stringify(m))),
    reveal() {},
    onDidDispose: disposed.event,
    onDidChangeViewState: new EventEmitter<void>().event,
    dispose() {
      if (p.disposed) return;
      p.disposed = true;
      disposed.fire();
    },
    webview: {
      html: '',
      options: {},
      cspSource: 'https://webview.test',
      asWebviewUri: (u: Uri) => u,
      onDidReceiveMessage: received.event,
      postMessage: async (m: HostMessage) => {
        p.posted.push(JSON.parse(JSON.stringify(m)) as HostMessage);
        return true;
      },
    },
  };
  panels.push(p);
  return p;
};
/** VS Code's glob for the config picker, on the real folder: the two file-name patterns, outside node_modules/.git/.prompt-tuner. */
ws['findFiles'] = async () => {
  const root = fake.workspaceFolders?.[0]?.uri.fsPath;
  const out: Uri[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) {
        if (!['node_modules', '.git', '.prompt-tuner'].includes(name)) walk(full);
      } else if (/prompt-optimization.*\.json$|\.optimize\.json$/.test(name)) out.push(Uri.file(full));
    }
  };
  if (root) walk(root);
  return out;
};
ws['asRelativePath'] = (u: Uri | string) =>
  path.relative(fake.workspaceFolders?.[0]?.uri.fsPath ?? '/', typeof u === 'string' ? u : u.fsPath);
