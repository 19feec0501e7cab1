// Every `prompt-tuner` command, registered here in one list. Each feature adds its own module.
import type { CliCommand } from './cliTypes';
import { evalCommand } from './commands/eval';
import { LIBRARY_COMMANDS } from './commands/library';
import { tuneCommand } from './commands/tune';
import { SCALE_COMMANDS } from './commands/scale';
import { OPTIMIZE_COMMANDS } from './commands/optimize';

export const COMMANDS: CliCommand[] = [];
COMMANDS.push(evalCommand);
COMMANDS.push(...LIBRARY_COMMANDS);
COMMANDS.push(tuneCommand);
COMMANDS.push(...SCALE_COMMANDS);
COMMANDS.push(...OPTIMIZE_COMMANDS);
