import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runCli } from '../../src/cli/main';

describe('cli: a malformed .prompt-tuner/config.json', () => {
  it('is bad input (exit 2) and the message names the file and the field', async () => {
    const ws = mkdtempSync(join(tmpdir(), 'pt-config-'));
    mkdirSync(join(ws, '.prompt-tuner'));
    writeFileSync(
      join(ws, '.prompt-tuner', 'config.json'),
      JSON.stringify({ endpoints: [{ name: 'sim', baseUrl: 42 }] }),
    );
    let err = '';
    const code = await runCli(
      [
        'eval',
        '--workspace',
        ws,
        '--suite',
        resolve('examples/travel-desk.suite.json'),
        '--prompt',
        'Hi',
        '--model',
        'openai/sim-1',
      ],
      {
        out: () => {},
        err: (t) => (err += t),
        cwd: ws,
        env: { OPENAI_API_KEY: 'k' },
        signal: new AbortController().signal,
      },
    );
    assert.equal(code, 2, err);
    assert.match(err, /config\.json/);
    assert.match(err, /endpoints\[0\]/);
  });
});
