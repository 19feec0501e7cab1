// Show Response Cache and Clear Response Cache against the fake VS Code API and the real workspace store.
import { fake } from './extensionFakeVscode';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createStoreResponseCache } from '../../src/core/models/responseCache';
import { COMMAND_PREFIX } from '../../src/extension/commandTypes';
import { modelsFeature } from '../../src/extension/models/modelCommands';
import { runCommand } from '../../src/extension/runCommand';
import { fakeExtensionHost, type FakeExtensionHost } from '../support/fakeExtensionHost';

const result = (model: string) => ({
  model,
  text: 'ok',
  toolCalls: [],
  usage: { inputTokens: 1, outputTokens: 1, cachedInputTokens: 0 },
  latencyMs: 10,
});

describe('editor: Show / Clear Response Cache', () => {
  let ws: string;
  let host: FakeExtensionHost;
  const run = (id: string) => fake.commands.get(COMMAND_PREFIX + id)!();
  const messages = (kind: string) => fake.messages.filter((m) => m.kind === kind).map((m) => m.text);

  beforeEach(() => {
    fake.reset();
    ws = mkdtempSync(path.join(tmpdir(), 'pt-ext-cache-'));
    host = fakeExtensionHost(ws);
    for (const command of modelsFeature(host.ctx))
      fake.commands.set(COMMAND_PREFIX + command.id, (...args: unknown[]) => runCommand(host.ctx, command, args));
  });
  afterEach(() => {
    host.dispose();
    rmSync(ws, { recursive: true, force: true });
  });

  it('are contributed with their titles', () => {
    const manifest = host.ctx.extension.extension.packageJSON as {
      contributes: { commands: { command: string; title: string; category: string }[] };
    };
    const titles = new Map(manifest.contributes.commands.map((c) => [c.command, `${c.category}: ${c.title}`]));
    assert.equal(titles.get('promptTuner.models.showResponseCache'), 'Prompt Tuner: Show Response Cache');
    assert.equal(titles.get('promptTuner.models.clearResponseCache'), 'Prompt Tuner: Clear Response Cache');
  });

  it('shows what the cache holds, and clears it only after a confirmation naming the count', async () => {
    await run('models.showResponseCache');
    assert.deepEqual(messages('info'), ['The response cache is empty.']);

    // An answer a gateway of this window just cached (still queued for its group commit) counts too.
    const cache = createStoreResponseCache(await host.ctx.getStore());
    for (const k of ['a', 'b', 'c']) cache.put(k, result('openai/gpt-4o-mini'), new Date());
    fake.messages.length = 0;
    await run('models.showResponseCache');
    assert.match(messages('info')[0] ?? '', /^3 cached answers, /);

    fake.messages.length = 0;
    fake.answers.push({ kind: 'confirm', value: undefined });
    await run('models.clearResponseCache');
    assert.deepEqual(messages('warning'), ['Clear the response cache? 3 cached answers will be removed.']);
    assert.equal(cache.stats().entries, 3, 'nothing removed without the confirmation');

    fake.messages.length = 0;
    fake.answers.push({ kind: 'confirm', value: 'Clear' });
    await run('models.clearResponseCache');
    assert.deepEqual(messages('info'), ['Removed 3 cached answers.']);
    assert.equal(cache.stats().entries, 0);
  });
});
