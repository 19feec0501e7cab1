// Every `prompt-tuner` command, registered here in one list: its words and one-line summary, and how to load
// its module. A command's module (and what it imports: zod schemas, the tokenizer, node-postgres) is loaded
// only when that command runs or prints its --help, so `prompt-tuner eval` never loads `scale` or `optimize`.
// Each feature adds its own module and its rows here; test/unit/cliCommandTable.test.ts checks the rows
// against the modules.
import type { CliCommand } from './cliTypes';
import type * as CacheModule from './commands/cache';
import type * as EvalModule from './commands/eval';
import type * as LibraryModule from './commands/library';
import type * as OptimizeModule from './commands/optimize';
import type * as RunsModule from './commands/runs';
import type * as ScaleModule from './commands/scale';
import type * as TuneModule from './commands/tune';

// Lazy: a command's module loads when it runs (esbuild keeps each required module's initialisation until the require, inside the one dist/cli.js).
const load = {
  eval: () => require('./commands/eval') as typeof EvalModule,
  library: () => require('./commands/library') as typeof LibraryModule,
  tune: () => require('./commands/tune') as typeof TuneModule,
  scale: () => require('./commands/scale') as typeof ScaleModule,
  optimize: () => require('./commands/optimize') as typeof OptimizeModule,
  runs: () => require('./commands/runs') as typeof RunsModule,
  cache: () => require('./commands/cache') as typeof CacheModule,
};

/** A row of the table: enough for the command lists without loading the command. */
export interface CommandEntry {
  /** Words that select it, e.g. ['library', 'list']. */
  path: string[];
  /** One line for the command list (the same as the module's). */
  summary: string;
  /** Loads the module and returns the command. */
  load(): CliCommand;
}

/** The command with these words among a module's commands. */
function pick(commands: CliCommand[], path: string[]): CliCommand {
  const found = commands.find((c) => c.path.join(' ') === path.join(' '));
  if (!found) throw new Error(`prompt-tuner: no command "${path.join(' ')}" in its module`);
  return found;
}

function rows(commands: () => CliCommand[], list: [path: string[], summary: string][]): CommandEntry[] {
  return list.map(([path, summary]) => ({ path, summary, load: () => pick(commands(), path) }));
}

export const COMMANDS: CommandEntry[] = [
  ...rows(() => [load.eval().evalCommand], [[['eval'], 'Evaluate a system prompt on a tool-calling suite']]),
  ...rows(
    () => load.library().LIBRARY_COMMANDS,
    [
      [['library', 'list'], 'List the prompts in the Prompt Library'],
      [['library', 'show'], 'Print a prompt version (NAME or NAME@VERSION)'],
      [['library', 'add'], 'Save a new prompt version (--file F or --text T)'],
      [['library', 'export'], 'Write the library as JSON to FILE or standard output'],
      [['library', 'import'], 'Add the prompts of a library export file'],
    ],
  ),
  ...rows(() => [load.tune().tuneCommand], [[['tune'], 'Tune a system prompt on a suite (quick or evolutionary)']]),
  ...rows(
    () => load.scale().SCALE_COMMANDS,
    [
      [['scale'], 'Scale-test an agent: N graded conversations, a summary and a revised prompt'],
      [['scale', 'list'], 'List stored scale-test runs'],
      [['scale', 'show'], 'Show a scale-test run or one transcript'],
    ],
  ),
  ...rows(
    () => load.optimize().OPTIMIZE_COMMANDS,
    [
      [['optimize', 'run'], "Prompt optimization (Tau's rollout mode, with APO) on a config file"],
      [['optimize', 'resume'], 'Continue an interrupted prompt-optimization run'],
      [['optimize', 'status'], 'Show a prompt-optimization store: runs, counters, workers, resources'],
      [['optimize', 'dashboard'], "Serve Tau's prompt-optimization dashboard on 127.0.0.1"],
      [['optimize', 'worker'], 'Rollout workers for runs on a shared store (PostgreSQL), until SIGTERM'],
    ],
  ),
  ...rows(
    () => load.runs().RUNS_COMMANDS,
    [
      [['runs', 'list'], 'Stored runs of every kind (tune, scale, optimize)'],
      [['runs', 'show'], "One run's status, scores, cost and best prompt"],
      [['runs', 'save-best'], "Save a run's best prompt so far to the library"],
    ],
  ),
  ...rows(
    () => load.cache().CACHE_COMMANDS,
    [
      [['cache', 'stats'], 'Show the response cache: entries per model, their age and size'],
      [['cache', 'clear'], 'Remove response cache entries (all, or --older-than DAYS)'],
    ],
  ),
];
