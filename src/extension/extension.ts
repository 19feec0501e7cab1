// activate(): build the context, register every command in one loop, register views lazily.
import * as vscode from 'vscode';
import { COMMAND_PREFIX, type HostCommand } from './commandTypes';
import type { HostContext } from './hostContext';

const FEATURES: Array<(ctx: HostContext) => HostCommand[]> = [];

export function activate(extension: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('Prompt Tuner', { log: true });
  extension.subscriptions.push(log);
  const ctx: HostContext = { extension, log };
  for (const feature of FEATURES) {
    for (const command of feature(ctx)) {
      extension.subscriptions.push(
        vscode.commands.registerCommand(COMMAND_PREFIX + command.id, (...args: unknown[]) => command.run(ctx, ...args)),
      );
    }
  }
}

export function deactivate(): void {}
