// `prompt-tuner tune`: Quick or Evolutionary prompt tuning on a suite, the timeline as it goes, the best prompt at the end.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { LibraryRepository, parseVersionRef } from '../../core/library/libraryRepository';
import { createCliGateway, type CliGatewayOptions } from '../../core/models/cliGateway';
import type { ModelConfig } from '../../core/models/modelConfig';
import type { Gateway } from '../../core/models/gateway';
import { type Store } from '../../core/store/store';
import { formatCost } from '../../core/suites/evalReport';
import { loadSuite } from '../../core/suites/loadSuite';
import type { Suite } from '../../core/suites/suiteSchema';
import { parseTuneConfig, TUNE_LIMITS, TuneConfigError, type TuneConfig } from '../../core/tuning/config';
import { startTuning, type TuneJob } from '../../core/tuning/engine';
import { estimateTune, formatEstimate } from '../../core/tuning/estimate';
import { formatLineDiff, lineDiff } from '../../core/tuning/lineDiff';
import type { ModelScore, TuneEvent, TuneRunSnapshot } from '../../core/tuning/types';
import { assertKnownProviders, numberFlag, parse, workspaceDir } from '../args';
import { EXIT, UsageError, type CliCommand, type CliIo } from '../cliTypes';
import { cancelledText, finalExitCode, followJob, throttleNotes, waitingNotes, type WaitingNotes } from '../jobFollow';
import {
  checkKeys,
  checkUsdBudget,
  concurrencyOf,
  modelsWithoutPrice,
  readModelConfig,
  runGatewayOptions,
  TIMEOUT_S_RANGE,
} from '../keyPreflight';
import { openWorkspaceStore } from '../../core/workspaceStore';
import { cancelledHints, runTuneResume } from './tuneResume';

/** The base prompt when none is given. */
export const DEFAULT_BASE_PROMPT = 'You are a helpful assistant. Use the available tools to answer the user.';

const L = TUNE_LIMITS;
const HELP = `Usage: prompt-tuner tune --suite FILE --mode quick|evolutionary --meta-model ID --model ID [--model ID…]
                         [--base-prompt-file F | --base-prompt TEXT | --base-library NAME[@V]] [options]

Makes a system prompt better on a tool-calling suite (*.suite.json). The meta model writes new prompts;
every prompt is evaluated on every case × target model; the best one is saved to the Prompt Library
(source "tuned"): as a new version of the base prompt when it came from --base-library, else as
"<suite name> (tuned)".

  quick         the meta model writes population − 1 variants of the base prompt, each with a different
                strategy; the base and every variant are evaluated once
  evolutionary  generation 1 as quick; then the top ⌈population × selection ratio⌉ survive unchanged
                (their scores carry over) and the meta model fills the population with children:
                reflective mutations guided by the parent's failing cases, and crossovers of two survivors

Options:
  --suite FILE              the suite to tune on
  --mode MODE               quick or evolutionary
  --meta-model ID           the model that writes and mutates prompts (provider/model)
  --model ID                a target model the prompts are evaluated on; repeat for several
  --base-prompt-file F      the prompt to start from, from a file
  --base-prompt TEXT        the prompt to start from, inline
  --base-library NAME[@V]   the prompt to start from, from the Prompt Library (latest without @V)
                            (default: "${DEFAULT_BASE_PROMPT}")
  --population N            prompts per generation, ${L.population.min}–${L.population.max} (default ${L.population.default})
  --generations N           generations, ${L.generations.min}–${L.generations.max} (evolutionary only; default ${L.generations.default})
  --selection-ratio R       share that survives each generation, ${L.selectionRatio.min}–${L.selectionRatio.max} (evolutionary only; default ${L.selectionRatio.default})
  --validation-split F      share of cases held out, ${L.validationSplit.min}–${L.validationSplit.max}: selection uses the rest, the
                            validation score is reported beside it (default 0)
  --concurrency N           calls at a time per provider (default from .prompt-tuner/config.json, else 8)
  --budget-usd X            stop starting calls once X USD would be exceeded (partial results, exit 1); refused
                            before any call when a model's price is unknown (use --budget-calls then)
  --budget-calls N          stop starting calls after N provider calls (cache hits are free; partial results, exit 1)
  --timeout-s N             seconds one request may take before it is retried, 1–600 (default: requestTimeoutSeconds
                            in .prompt-tuner/config.json, else 60)
  --no-cache                do not use the response cache for evaluations (meta calls never use it)
  --resume RUN_ID           go on with a cancelled, failed or interrupted run from what is stored (its own settings)
  --estimate                print the number of API calls and the time it would take, then stop
  --json                    print one JSON object with the result (with --estimate: { calls, seconds, warning })
  --events                  print one JSON object per line per event, ending with tune_complete,
                            tune_error or tune_cancelled
  --workspace DIR           the workspace whose .prompt-tuner/ store and config to use (default: current folder)
  --help                    this text

Keys come from OPENAI_API_KEY / ANTHROPIC_API_KEY; OPENAI_BASE_URL / ANTHROPIC_BASE_URL point at other servers.

Exit codes: 0 the run completed, 1 it failed or reached the budget (partial results kept), 2 bad input
(nothing written), 130 cancelled with Ctrl-C (partial results kept in the store).

Examples:
  prompt-tuner tune --suite examples/travel-desk.suite.json --mode quick --meta-model openai/gpt-4o --model openai/gpt-4o-mini --estimate
  prompt-tuner tune --suite examples/travel-desk.suite.json --mode evolutionary --meta-model anthropic/claude-sonnet-4-5 \\
      --model openai/gpt-4o-mini --model anthropic/claude-haiku-4-5 --base-library travel-desk --population 8 --generations 4
`;

const OPTIONS = {
  suite: { type: 'string' },
  mode: { type: 'string' },
  'meta-model': { type: 'string' },
  model: { type: 'string', multiple: true },
  'base-prompt-file': { type: 'string' },
  'base-prompt': { type: 'string' },
  'base-library': { type: 'string' },
  population: { type: 'string' },
  generations: { type: 'string' },
  'selection-ratio': { type: 'string' },
  'validation-split': { type: 'string' },
  concurrency: { type: 'string' },
  'budget-usd': { type: 'string' },
  'budget-calls': { type: 'string' },
  'timeout-s': { type: 'string' },
  'no-cache': { type: 'boolean' },
  estimate: { type: 'boolean' },
  events: { type: 'boolean' },
  resume: { type: 'string' },
} as const;

/** Config fields as the flags that set them, for messages that name the flag. */
const FLAG_OF: Record<string, string> = {
  suiteFile: '--suite',
  mode: '--mode',
  metaModel: '--meta-model',
  targetModels: '--model',
  basePrompt: '--base-prompt',
  population: '--population',
  generations: '--generations',
  selectionRatio: '--selection-ratio',
  validationSplit: '--validation-split',
  budgetUsd: '--budget-usd',
  concurrency: '--concurrency',
};

function toUsage(e: TuneConfigError): UsageError {
  const top = e.field.split('.')[0]!;
  const flag = FLAG_OF[top] ?? top;
  return new UsageError(e.message.replace(new RegExp(`^${top}(\\.\\d+)?:`), `${flag}:`));
}

const pct = (x: number | null | undefined) =>
  x === null || x === undefined ? '—' : `${(Math.round(x * 1000) / 10).toFixed(1)}%`;
const perModelText = (pm: ModelScore[]) => pm.map((m) => `${m.model} ${pct(m.score)}`).join(' | ');
const oneLine = (t: string, n = 70) => {
  const s = t.replace(/\s+/g, ' ').trim();
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
};

/** Human timeline lines for one event ('' for events it does not show). */
export function timelineLine(e: TuneEvent, s: TuneRunSnapshot): string {
  switch (e.type) {
    case 'tune_start':
      return `Tuning "${s.suite.name}" (${e.mode}, population ${e.population}${e.mode === 'evolutionary' ? `, ${e.generations} generations` : ''})\n  meta model ${e.metaModel}; target${e.targetModels.length > 1 ? 's' : ''} ${e.targetModels.join(', ')}\n  ${e.callsPlanned} API calls planned${e.validationCaseIds?.length ? `; ${e.validationCaseIds.length} cases held out for validation` : ''}\n`;
    case 'generation_start':
      return `\nGeneration ${e.generation}/${s.generationsPlanned}\n`;
    case 'prompt_generated':
      if (e.origin !== 'survivor') return '';
      return `  ${e.promptId.padEnd(7)} ${pct(e.score).padStart(6)}  survivor of ${e.parentIds.join(', ')} (score carried over, not re-evaluated)\n`;
    case 'prompt_eval_result': {
      const c = s.generations.find((g) => g.number === e.generation)?.candidates.find((x) => x.id === e.promptId);
      const how = c ? (c.origin === 'base' ? 'base prompt' : `${c.origin}${c.note ? `: ${c.note}` : ''}`) : '';
      const val = e.validationScore !== null ? `  validation ${pct(e.validationScore)}` : '';
      const models = e.perModel.length > 1 ? `  [${perModelText(e.perModel)}]` : '';
      return `  ${e.promptId.padEnd(7)} ${pct(e.score).padStart(6)}${val}${models}  ${oneLine(how, 90)}\n`;
    }
    case 'prompt_retry':
      return `  ${e.promptId.padEnd(7)}  retry  ${e.note}\n`;
    case 'prompt_skipped':
      return `  ${e.promptId.padEnd(7)}   skip  ${e.note}\n`;
    case 'generation_complete':
      return `  best ${pct(e.bestScore)}${e.survivorIds.length ? `; survivors → generation ${e.generation + 1}: ${e.survivorIds.join(', ')}` : ''}\n`;
    case 'tune_cancelled':
      return `\n${cancelledText(e.reason)}\n`;
    case 'tune_error':
      return `\n${e.status === 'budget_reached' ? 'Budget reached' : 'Tuning failed'}: ${e.error}\n`;
    default:
      return '';
  }
}

/** The --json result. */
export function tuneJson(s: TuneRunSnapshot, extra: { estimateCalls: number; costIncomplete: boolean }) {
  return {
    runId: s.runId,
    status: s.status,
    bestPrompt: s.best?.text ?? null,
    bestScore: s.best?.score ?? null,
    bestPromptId: s.best?.candidateId ?? null,
    bestPerModel: s.best?.perModel ?? [],
    baseScore: s.baseScore,
    validationScore: s.best?.validationScore ?? null,
    generations: s.generations.map((g) => ({
      number: g.number,
      bestScore: g.bestScore,
      complete: g.complete,
      candidates: g.candidates.map((c) => ({
        id: c.id,
        origin: c.origin,
        parentIds: c.parentIds,
        note: c.note ?? null,
        score: c.score,
        validationScore: c.validationScore ?? null,
        perModel: c.perModel,
        survived: c.survived,
        text: c.text,
      })),
    })),
    calls: s.callsDone,
    estimateCalls: extra.estimateCalls,
    /** null when some price is unknown (never shown as 0). */
    costUsd: extra.costIncomplete ? null : s.costUsd,
    costKnownUsd: s.costUsd,
    libraryVersion: s.savedVersion,
    error: s.error,
    notes: s.notes ?? [],
  };
}

export function finalReport(s: TuneRunSnapshot, estimateCalls: number, costIncomplete: boolean): string {
  const out: string[] = [''];
  if (!s.best) {
    out.push('No prompt was scored.');
    return `${out.join('\n')}\n`;
  }
  const delta =
    s.baseScore !== null
      ? ` (base ${pct(s.baseScore)}, ${s.best.score >= s.baseScore ? '+' : ''}${(Math.round((s.best.score - s.baseScore) * 1000) / 10).toFixed(1)} points)`
      : '';
  const partial = s.status === 'completed' ? '' : ' so far';
  out.push(
    `Best prompt${partial}: ${s.best.candidateId} ${pct(s.best.score)}${delta}${s.best.validationScore !== null ? `, validation ${pct(s.best.validationScore)}` : ''}`,
  );
  if (s.best.perModel.length > 1) out.push(`  per model: ${perModelText(s.best.perModel)}`);
  out.push('----', s.best.text, '----');
  if (s.best.text !== s.basePrompt)
    out.push('Diff against the base prompt:', formatLineDiff(lineDiff(s.basePrompt, s.best.text)), '----');
  else out.push('The base prompt stayed the best.');
  if (s.savedVersion) out.push(`Saved to the Prompt Library as "${s.savedVersion.name}" v${s.savedVersion.version}.`);
  for (const n of s.notes ?? []) out.push(`note: ${n}`);
  out.push(
    `${s.callsDone} API calls (estimate ${estimateCalls}), cost ${formatCost(s.costUsd, costIncomplete)}. Run id ${s.runId}.`,
  );
  return `${out.join('\n')}\n`;
}

async function readBase(
  values: { 'base-prompt-file'?: string; 'base-prompt'?: string; 'base-library'?: string },
  cwd: string,
): Promise<{ text?: string; library?: string }> {
  const given = (['base-prompt-file', 'base-prompt', 'base-library'] as const).filter((k) => values[k] !== undefined);
  if (given.length > 1) throw new UsageError(`give only one of ${given.map((g) => `--${g}`).join(', ')}`);
  if (values['base-prompt'] !== undefined) return { text: values['base-prompt'] };
  if (values['base-prompt-file'] !== undefined) {
    try {
      return { text: await readFile(path.resolve(cwd, values['base-prompt-file']), 'utf8') };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new UsageError(
        `--base-prompt-file: cannot read ${values['base-prompt-file']}: ${code === 'ENOENT' ? 'file not found' : (e as Error).message}`,
      );
    }
  }
  if (values['base-library'] !== undefined) return { library: values['base-library'] };
  return { text: DEFAULT_BASE_PROMPT };
}

export async function runTune(args: string[], io: CliIo): Promise<number> {
  const { values } = parse(args, OPTIONS, false);
  if (values.json && values.events) throw new UsageError('--json and --events cannot be combined: choose one');
  if (values.resume !== undefined) return runTuneResume(values, io);
  if (!values.suite) throw new UsageError('--suite FILE is required');
  if (!values.mode) throw new UsageError('--mode is required: quick or evolutionary');
  if (!values['meta-model']) throw new UsageError('--meta-model ID is required (the model that writes the prompts)');
  const models = values.model ?? [];
  if (models.length === 0) throw new UsageError('--model: give at least one target model (provider/model)');
  const num = (flag: string, v: string | undefined, lim: { min: number; max: number }, integer: boolean) =>
    numberFlag(flag, v, { ...lim, integer });
  const population = num('population', values.population, L.population, true);
  const generations = num('generations', values.generations, L.generations, true);
  const selectionRatio = num('selection-ratio', values['selection-ratio'], L.selectionRatio, false);
  const validationSplit = num('validation-split', values['validation-split'], L.validationSplit, false);
  const concurrency = num('concurrency', values.concurrency, L.concurrency, true);
  const budgetUsd = numberFlag('budget-usd', values['budget-usd'], { min: 0 });
  if (budgetUsd === 0) throw new UsageError('--budget-usd: must be above 0');
  const budgetCalls = numberFlag('budget-calls', values['budget-calls'], { min: 1, integer: true });
  const timeoutS = numberFlag('timeout-s', values['timeout-s'], TIMEOUT_S_RANGE);
  const workspace = workspaceDir(values.workspace, io.cwd);
  const base = await readBase(values, io.cwd);
  if (values.mode === 'quick') {
    const ignored = (['generations', 'selection-ratio'] as const).filter((k) => values[k] !== undefined);
    if (ignored.length > 0)
      io.err(
        `warning: ${ignored.map((k) => `--${k}`).join(' and ')} ${ignored.length > 1 ? 'do' : 'does'} not apply to --mode quick (one generation, no selection); ignored\n`,
      );
  }

  const draft = {
    suiteFile: values.suite,
    mode: values.mode,
    metaModel: values['meta-model'],
    targetModels: models,
    basePrompt: base.text ?? 'from the library',
    ...(population !== undefined ? { population } : {}),
    ...(generations !== undefined ? { generations } : {}),
    ...(selectionRatio !== undefined ? { selectionRatio } : {}),
    ...(validationSplit !== undefined ? { validationSplit } : {}),
    ...(concurrency !== undefined ? { concurrency } : {}),
    ...(budgetUsd !== undefined ? { budgetUsd } : {}),
    ...(values['no-cache'] ? { noCache: true } : {}),
  };
  let config: TuneConfig;
  try {
    config = parseTuneConfig(draft);
  } catch (e) {
    if (e instanceof TuneConfigError) throw toUsage(e);
    throw e;
  }

  // A bad suite throws SuiteError: runCli reports it as bad input (exit 2).
  const suite: Suite = await loadSuite(path.resolve(io.cwd, values.suite), values.suite);
  const modelConfig = readModelConfig(workspace, io);
  if (!modelConfig) return EXIT.badInput;
  const runModels = [config.metaModel, ...config.targetModels];
  // Found before the store is opened and before any call: a missing key, a USD cap that cannot count.
  if (!values.estimate && !checkKeys(runModels, modelConfig, 'tune', io)) return EXIT.badInput;
  if (budgetUsd !== undefined && !(await checkUsdBudget(runModels, modelConfig, 'tune', io))) return EXIT.badInput;
  const storeDir = path.join(workspace, '.prompt-tuner');
  const gatewayOptions = (store?: Store): CliGatewayOptions =>
    runGatewayOptions(io, workspace, store, modelConfig, {
      concurrency,
      budgetUsd,
      budgetCalls,
      timeoutS,
      noCache: values['no-cache'],
    });
  const concurrencyFor = concurrencyOf(modelConfig, concurrency);
  // The estimate with the latencies the gateway measured (of the config as it is when printed).
  const printEstimateWith = (gateway: Gateway) =>
    printEstimate(config, suite, (m) => gateway.measuredLatencyMs(m), concurrencyFor, Boolean(values.json), io);

  if (values.estimate && !base.library) {
    // Nothing is written for an estimate: read measured latencies only when a store already exists.
    const store = existsSync(storeDir)
      ? await openWorkspaceStore({ dir: storeDir, onNotice: (m) => io.err(`notice: ${m}\n`) })
      : undefined;
    try {
      const gateway = createCliGateway(gatewayOptions(store));
      return printEstimateWith(gateway);
    } finally {
      await store?.close();
    }
  }

  const store = await openWorkspaceStore({ dir: storeDir, onNotice: (m) => io.err(`notice: ${m}\n`) });
  try {
    const library = new LibraryRepository(store);
    let baseName: string | undefined;
    if (base.library !== undefined) {
      let ref: ReturnType<typeof parseVersionRef>;
      try {
        ref = parseVersionRef(base.library);
      } catch (e) {
        throw new UsageError(`--base-library: ${(e as Error).message}`);
      }
      const version = library.resolve(ref);
      if (!version)
        throw new UsageError(`--base-library: no prompt version "${base.library}" in the library at ${store.dir}`);
      config = { ...config, basePrompt: version.text, baseVersionId: version.id };
      baseName = version.promptName;
    }
    const human = !values.json && !values.events;
    const waiting = waitingNotes(io, { machine: !human });
    const gateway = waiting.track(createCliGateway(gatewayOptions(store)));
    assertKnownProviders(
      [['--meta-model', config.metaModel], ...config.targetModels.map((t): [string, string] => ['--model', t])],
      gateway.providerIds(),
    );
    if (values.estimate) {
      waiting.stop();
      return printEstimateWith(gateway);
    }

    // A base prompt from the library gets its tuned successor as a new version of the same prompt (as in the editor).
    const saveAs = baseName ?? `${suite.name} (tuned)`;
    const job = startTuning(config, { suite, gateway, store, library, saveAs });
    // The engine's estimate assumes the gateway's default concurrency; this one what config.json sets.
    const estimate = estimateTune(config, suite.cases.length, (m) => gateway.measuredLatencyMs(m), concurrencyFor);
    const final = await followTuneJob(
      job,
      gateway,
      waiting,
      {
        events: values.events,
        human,
        tuneStart: (line) => [line, `  estimate: ${formatEstimate(estimate)}\n`],
      },
      io,
    );
    return await reportTuneEnd(
      final,
      job.estimate.calls,
      { gateway, runModels, modelConfig, json: values.json, human },
      io,
    );
  } finally {
    await store.close();
  }
}

/**
 * Follows a tuning job (tune and tune --resume) to its end: with --events every event as a JSON line, in the
 * human mode its timeline (what the tune_start event prints is `tuneStart`'s lines), throttle notes, and the
 * gateway's waiting and timeout notes; then waits for the gateway's calls to settle.
 */
export async function followTuneJob(
  job: TuneJob,
  gateway: Pick<Gateway, 'onEvent' | 'onIdle'>,
  waiting: WaitingNotes,
  opts: {
    events: boolean | undefined;
    human: boolean;
    /** The lines the tune_start event prints, given its timeline line; empty ones are left out. */
    tuneStart: (timeline: string) => string[];
  },
  io: CliIo,
): Promise<TuneRunSnapshot> {
  const out = waiting.io;
  const throttled = throttleNotes(out);
  const stopTimeouts = gateway.onEvent((e) => waiting.onGatewayEvent(e));
  try {
    return await followJob(job, out, (e) => {
      if (opts.events) {
        io.out(`${JSON.stringify(e)}\n`);
        return;
      }
      if (!opts.human) return;
      const line = timelineLine(e, job.snapshot());
      if (e.type === 'tune_start') {
        for (const l of opts.tuneStart(line)) if (l) out.out(l);
        return;
      }
      if (line) out.out(line);
      if (e.type === 'throttle') throttled(e);
    });
  } finally {
    stopTimeouts();
    waiting.stop();
    // Cancelled calls settle quickly; the cache writes of finished ones must land before the store closes.
    await gateway.onIdle();
  }
}

/**
 * The end of a followed tuning run (tune and tune --resume): the JSON or human report against the calls
 * planned, and the exit code with what to do next.
 */
export async function reportTuneEnd(
  final: TuneRunSnapshot,
  plannedCalls: number,
  run: {
    gateway: Pick<Gateway, 'stats'>;
    runModels: string[];
    modelConfig: ModelConfig;
    json: boolean | undefined;
    human: boolean;
  },
  io: CliIo,
): Promise<number> {
  // A model without a price makes the cost unknown, even when every answer came from the cache or none came.
  const costIncomplete =
    run.gateway.stats().costIncomplete || (await modelsWithoutPrice(run.runModels, run.modelConfig)).length > 0;
  if (run.json)
    io.out(`${JSON.stringify(tuneJson(final, { estimateCalls: plannedCalls, costIncomplete }), null, 2)}\n`);
  if (run.human) io.out(finalReport(final, plannedCalls, costIncomplete));
  return finalExitCode(final.status, io, {
    cancelled: `Cancelled: partial results kept (run ${final.runId}).\n${cancelledHints(final.runId)}`,
    budgetReached: `Budget reached: ${final.error ?? ''}; partial results kept (run ${final.runId}).\n`,
    failed: `prompt-tuner tune: tuning failed: ${final.error ?? 'unknown error'}\n`,
  });
}

function printEstimate(
  config: TuneConfig,
  suite: Suite,
  latency: (m: string) => number | undefined,
  concurrencyFor: (m: string) => number | undefined,
  json: boolean,
  io: CliIo,
): number {
  const e = estimateTune(config, suite.cases.length, latency, concurrencyFor);
  if (json) {
    io.out(
      `${JSON.stringify({ calls: e.calls, seconds: e.seconds, warning: e.warning, metaCalls: e.metaCalls, evalCalls: e.evalCalls, assumedDefaultLatency: e.assumedDefaultLatency, concurrency: e.concurrency, latencies: e.latencies })}\n`,
    );
  } else {
    io.out(
      `${formatEstimate(e)}\n  ${e.metaCalls} meta-model calls + ${e.evalCalls} evaluations (${e.candidatesEvaluated} prompts × ${suite.cases.length} cases × ${config.targetModels.length} model${config.targetModels.length > 1 ? 's' : ''})\n`,
    );
    if (e.warning) io.out(`warning: ${e.warning}\n`);
  }
  return EXIT.ok;
}

export const tuneCommand: CliCommand = {
  path: ['tune'],
  summary: 'Tune a system prompt on a suite (quick or evolutionary)',
  help: HELP,
  run: runTune,
};
