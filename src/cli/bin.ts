// The `prompt-tuner` bin (dist/cli.js): turns on the V8 code cache for the bundles beside it, then starts the CLI
// from its bundle (dist/cliMain.js). Kept apart so the CLI's own 1 MB bundle is compiled through the cache too.
import * as path from 'node:path';
import { installCompileCache } from './compileCache';
import type * as CliMainModule from './main';

installCompileCache(__dirname);
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the bundle beside this file, loaded after the cache is on
(require(path.join(__dirname, 'cliMain.js')) as typeof CliMainModule).startCli();
