import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { COMMANDS } from '../../src/cli/commandTable';

describe('the CLI command table (lazy modules)', () => {
  it('has the path and summary of every command its modules define, and loads each', () => {
    for (const entry of COMMANDS) {
      const command = entry.load();
      assert.deepEqual(command.path, entry.path);
      assert.equal(command.summary, entry.summary, `summary of ${entry.path.join(' ')} differs from its module`);
    }
  });

  it('loads no command module until one runs', () => {
    // A fresh process: which source files did requiring the table load?
    const script = `require('./src/cli/commandTable');
const loaded = Object.keys(require.cache).filter((f) => f.includes('/src/cli/commands/'));
process.stdout.write(JSON.stringify(loaded));`;
    const r = spawnSync(process.execPath, ['--require', 'tsx/cjs', '-e', script], {
      cwd: path.resolve(__dirname, '../..'),
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), []);
  });
});
