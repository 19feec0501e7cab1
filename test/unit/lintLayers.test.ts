// The layers are enforced by the lint gate, not by review: these run the project's own ESLint config on small
// imports placed at real paths and check that a wrong-way import fails and a right-way one passes.
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { ESLint } from 'eslint';

const REPO = resolve(__dirname, '../..');

async function importErrors(filePath: string, source: string): Promise<string[]> {
  const eslint = new ESLint({
    cwd: REPO,
    // Only the import rule: the type-aware rules need the file on disk in a tsconfig, and are not under test here.
    ruleFilter: ({ ruleId }) => ruleId === 'no-restricted-imports',
    overrideConfig: { languageOptions: { parserOptions: { projectService: false } } },
  });
  const [result] = await eslint.lintText(source, { filePath: resolve(REPO, filePath) });
  return (result?.messages ?? []).map((m) => m.message);
}

describe('lint gate: the layers', function () {
  this.timeout(30_000);

  it('src/core may not import vscode, the extension host or the CLI', async () => {
    assert.match(
      (await importErrors('src/core/tuning/probe.ts', "import * as vscode from 'vscode';\nvoid vscode;\n")).join(),
      /no vscode import/,
    );
    assert.match(
      (
        await importErrors('src/core/tuning/probe.ts', "import { x } from '../../extension/hostContext';\nvoid x;\n")
      ).join(),
      /extension host/,
    );
    assert.match(
      (await importErrors('src/core/scale/probe.ts', "import { x } from '../../cli/main';\nvoid x;\n")).join(),
      /CLI/,
    );
    assert.deepEqual(
      await importErrors('src/core/tuning/probe.ts', "import { x } from '../models/gateway';\nvoid x;\n"),
      [],
    );
  });

  it('src/core/store may not import a feature folder', async () => {
    assert.match(
      (await importErrors('src/core/store/probe.ts', "import { x } from '../tuning/engine';\nvoid x;\n")).join(),
      /knows no feature/,
    );
    assert.deepEqual(await importErrors('src/core/store/probe.ts', "import { x } from './journal';\nvoid x;\n"), []);
  });

  it('webview code imports only src/protocol from the host side', async () => {
    assert.match(
      (
        await importErrors('webview/tuning/probe.ts', "import { x } from '../../src/core/tuning/engine';\nvoid x;\n")
      ).join(),
      /only the panel protocols/,
    );
    assert.match(
      (
        await importErrors('webview/tuning/probe.ts', "import { x } from '../../src/extension/panelHost';\nvoid x;\n")
      ).join(),
      /only the panel protocols/,
    );
    assert.match(
      (await importErrors('webview/eval/probe.ts', "import { x } from 'node:fs';\nvoid x;\n")).join(),
      /Node/,
    );
    assert.deepEqual(
      await importErrors(
        'webview/tuning/probe.ts',
        "import type { X } from '../../src/protocol/tuningPanel';\nexport type Y = X;\n",
      ),
      [],
    );
  });
});
