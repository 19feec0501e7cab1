// Tau's command line before command lookup: the legacy aliases with Tau's deprecation line, the top-level
// flags as `optimize run`, and the flags that require --prompt-optimization-config.
import { strict as assert } from 'node:assert';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { UsageError } from '../../src/cli/cliTypes';
import { rewriteTauFlags } from '../../src/cli/tauFlags';
import { runCliInProcess } from '../support/cliHarness';

function refusal(argv: string[]): string {
  try {
    rewriteTauFlags(argv);
  } catch (e) {
    assert.ok(e instanceof UsageError, `expected UsageError, got ${String(e)}`);
    return e.message;
  }
  assert.fail(`expected ${argv.join(' ')} to be refused`);
}

describe('Tau flags (CLI argv rewrite)', () => {
  it("turns Tau's top-level flags into optimize run, wherever they are among the flags", () => {
    const r = rewriteTauFlags([
      '--model',
      'openai/sim-1',
      '--prompt-optimization-config',
      'po.json',
      '--prompt-optimization-store-sqlite',
      's/store.sqlite',
      '--prompt-optimization-json',
    ]);
    assert.deepEqual(r.argv, [
      'optimize',
      'run',
      '--config',
      'po.json',
      '--store',
      's/store.sqlite',
      '--json',
      '--model',
      'openai/sim-1',
    ]);
    assert.deepEqual(r.deprecations, []);
    const reordered = rewriteTauFlags([
      '--prompt-optimization-json',
      '--prompt-optimization-config=po.json',
      '--model=openai/sim-1',
      '--workspace',
      'ws',
    ]);
    assert.deepEqual(reordered.argv, [
      'optimize',
      'run',
      '--config',
      'po.json',
      '--json',
      '--model=openai/sim-1',
      '--workspace',
      'ws',
    ]);
  });

  it('leaves the store and JSON out when not given (optimize run has the defaults)', () => {
    assert.deepEqual(rewriteTauFlags(['--prompt-optimization-config', 'po.json', '--model', 'm/x']).argv, [
      'optimize',
      'run',
      '--config',
      'po.json',
      '--model',
      'm/x',
    ]);
  });

  it("rewrites the legacy aliases, also as --flag=value, each with Tau's deprecation line", () => {
    const r = rewriteTauFlags([
      '--model',
      'openai/sim-1',
      '--train-config',
      'po.json',
      '--train-store-sqlite=s.sqlite',
      '--train-json',
    ]);
    assert.deepEqual(r.argv, [
      'optimize',
      'run',
      '--config',
      'po.json',
      '--store',
      's.sqlite',
      '--json',
      '--model',
      'openai/sim-1',
    ]);
    assert.deepEqual(r.deprecations, [
      "deprecated CLI alias '--train-config' detected; use '--prompt-optimization-config' instead.",
      "deprecated CLI alias '--train-store-sqlite' detected; use '--prompt-optimization-store-sqlite' instead.",
      "deprecated CLI alias '--train-json' detected; use '--prompt-optimization-json' instead.",
    ]);
    const eq = rewriteTauFlags(['--train-config=po.json', '--model', 'm/x']);
    assert.deepEqual(eq.argv, ['optimize', 'run', '--config', 'po.json', '--model', 'm/x']);
    assert.deepEqual(eq.deprecations, [
      "deprecated CLI alias '--train-config' detected; use '--prompt-optimization-config' instead.",
    ]);
  });

  it('refuses the store or JSON flag without the config flag', () => {
    assert.equal(
      refusal(['--model', 'm/x', '--prompt-optimization-store-sqlite', 's.sqlite']),
      '--prompt-optimization-store-sqlite requires --prompt-optimization-config',
    );
    assert.equal(
      refusal(['--prompt-optimization-json']),
      '--prompt-optimization-json requires --prompt-optimization-config',
    );
    assert.equal(
      refusal(['--train-json', '--train-store-sqlite', 's']),
      '--prompt-optimization-store-sqlite and --prompt-optimization-json require --prompt-optimization-config',
    );
  });

  it('refuses a missing value, a repeat and a value on the JSON flag', () => {
    assert.equal(
      refusal(['--model', 'm/x', '--prompt-optimization-config']),
      '--prompt-optimization-config requires a value (the config file)',
    );
    assert.equal(
      refusal(['--prompt-optimization-config', '--model', 'm/x']),
      '--prompt-optimization-config requires a value (the config file)',
    );
    assert.equal(
      refusal(['--prompt-optimization-config=', '--model', 'm/x']),
      '--prompt-optimization-config requires a value (the config file)',
    );
    assert.equal(
      refusal(['--prompt-optimization-config', 'a', '--train-config', 'b']),
      '--prompt-optimization-config was given more than once',
    );
    assert.equal(
      refusal(['--prompt-optimization-config', 'a', '--prompt-optimization-json=yes']),
      '--prompt-optimization-json takes no value, got "yes"',
    );
  });

  it('leaves every other command line alone', () => {
    for (const argv of [
      [],
      ['--help'],
      ['--version'],
      ['optimize', 'status', '--json'],
      ['scale', '--agent', 'a.json', '--model', 'm/x'],
      ['eval', '--suite', 's', '--model', 'm/x'],
    ]) {
      const r = rewriteTauFlags(argv);
      assert.deepEqual(r.argv, argv);
      assert.deepEqual(r.deprecations, []);
    }
  });

  it('through runCli: the deprecation line on stderr and exit 2 for a flag that requires the config flag', async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), 'pt-tau-flags-'));
    const orphan = await runCliInProcess(['--model', 'openai/sim-1', '--prompt-optimization-json'], { cwd, env: {} });
    assert.equal(orphan.code, 2);
    assert.match(orphan.err, /--prompt-optimization-json requires --prompt-optimization-config/);
    assert.equal(orphan.out, '');
    const help = await runCliInProcess(['--train-config', 'po.json', '--help'], { cwd, env: {} });
    assert.equal(help.code, 0);
    assert.match(
      help.err,
      /^deprecated CLI alias '--train-config' detected; use '--prompt-optimization-config' instead\.\n/,
    );
    assert.match(help.out, /prompt-tuner optimize run/);
  });
});
