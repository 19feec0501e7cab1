import { strict as assert } from 'node:assert';
import type * as vscode from 'vscode';
import './extensionFakeVscode';
import { MODEL_SETTINGS, readModelSettings } from '../../src/extension/models/modelSettings';

/** A settings section with the given values; everything else at its default. */
function settings(values: Record<string, unknown>): vscode.WorkspaceConfiguration {
  return { get: (key: string, fallback?: unknown) => (key in values ? values[key] : fallback) } as never;
}

describe('editor setting promptTuner.requestTimeoutSeconds', () => {
  it('defaults to 60 s and takes 1 to 600 s', () => {
    assert.equal(readModelSettings(settings({})).requestTimeoutSeconds, 60);
    assert.equal(readModelSettings(settings({ requestTimeoutSeconds: 5 })).requestTimeoutSeconds, 5);
    assert.equal(readModelSettings(settings({ requestTimeoutSeconds: 600 })).requestTimeoutSeconds, 600);
    assert.deepEqual(readModelSettings(settings({ requestTimeoutSeconds: 5 })).problems, []);
  });

  for (const bad of [0, 601, 'soon', -5]) {
    it(`refuses ${JSON.stringify(bad)}, names the setting and uses 60 s`, () => {
      const read = readModelSettings(settings({ requestTimeoutSeconds: bad }));
      assert.equal(read.requestTimeoutSeconds, 60);
      assert.deepEqual(read.problems, [
        'promptTuner.requestTimeoutSeconds: must be a number of seconds from 1 to 600; using 60',
      ]);
    });
  }

  it('rebuilds the gateway when it changes', () => {
    assert.ok(MODEL_SETTINGS.includes('promptTuner.requestTimeoutSeconds'));
  });
});
