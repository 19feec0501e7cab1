import { strict as assert } from 'node:assert';
import { runCli } from '../../src/cli/main';
describe('cli shell', () => {
  it('prints help and exits 0 with --help', async () => {
    let out = '';
    const code = await runCli(['--help'], {
      out: (t) => (out += t),
      err: () => {},
      cwd: '.',
      env: {},
      signal: new AbortController().signal,
    });
    assert.equal(code, 0);
    assert.match(out, /Usage: prompt-tuner/);
  });
});
