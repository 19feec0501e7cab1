// `prompt-tuner eval`: one prompt on a suite, on one or more models, scored as BFCL does.
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import type * as LibraryRepositoryModule from '../../core/library/libraryRepository';
import { createCliGateway } from '../../core/models/cliGateway';
import { ModelError, type GatewayEvent } from '../../core/models/types';
import { cacheAges, formatCost, formatEvalReport } from '../../core/suites/evalReport';
import { evaluatePrompt, summarize, type CaseResult, type EvalSummary } from '../../core/suites/evaluate';
import { loadSuite } from '../../core/suites/loadSuite';
import type { Suite } from '../../core/suites/suiteSchema';
import { numberFlag, parse, workspaceDir } from '../args';
import { EXIT, UsageError, type CliCommand, type CliIo } from '../cliTypes';
import { waitingNotes } from '../jobFollow';
import {
  checkKeys,
  checkUsdBudget,
  modelsWithoutPrice,
  readModelConfig,
  runGatewayOptions,
  TIMEOUT_S_RANGE,
} from '../keyPreflight';
import { openWorkspaceStore } from '../../core/workspaceStore';

const HELP = `Usage: prompt-tuner eval --suite FILE (--prompt-file F | --prompt TEXT | --library NAME[@V])
                         --model ID [--model ID…] [options]

Evaluates a system prompt on a tool-calling suite (*.suite.json): every case on every model,
scored per call (right tool, required parameters, no unknown parameters, types, values).

Options:
  --suite FILE           the suite to run
  --prompt-file F        the system prompt, from a file
  --prompt TEXT          the system prompt, inline
  --library NAME[@V]     the system prompt from the Prompt Library (latest version without @V)
  --model ID             provider/model, e.g. openai/gpt-4o-mini; repeat for several models
  --concurrency N        calls at a time per provider (default from .prompt-tuner/config.json, else 8)
  --repeat K             run every case K times and report pass^k beside the mean
  --no-cache             do not use the response cache
  --budget-usd X         stop starting calls once X USD would be exceeded (partial results, exit 1); refused
                         before any call when a model's price is unknown (use --budget-calls then)
  --budget-calls N       stop starting calls after N provider calls (cache hits are free; partial results, exit 1)
  --timeout-s N          seconds one request may take before it is retried, 1–600 (default: requestTimeoutSeconds
                         in .prompt-tuner/config.json, else 60)
  --json                 print one JSON object with the result
  --events               print one JSON object per line as cases finish (case_result … eval_complete | eval_error)
  --workspace DIR        the workspace whose .prompt-tuner/ store and config to use (default: current folder)
  --help                 this text

Keys come from OPENAI_API_KEY / ANTHROPIC_API_KEY; OPENAI_BASE_URL / ANTHROPIC_BASE_URL point at other servers.

Exit codes: 0 the run completed (whatever the score), 1 it failed or reached the budget (partial results
printed), 2 bad input (nothing written), 130 cancelled with Ctrl-C (partial results printed).

Examples:
  prompt-tuner eval --suite examples/travel-desk.suite.json --prompt "You are a travel assistant." --model openai/gpt-4o-mini
  prompt-tuner eval --suite travel.suite.json --library travel-desk@3 --model openai/gpt-4o-mini --model anthropic/claude-haiku-4-5 --json
`;

const OPTIONS = {
  suite: { type: 'string' },
  'prompt-file': { type: 'string' },
  prompt: { type: 'string' },
  library: { type: 'string' },
  model: { type: 'string', multiple: true },
  concurrency: { type: 'string' },
  repeat: { type: 'string' },
  'no-cache': { type: 'boolean' },
  'budget-usd': { type: 'string' },
  'budget-calls': { type: 'string' },
  'timeout-s': { type: 'string' },
  events: { type: 'boolean' },
} as const;

/** How a run ended, as `status` in --json and in the last --events line. */
type EvalStatus = 'complete' | 'budget_reached' | 'cancelled' | 'failed';

/** One case result as printed by --json and --events. */
function caseJson(r: CaseResult) {
  return {
    id: r.caseId,
    model: r.model,
    repeat: r.repeat,
    pass: r.pass,
    reason: r.reason,
    detail: r.detail,
    toolCalls: r.toolCalls,
    text: r.text,
    latencyMs: r.latencyMs,
    usage: r.usage,
    costUsd: r.costUsd,
    cached: r.cached,
    cachedAt: r.cachedAt ?? null,
  };
}

/** The --json object (and the payload of eval_complete / eval_error). */
export function evalJson(
  summary: EvalSummary,
  extra: { status: EvalStatus; suite: Suite; models: string[]; repeat: number; expected: number },
) {
  return {
    status: extra.status,
    suite: extra.suite.name,
    models: extra.models,
    repeat: extra.repeat,
    /** Results expected in all; more than cases.length when the run stopped early. */
    expectedResults: extra.expected,
    score: summary.score,
    ...(summary.passHatK !== undefined ? { passHatK: summary.passHatK } : {}),
    perModel: summary.perModel,
    cases: summary.cases.map(caseJson),
    calls: summary.calls,
    cacheHits: summary.cacheHits,
    /** How many answers came from the response cache and when the oldest and newest were made. */
    cache: cacheAges(summary.cases),
    usage: summary.usage,
    /** null when some call's price is unknown (never shown as 0); costKnownUsd is the priced part. */
    costUsd: summary.costIncomplete ? null : summary.costUsd,
    costKnownUsd: summary.costUsd,
  };
}

async function readPrompt(
  values: { 'prompt-file'?: string; prompt?: string; library?: string },
  cwd: string,
): Promise<{ from: 'file' | 'text' | 'library'; text?: string }> {
  const given = (['prompt-file', 'prompt', 'library'] as const).filter((k) => values[k] !== undefined);
  if (given.length !== 1) {
    throw new UsageError(
      given.length === 0
        ? 'give the prompt: --prompt-file F, --prompt TEXT or --library NAME[@V]'
        : `give only one of ${given.map((g) => `--${g}`).join(', ')}`,
    );
  }
  if (values.prompt !== undefined) return { from: 'text', text: values.prompt };
  if (values['prompt-file'] !== undefined) {
    const file = path.resolve(cwd, values['prompt-file']);
    try {
      return { from: 'file', text: await readFile(file, 'utf8') };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new UsageError(
        `--prompt-file: cannot read ${values['prompt-file']}: ${code === 'ENOENT' ? 'file not found' : (e as Error).message}`,
      );
    }
  }
  return { from: 'library' };
}

export async function runEval(args: string[], io: CliIo): Promise<number> {
  const { values } = parse(args, OPTIONS, false);
  if (values.json && values.events) throw new UsageError('--json and --events cannot be combined: choose one');
  if (!values.suite) throw new UsageError('--suite FILE is required');
  const models = values.model ?? [];
  if (models.length === 0) throw new UsageError('give at least one --model provider/model');
  for (const m of models) {
    if (!/^[^/\s]+\/\S+$/.test(m))
      throw new UsageError(`--model: "${m}" must be written provider/model, e.g. openai/gpt-4o-mini`);
  }
  if (new Set(models).size !== models.length) throw new UsageError('--model: the same model is given twice');
  const concurrency = numberFlag('concurrency', values.concurrency, { min: 1, max: 256, integer: true });
  const repeat = numberFlag('repeat', values.repeat, { min: 1, max: 100, integer: true }) ?? 1;
  const budgetUsd = numberFlag('budget-usd', values['budget-usd'], { min: 0 });
  const budgetCalls = numberFlag('budget-calls', values['budget-calls'], { min: 1, integer: true });
  const timeoutS = numberFlag('timeout-s', values['timeout-s'], TIMEOUT_S_RANGE);
  const workspace = workspaceDir(values.workspace, io.cwd);

  // A bad suite throws SuiteError: runCli reports it as bad input (exit 2).
  const suite: Suite = await loadSuite(path.resolve(io.cwd, values.suite), values.suite);
  const promptSource = await readPrompt(values, io.cwd);
  // Validates config.json before anything is written (the store is created on open).
  const modelConfig = readModelConfig(workspace, io);
  if (!modelConfig) return EXIT.badInput;
  // Found before the store is opened and before any call: a missing key, a USD cap that cannot count.
  if (!checkKeys(models, modelConfig, 'eval', io)) return EXIT.badInput;
  if (budgetUsd !== undefined && !(await checkUsdBudget(models, modelConfig, 'eval', io))) return EXIT.badInput;
  const human = !values.json && !values.events;
  const waiting = waitingNotes(io, { machine: !human });

  const store = await openWorkspaceStore({
    dir: path.join(workspace, '.prompt-tuner'),
    onNotice: (m) => io.err(`notice: ${m}\n`),
  });
  try {
    let prompt = promptSource.text ?? '';
    if (promptSource.from === 'library') {
      // Loaded only for --library: the library's modules are a tenth of the command's start-up.
      const { LibraryRepository, parseVersionRef } =
        require('../../core/library/libraryRepository') as typeof LibraryRepositoryModule;
      let ref: ReturnType<typeof parseVersionRef>;
      try {
        ref = parseVersionRef(values.library ?? '');
      } catch (e) {
        throw new UsageError(`--library: ${(e as Error).message}`);
      }
      const version = new LibraryRepository(store).resolve(ref);
      if (!version)
        throw new UsageError(`--library: no prompt version "${values.library ?? ''}" in the library at ${store.dir}`);
      prompt = version.text;
    }
    const gateway = waiting.track(
      createCliGateway(
        runGatewayOptions(io, workspace, store, modelConfig, {
          concurrency,
          budgetUsd,
          budgetCalls,
          timeoutS,
          noCache: values['no-cache'],
        }),
      ),
    );
    const known = gateway.providerIds();
    for (const m of models) {
      const provider = m.slice(0, m.indexOf('/'));
      if (!known.includes(provider))
        throw new UsageError(
          `--model: unknown provider "${provider}" in ${m} (known: ${known.join(', ')}; endpoints come from .prompt-tuner/config.json)`,
        );
    }

    const out = waiting.io;
    const emit = (o: Record<string, unknown>) => io.out(`${JSON.stringify(o)}\n`);
    const expected = suite.cases.length * models.length * repeat;
    const results: CaseResult[] = [];
    let lastThrottleNote = 0;
    const stopEvents = gateway.onEvent((e: GatewayEvent) => {
      waiting.onGatewayEvent(e);
      if (values.events) emit({ ...e });
      // Human mode: say why it is slow when a provider throttles (at most every 2 s, on stderr).
      else if (
        !values.json &&
        e.type === 'throttle' &&
        e.retryInMs !== undefined &&
        Date.now() - lastThrottleNote > 2000
      ) {
        lastThrottleNote = Date.now();
        out.err(
          `  (throttled by ${e.provider}${e.status ? ` (${e.status})` : ''}: ${e.active} running, ${e.queued} queued, retrying in ${(e.retryInMs / 1000).toFixed(1)}s)\n`,
        );
      }
    });
    if (values.events)
      emit({
        type: 'eval_start',
        suite: suite.name,
        cases: suite.cases.length,
        models,
        repeat,
        expectedResults: expected,
      });

    const finish = async (given: EvalSummary, status: EvalStatus, error?: ModelError | Error): Promise<number> => {
      // A model without a price makes the cost unknown, even when every answer came from the cache or none came.
      const summary =
        !given.costIncomplete && (await modelsWithoutPrice(models, modelConfig)).length > 0
          ? { ...given, costIncomplete: true }
          : given;
      const json = evalJson(summary, { status, suite, models, repeat, expected });
      if (values.events) {
        if (status === 'complete') emit({ type: 'eval_complete', ...json });
        else
          emit({
            type: 'eval_error',
            kind: error instanceof ModelError ? error.kind : 'internal',
            message: error?.message ?? status,
            ...json,
          });
      } else if (values.json) {
        io.out(
          `${JSON.stringify({ ...json, ...(error ? { error: { kind: error instanceof ModelError ? error.kind : 'internal', message: error.message } } : {}) }, null, 2)}\n`,
        );
      } else {
        io.out(
          formatEvalReport(summary, {
            suiteName: suite.name,
            caseIds: suite.cases.map((c) => c.id),
            models,
            repeat,
            expectedResults: expected,
          }),
        );
      }
      if (status === 'budget_reached') {
        const spent = [
          budgetUsd !== undefined
            ? `spent ${formatCost(summary.costUsd, summary.costIncomplete)} of $${String(budgetUsd)}`
            : '',
          budgetCalls !== undefined ? `${summary.calls} of ${budgetCalls} calls made` : '',
        ].filter(Boolean);
        io.err(
          `Budget reached: ${spent.join(', ')}; stopped with ${summary.cases.length} of ${expected} results (partial).\n`,
        );
        return EXIT.failed;
      }
      if (status === 'cancelled') {
        io.err(`Cancelled: ${summary.cases.length} of ${expected} results (partial).\n`);
        return EXIT.cancelled;
      }
      if (status === 'failed') {
        io.err(`prompt-tuner eval: ${error?.message ?? 'failed'}\n`);
        return error instanceof ModelError && error.kind === 'config' ? EXIT.badInput : EXIT.failed;
      }
      return EXIT.ok;
    };

    try {
      const summary = await evaluatePrompt({
        suite,
        prompt,
        models,
        gateway,
        repeat,
        cache: !values['no-cache'],
        signal: io.signal,
        onResult: (r) => {
          results.push(r);
          if (values.events) emit({ type: 'case_result', ...caseJson(r) });
        },
      });
      return await finish(summary, 'complete');
    } catch (e) {
      const partial = summarize(
        results,
        models,
        suite.cases.map((c) => c.id),
        repeat,
      );
      const error = e instanceof Error ? e : new Error(String(e));
      const status: EvalStatus = io.signal.aborted
        ? 'cancelled'
        : e instanceof ModelError && e.kind === 'budget'
          ? 'budget_reached'
          : 'failed';
      return await finish(partial, status, error);
    } finally {
      stopEvents();
      waiting.stop();
      // Cancelled calls settle quickly; the cache writes of finished ones must land before the store closes.
      await gateway.onIdle();
    }
  } finally {
    await store.close();
  }
}

export const evalCommand: CliCommand = {
  path: ['eval'],
  summary: 'Evaluate a system prompt on a tool-calling suite',
  help: HELP,
  run: runEval,
};
