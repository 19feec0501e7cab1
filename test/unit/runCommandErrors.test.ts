// The one error policy of the editor's commands: what a user is told, what goes to the log, and what is neither.
import { fake } from './extensionFakeVscode';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runCommand, UserError } from '../../src/extension/runCommand';
import { fakeExtensionHost } from '../support/fakeExtensionHost';

describe('editor commands: the error policy', () => {
  let ws: string;
  let host: ReturnType<typeof fakeExtensionHost>;
  beforeEach(() => {
    fake.reset();
    ws = mkdtempSync(path.join(tmpdir(), 'pt-run-command-'));
    host = fakeExtensionHost(ws);
  });
  afterEach(() => {
    host.dispose();
    rmSync(ws, { recursive: true, force: true });
  });

  const failing = (error: Error) => ({
    id: 'test.failing',
    run: () => Promise.reject(error),
  });
  const kinds = () => fake.messages.map((m) => m.kind);

  it('an unexpected failure is logged with its stack and told with a Show Log offer', async () => {
    await runCommand(host.ctx, failing(new Error('disk on fire')), []);
    assert.ok(kinds().includes('log.error'));
    assert.match(fake.messages.find((m) => m.kind === 'error')?.text ?? '', /failed: disk on fire/);
  });

  it('a precondition the user can fix is told as is, not logged', async () => {
    await runCommand(host.ctx, failing(new UserError('Open a folder first.')), []);
    assert.deepEqual(
      fake.messages.filter((m) => m.kind !== 'log.info'),
      [{ kind: 'error', text: 'Open a folder first.' }],
    );
  });

  it('a call VS Code cancelled (the window reloading with a toast open) is neither told nor logged', async () => {
    // What the API's pending promises reject with when the extension host stops, and what CancellationError is.
    const canceled = Object.assign(new Error('Canceled'), { name: 'Canceled' });
    await runCommand(host.ctx, failing(canceled), []);
    assert.deepEqual(
      fake.messages.filter((m) => m.kind === 'error' || m.kind === 'log.error' || m.kind === 'log.warn'),
      [],
    );
  });
});
