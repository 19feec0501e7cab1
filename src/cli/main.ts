// `prompt-tuner`: the same engine as the extension, without VS Code.
import { COMMANDS, type CommandEntry } from './commandTable';
import { EXIT, UsageError, type CliIo } from './cliTypes';
import { flushAllStores, storeCommitCount } from '../core/store/groupCommit';
import { rewriteTauFlags } from './tauFlags';
import type * as LoadAgentModule from '../core/agents/loadAgent';
import type * as ModelConfigModule from '../core/models/modelConfig';
import type * as LoadSuiteModule from '../core/suites/loadSuite';

// Lazy: loaded when a command failed, by which time the command has loaded these modules itself; at start-up they would cost every command their zod schemas.
function inputErrors() {
  return {
    SuiteError: (require('../core/suites/loadSuite') as typeof LoadSuiteModule).SuiteError,
    AgentError: (require('../core/agents/loadAgent') as typeof LoadAgentModule).AgentError,
    ModelConfigError: (require('../core/models/modelConfig') as typeof ModelConfigModule).ModelConfigError,
  };
}

const VERSION = '0.1.0';

function topHelp(): string {
  const rows = COMMANDS.map((c) => `  ${c.path.join(' ').padEnd(20)} ${c.summary}`).join('\n');
  return `prompt-tuner ${VERSION}: make system prompts better by measurement

Usage: prompt-tuner <command> [options]

Commands:
${rows}

Every command takes --workspace DIR (default: the current folder) and --help.
Tau's command line works too: prompt-tuner --model ID --prompt-optimization-config F
  [--prompt-optimization-store-sqlite P] [--prompt-optimization-json] is prompt-tuner optimize run.
Exit codes: 0 done, 1 failed, 2 bad input (nothing written), 130 cancelled.
`;
}

function groupHelp(group: string): string {
  const rows = COMMANDS.filter((c) => c.path[0] === group)
    .map((c) => `  ${c.path.join(' ').padEnd(20)} ${c.summary}`)
    .join('\n');
  return `Usage: prompt-tuner ${group} <command> [options]\n\nCommands:\n${rows}\n\nRun prompt-tuner ${group} <command> --help for its options.\n`;
}

/** Longest command path that prefixes argv. */
function findCommand(argv: string[]): { command: CommandEntry; rest: string[] } | undefined {
  let found: { command: CommandEntry; rest: string[] } | undefined;
  for (const c of COMMANDS) {
    if (c.path.every((w, i) => argv[i] === w) && (!found || c.path.length > found.command.path.length)) {
      found = { command: c, rest: argv.slice(c.path.length) };
    }
  }
  return found;
}

export async function runCli(givenArgv: string[], io: CliIo): Promise<number> {
  let argv: string[];
  try {
    const tau = rewriteTauFlags(givenArgv);
    for (const line of tau.deprecations) io.err(`${line}\n`);
    argv = tau.argv;
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.err(`prompt-tuner: ${e.message}\nRun prompt-tuner optimize run --help for usage.\n`);
    return EXIT.badInput;
  }
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    io.out(topHelp());
    return argv.length === 0 ? EXIT.badInput : EXIT.ok;
  }
  if (argv[0] === '--version' || argv[0] === '-v') {
    io.out(`${VERSION}\n`);
    return EXIT.ok;
  }
  const found = findCommand(argv);
  if (!found) {
    const isGroup = COMMANDS.some((c) => c.path[0] === argv[0]);
    if (isGroup) {
      const asksHelp = argv[1] === undefined || argv[1] === '--help' || argv[1] === '-h';
      io[asksHelp && argv[1] ? 'out' : 'err'](groupHelp(argv[0]!));
      if (!asksHelp) io.err(`Unknown command: ${argv.slice(0, 2).join(' ')}\n`);
      return asksHelp && argv[1] ? EXIT.ok : EXIT.badInput;
    }
    io.err(`Unknown command: ${argv[0]}\n\n${topHelp()}`);
    return EXIT.badInput;
  }
  const command = found.command.load();
  if (found.rest.includes('--help') || found.rest.includes('-h')) {
    io.out(command.help.endsWith('\n') ? command.help : `${command.help}\n`);
    return EXIT.ok;
  }
  try {
    return await command.run(found.rest, io);
  } catch (e) {
    const { SuiteError, AgentError, ModelConfigError } = inputErrors();
    // A suite's or an agent file's errors name the file and the JSON path themselves, one line each.
    if (e instanceof SuiteError || e instanceof AgentError) {
      io.err(`${e.message}\n`);
      return EXIT.badInput;
    }
    // A bad config.json is bad input too: exit 2, nothing was written.
    if (e instanceof UsageError || e instanceof ModelConfigError) {
      io.err(`prompt-tuner ${found.command.path.join(' ')}: ${e.message}\nRun with --help for usage.\n`);
      return EXIT.badInput;
    }
    if (io.signal.aborted) {
      io.err('Cancelled.\n');
      return EXIT.cancelled;
    }
    io.err(`prompt-tuner ${found.command.path.join(' ')}: ${(e as Error).message}\n`);
    return EXIT.failed;
  }
}

/** Runs the CLI on this process's arguments and exits with its code. Called by the bin (dist/cli.js). */
export function startCli(): void {
  // Ctrl-C and SIGTERM (a service manager, CI, `kill`) cancel alike: the command's signal aborts and it winds
  // down (an `optimize worker` finishes its attempts in flight); a second signal of either kind quits at once.
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (name: 'SIGINT' | 'SIGTERM') => {
    interrupts += 1;
    if (interrupts > 1) {
      // Quitting without waiting for the stores to close: the answers already paid for still reach the cache.
      flushAllStores();
      process.exit(EXIT.cancelled);
    }
    process.stderr.write(
      name === 'SIGINT'
        ? '\nCancelling… (Ctrl-C again to quit at once)\n'
        : '\nCancelling on SIGTERM… (a second signal quits at once)\n',
    );
    controller.abort(new Error(name === 'SIGINT' ? 'Cancelled by Ctrl-C' : 'Cancelled by SIGTERM'));
  };
  // For benchmarks of the hot path: how many durable store commits (fdatasync) the run made, and its CPU time.
  if (process.env.PROMPT_TUNER_REPORT_COMMITS === '1')
    process.on('exit', () => {
      const cpu = process.cpuUsage();
      process.stderr.write(
        `store commits: ${storeCommitCount()}; cpu: ${Math.round((cpu.user + cpu.system) / 1000)} ms\n`,
      );
    });
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  runCli(process.argv.slice(2), {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    cwd: process.cwd(),
    env: process.env,
    signal: controller.signal,
  }).then(
    (code) => {
      process.exitCode = code;
      exitWhenWritten();
    },
    (e: unknown) => {
      process.stderr.write(`prompt-tuner: ${(e as Error).stack ?? String(e)}\n`);
      process.exitCode = EXIT.failed;
      exitWhenWritten();
    },
  );
}

// Run directly (tsx src/cli/main.ts, as the tests do) it starts itself.
if (require.main === module) startCli();

/**
 * Exits once stdout and stderr have taken everything written. The command is done (its stores are closed, its calls
 * settled), but Node 20's fetch keeps the event loop alive for about 0.1 s after the last answer: without this every
 * command that called a model would wait that long for nothing.
 */
function exitWhenWritten(): void {
  let open = 2;
  const written = () => {
    open -= 1;
    if (open === 0) process.exit();
  };
  process.stdout.write('', written);
  process.stderr.write('', written);
}
