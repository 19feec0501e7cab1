// The HostContext the extension tests run features on, as VS Code would give one to the extension: an install
// folder holding sql.js's wasm (dist/) and the global storage, the package manifest, and one workspace folder.
// The fake VS Code module (test/unit/extensionFakeVscode) must be loaded first.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type * as vscode from 'vscode';
import { HostContext } from '../../src/extension/hostContext';
import { fake, fakeVscodeModule, Uri } from '../unit/extensionFakeVscode';

const REPO = path.join(__dirname, '../..');
const manifest: unknown = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8'));

export interface FakeExtensionHost {
  ctx: HostContext;
  /** What the features registered (disposed in reverse by dispose). */
  subscriptions: { dispose(): void }[];
  /** Disposes the registrations (once); the context stays open. */
  disposeSubscriptions(): void;
  /** The registrations, then the context (its store), then the install folder; the workspace stays. */
  dispose(): void;
}

export function fakeExtensionHost(workspace: string): FakeExtensionHost {
  const extDir = mkdtempSync(path.join(tmpdir(), 'pt-ext-install-'));
  mkdirSync(path.join(extDir, 'dist'));
  copyFileSync(path.join(REPO, 'node_modules/sql.js/dist/sql-wasm.wasm'), path.join(extDir, 'dist/sql-wasm.wasm'));
  fake.workspaceFolders = [{ uri: Uri.file(workspace) }];
  const subscriptions: { dispose(): void }[] = [];
  const context = {
    subscriptions,
    extensionUri: Uri.file(extDir),
    globalStorageUri: Uri.file(path.join(extDir, 'global')),
    extension: { packageJSON: manifest },
  } as unknown as vscode.ExtensionContext;
  const log = fakeVscodeModule.window.createOutputChannel() as unknown as vscode.LogOutputChannel;
  const ctx = new HostContext(context, log);
  const disposeSubscriptions = (): void => {
    for (const d of subscriptions.splice(0).reverse()) d.dispose();
  };
  return {
    ctx,
    subscriptions,
    disposeSubscriptions,
    dispose: () => {
      disposeSubscriptions();
      ctx.dispose(); // closes the store (its work is synchronous), so the folder can go
      rmSync(extDir, { recursive: true, force: true });
    },
  };
}
