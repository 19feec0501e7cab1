// activate(): build the context, register every command in one loop, register views lazily.
import './zodJitless';
import * as vscode from 'vscode';
import { COMMAND_PREFIX, type HostCommand } from './commandTypes';
import { HostContext } from './hostContext';
import { libraryFeature } from './library/libraryFeature';
import { modelsFeature } from './models/modelCommands';
import { runCommand } from './runCommand';
import { optimizeFeature } from './optimize/optimizeFeature';
import { scaleFeature } from './scale/scaleFeature';
import { suitesFeature } from './suites/suitesFeature';
import { tuningFeature } from './tuning/tuningFeature';

const FEATURES: Array<(ctx: HostContext) => HostCommand[]> = [
  libraryFeature,
  modelsFeature,
  suitesFeature,
  tuningFeature,
  scaleFeature,
  optimizeFeature,
];

export function activate(extension: vscode.ExtensionContext): void {
  const started = Date.now();
  const log = vscode.window.createOutputChannel('Prompt Tuner', { log: true });
  extension.subscriptions.push(log);
  const ctx = new HostContext(extension, log);
  extension.subscriptions.push(ctx);
  for (const feature of FEATURES) {
    for (const command of feature(ctx)) {
      extension.subscriptions.push(
        vscode.commands.registerCommand(COMMAND_PREFIX + command.id, (...args: unknown[]) =>
          runCommand(ctx, command, args),
        ),
      );
    }
  }
  log.info(`Activated in ${Date.now() - started} ms`);
}

export function deactivate(): void {}
