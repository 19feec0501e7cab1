// Every `prompt-tuner` command, registered here in one list. Each feature adds its own module.
import type { CliCommand } from './cliTypes';

export const COMMANDS: CliCommand[] = [];
