// `prompt-tuner scale`: N conversations of an agent with a simulated user, graded and summarised into a
// revised prompt (optionally verified), with a budget preflight, idempotent starts and resume.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { AgentError, loadAgent } from '../../core/agents/loadAgent';
import type { Agent } from '../../core/agents/agentSchema';
import { createCliGateway } from '../../core/models/cliGateway';
import type { Gateway } from '../../core/models/gateway';
import { loadModelConfig, type ModelConfig } from '../../core/models/modelConfig';
import { createPriceBook } from '../../core/models/prices';
import { parseScaleConfig, SCALE_LIMITS, ScaleConfigError } from '../../core/scale/config';
import { resumeScaleRun, startScaleRun, type ScaleJob } from '../../core/scale/engine';
import { defaultPriceProviderOf, estimateScale, formatScaleEstimate } from '../../core/scale/estimate';
import { ScaleRunsRepository } from '../../core/scale/runsRepository';
import type { ScaleConfig, ScaleEstimate, ScaleReport, ScaleRunSnapshot, RunStatus } from '../../core/scale/types';
import type { Store } from '../../core/store/store';
import { openWorkspaceStore } from '../../core/workspaceStore';
import { numberFlag, parse, workspaceDir } from '../args';
import { EXIT, UsageError, type CliCommand, type CliIo } from '../cliTypes';
import { messageWithFlag, missingKeys, promptChoice, resolvePrompt } from './scale/scalePreflight';
import { followScaleJob } from './scale/scaleFollow';
import { resumeHint, scaleListCommand, scaleShowCommand } from './scale/scaleRuns';
import { reportText } from './scale/scaleText';

const L = SCALE_LIMITS;
/** Launch stagger for tests ("0" or "MIN,MAX" in ms); read by the CLI only. */
const STAGGER_ENV = 'PROMPT_TUNER_SCALE_STAGGER_MS';

const HELP = `Usage: prompt-tuner scale --agent FILE --model ID [options]
       prompt-tuner scale --resume RUN_ID [--yes] [--json | --events]
       prompt-tuner scale list | show RUN_ID

Scale-tests an agent (*.agent.json): N conversations between the agent model (with the agent's tools,
answered from their mocks) and a simulated user (the agent's scenarios, else --goal and --message), each
graded by the agent's assertions (or the built-in checks) as pass, fail or unscored; then a summarizer
writes the failure modes, hallucinations, goal failures and character inconsistencies, citing
conversations and turns, and a revised prompt with its rationale. Everything is stored as it happens
in .prompt-tuner/, so an interrupted run can be resumed.

Options:
  --agent FILE                 the agent file
  --model ID                   the agent model (provider/model)
  --user-model ID              the simulated user (default: --model)
  --judge-model ID             grades llm-rubric assertions (default: --model)
  --summarizer-model ID        writes the summary and the revised prompt (default: --model)
  --system-prompt-file F       the system prompt under test, from a file
  --system-prompt TEXT         the system prompt under test, inline
  --library NAME[@V]           the system prompt under test, from the Prompt Library (latest without @V)
                               (default: the agent's systemPrompt, or its promptRef from the library)
  --goal TEXT                  the simulated user's goal when the agent has no scenarios
  --message TEXT               the first user message when the agent has no scenarios
  --runs N                     conversations, ${L.runs.min}–${L.runs.max} (default ${L.runs.default})
  --concurrency N              conversations at a time, ${L.concurrency.min}–${L.concurrency.max} (default ${L.concurrency.default})
  --max-budget-usd X           total cap: no conversation or call starts that would exceed it
  --max-conversation-usd X     cap per conversation
  --yes                        start even when the estimate is over --max-budget-usd
  --seed N                     conversation i sends seed N + i (default from the engine)
  --temperature T              agent and simulated user, ${L.temperature.min}–${L.temperature.max} (default ${L.temperature.default}; judge and summarizer use 0)
  --evaluator KIND             builtin (default), promptfoo (needs promptfoo installed) or http
  --evaluator-url U            the http evaluator's base URL (POST U/eval)
  --idempotency-key K          a start with a key used before prints that run's report and makes no call
  --verify                     afterwards, run the revised prompt on the same scenarios, seeds and models
                               and report the win rate before → after
  --resume RUN_ID              run again the conversations an interrupted, failed or cancelled run did not
                               finish; the finished ones are kept
  --estimate                   print the calls, cost and time per role, then stop (nothing is written)
  --json                       print the report as one JSON object
  --events                     print one JSON object per line per event: scale_start, conversation_start,
                               turn_complete, conversation_complete, evaluation_complete, summary_complete,
                               verification_start, verification_complete, throttle, …, ending with
                               scale_complete (with the report), scale_error or scale_cancelled
  --workspace DIR              the workspace whose .prompt-tuner/ store and config to use (default: current folder)
  --help                       this text

Before any call the estimate is printed. Over --max-budget-usd without --yes, or a USD cap with a model
whose price is unknown (add it under "prices" in .prompt-tuner/config.json), exits 2 and makes no call.
Keys come from OPENAI_API_KEY / ANTHROPIC_API_KEY; OPENAI_BASE_URL / ANTHROPIC_BASE_URL point at other servers.
For tests only: ${STAGGER_ENV}=MIN,MAX (or one number) sets the launch stagger in ms (default 200–400).

Exit codes: 0 the run completed, 1 it failed or reached the budget (partial report kept), 2 bad input
(nothing written, no call made), 130 cancelled with Ctrl-C (partial results kept; resume with --resume).

Examples:
  prompt-tuner scale --agent examples/hotel.agent.json --model openai/gpt-4o-mini --runs 10 --max-budget-usd 0.50
  prompt-tuner scale --agent hotel.agent.json --model openai/gpt-4o-mini --judge-model openai/gpt-4o --verify --json
  prompt-tuner scale --resume 3f2c…   ·   prompt-tuner scale show 3f2c… --conversation c3
`;

const OPTIONS = {
  agent: { type: 'string' },
  model: { type: 'string' },
  'user-model': { type: 'string' },
  'judge-model': { type: 'string' },
  'summarizer-model': { type: 'string' },
  'system-prompt-file': { type: 'string' },
  'system-prompt': { type: 'string' },
  library: { type: 'string' },
  goal: { type: 'string' },
  message: { type: 'string' },
  runs: { type: 'string' },
  concurrency: { type: 'string' },
  'max-budget-usd': { type: 'string' },
  'max-conversation-usd': { type: 'string' },
  yes: { type: 'boolean' },
  seed: { type: 'string' },
  temperature: { type: 'string' },
  evaluator: { type: 'string' },
  'evaluator-url': { type: 'string' },
  'idempotency-key': { type: 'string' },
  verify: { type: 'boolean' },
  resume: { type: 'string' },
  estimate: { type: 'boolean' },
  events: { type: 'boolean' },
} as const;

type Values = ReturnType<typeof parse<typeof OPTIONS>>['values'];

/** Flags that describe a new run, refused with --resume (the stored config is used). */
const RUN_FLAGS = Object.keys(OPTIONS).filter((k) => !['yes', 'resume', 'events'].includes(k));

export function staggerFromEnv(env: NodeJS.ProcessEnv): [number, number] | undefined {
  const raw = env[STAGGER_ENV];
  if (raw === undefined || raw.trim() === '') return undefined;
  const parts = raw.split(',').map((p) => Number(p.trim()));
  if (parts.length > 2 || parts.some((n) => !Number.isFinite(n) || n < 0)) throw new UsageError(`${STAGGER_ENV}: expected MIN,MAX or one number of ms, got "${raw}"`);
  return [parts[0]!, parts[1] ?? parts[0]!];
}

function toUsage(e: unknown): never {
  if (e instanceof ScaleConfigError) throw new UsageError(messageWithFlag(e.message));
  throw e;
}

/** The exit code a run's final status maps to. */
export function exitCodeOf(status: RunStatus): number {
  if (status === 'cancelled') return EXIT.cancelled;
  if (status === 'failed' || status === 'budget_reached') return EXIT.failed;
  return EXIT.ok;
}

async function readAgent(file: string, workspace: string, cwd: string): Promise<Agent> {
  const abs = path.resolve(cwd, file);
  const rel = path.relative(workspace, abs);
  // Stored relative to the workspace when inside it, so `--resume` works from any folder.
  const label = rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : abs;
  return loadAgent(abs, label);
}

function checkKeysAndProviders(models: [string, string][], gateway: Gateway, io: CliIo, modelConfig: ModelConfig): boolean {
  const known = gateway.providerIds();
  for (const [flag, m] of models) {
    const slash = m.indexOf('/');
    const provider = slash > 0 ? m.slice(0, slash) : '';
    if (!known.includes(provider)) throw new UsageError(`${flag}: unknown provider "${provider}" in ${m} (known: ${known.join(', ')}; endpoints come from .prompt-tuner/config.json)`);
  }
  const missing = missingKeys(models.map(([, m]) => m), io.env, modelConfig);
  for (const k of missing) io.err(`prompt-tuner scale: no API key for ${k.provider} (${k.models.join(', ')}): set ${k.variable}\n`);
  return missing.length === 0;
}

/** The report of a run started before with the same idempotency key; no call is made. */
function printReused(runId: string, runs: ScaleRunsRepository, values: Pick<Values, 'json' | 'events'>, io: CliIo): number {
  const snapshot = runs.getSnapshot(runId);
  const report: ScaleReport | null = runs.report(runId) ?? snapshot?.report ?? null;
  const status = snapshot?.status ?? report?.status ?? 'failed';
  if (values.json) io.out(`${JSON.stringify(report ?? snapshot ?? { runId, status }, null, 2)}\n`);
  else if (values.events) io.out(`${JSON.stringify({ type: 'scale_reused', runId, at: new Date().toISOString(), status, report })}\n`);
  else {
    io.out(`This idempotency key started run ${runId} before (${status}): its report, no call made.\n`);
    if (report) io.out(reportText(report));
    if (status === 'running' || status === 'pending') io.out('It is still running (in another process).\n');
  }
  return exitCodeOf(status);
}

function estimateJson(e: ScaleEstimate) {
  return { calls: e.calls, usd: e.usd, seconds: e.seconds, byRole: e.byRole, unknownPrices: e.unknownPrices, overBudget: e.overBudget };
}

/** Budget preflight; a code to exit with, or undefined to go on. Nothing has been called or written yet. */
function preflight(config: ScaleConfig, estimate: ScaleEstimate, values: Values, io: CliIo): number | undefined {
  const text = formatScaleEstimate(estimate);
  const machine = Boolean(values.json || values.events);
  if (values.estimate) {
    io.out(values.json ? `${JSON.stringify(estimateJson(estimate))}\n` : `${text}\n`);
    return EXIT.ok;
  }
  (machine ? io.err : io.out)(`Estimate: ${text}\n`);
  const usdCaps = [config.maxBudgetUsd !== undefined ? '--max-budget-usd' : '', config.maxConversationUsd !== undefined ? '--max-conversation-usd' : ''].filter(Boolean);
  if (usdCaps.length && estimate.unknownPrices.length) {
    io.err(`prompt-tuner scale: ${usdCaps.join(' and ')} cannot be enforced: the price of ${estimate.unknownPrices.join(', ')} is unknown. Add it under "prices" in .prompt-tuner/config.json (USD per million tokens), or drop the cap. No call was made.\n`);
    return EXIT.badInput;
  }
  if (estimate.overBudget && !values.yes) {
    if (machine) io.err(`Estimate: ${text}\n`);
    io.err(`prompt-tuner scale: the estimate ${estimate.usd === null ? '(unknown)' : `$${estimate.usd.toFixed(4)}`} is over --max-budget-usd ${config.maxBudgetUsd}; rerun with --yes to start anyway (the cap still stops calls before it is exceeded). No call was made.\n`);
    return EXIT.badInput;
  }
  return undefined;
}

async function openStore(workspace: string, io: CliIo, create: boolean): Promise<Store | undefined> {
  const dir = path.join(workspace, '.prompt-tuner');
  if (!create && !existsSync(dir)) return undefined;
  return openWorkspaceStore({ dir, onNotice: (m) => io.err(`notice: ${m}\n`) });
}

export async function runScale(args: string[], io: CliIo): Promise<number> {
  const { values } = parse(args, OPTIONS, false);
  if (values.json && values.events) throw new UsageError('--json and --events cannot be combined: choose one');
  if (values.resume !== undefined) return runResume(values, io);
  if (!values.agent) throw new UsageError('--agent FILE is required (an *.agent.json file)');
  if (!values.model) throw new UsageError('--model ID is required (the agent model, provider/model)');
  const num = (flag: string, v: string | undefined, integer: boolean) => numberFlag(flag, v, { integer });
  const runs = num('runs', values.runs, true);
  const concurrency = num('concurrency', values.concurrency, true);
  const seed = num('seed', values.seed, true);
  const temperature = num('temperature', values.temperature, false);
  const maxBudgetUsd = num('max-budget-usd', values['max-budget-usd'], false);
  const maxConversationUsd = num('max-conversation-usd', values['max-conversation-usd'], false);
  for (const [flag, v] of [['--max-budget-usd', maxBudgetUsd], ['--max-conversation-usd', maxConversationUsd]] as const) {
    if (v !== undefined && v <= 0) throw new UsageError(`${flag}: must be above 0, got ${v}`);
  }
  const staggerMs = staggerFromEnv(io.env);
  const workspace = workspaceDir(values.workspace, io.cwd);
  const choice = await promptChoice(values, io.cwd);
  const draft = (systemPrompt: string, promptSource: unknown, agentFile: string) => ({
    agentFile,
    agentModel: values.model,
    ...(values['user-model'] !== undefined ? { userModel: values['user-model'] } : {}),
    ...(values['judge-model'] !== undefined ? { judgeModel: values['judge-model'] } : {}),
    ...(values['summarizer-model'] !== undefined ? { summarizerModel: values['summarizer-model'] } : {}),
    systemPrompt,
    promptSource,
    ...(values.goal !== undefined ? { goal: values.goal } : {}),
    ...(values.message !== undefined ? { userMessage: values.message } : {}),
    ...(runs !== undefined ? { runs } : {}),
    ...(concurrency !== undefined ? { concurrency } : {}),
    ...(maxBudgetUsd !== undefined ? { maxBudgetUsd } : {}),
    ...(maxConversationUsd !== undefined ? { maxConversationUsd } : {}),
    ...(seed !== undefined ? { seed } : {}),
    ...(temperature !== undefined ? { temperature } : {}),
    ...(values.evaluator !== undefined ? { evaluator: values.evaluator } : {}),
    ...(values['evaluator-url'] !== undefined ? { evaluatorUrl: values['evaluator-url'] } : {}),
    ...(values['idempotency-key'] !== undefined ? { idempotencyKey: values['idempotency-key'] } : {}),
    verify: Boolean(values.verify),
  });
  // The flags first (a bad --runs is reported before the agent file is read), with a stand-in prompt.
  try {
    parseScaleConfig(draft('flags check', { kind: 'text' }, values.agent));
  } catch (e) {
    toUsage(e);
  }

  let agent: Agent;
  try {
    agent = await readAgent(values.agent, workspace, io.cwd);
  } catch (e) {
    if (e instanceof AgentError) {
      io.err(`${e.message}\n`);
      return EXIT.badInput;
    }
    throw e;
  }
  const modelConfig = loadModelConfig(workspace);
  // Bad input must write nothing: the store is opened now only when it exists (for the library, the
  // idempotency key and measured latencies), and created only once every check has passed.
  let store = await openStore(workspace, io, false);
  try {
    const prompt = resolvePrompt(choice, agent, store);
    let config: ScaleConfig;
    try {
      config = parseScaleConfig(draft(prompt.text, prompt.source, agent.file));
    } catch (e) {
      toUsage(e);
    }
    const preGateway = createCliGateway({ env: io.env, workspace, ...(store ? { store } : {}) });
    const models: [string, string][] = [
      ['--model', config.agentModel],
      ['--user-model', config.userModel],
      ['--judge-model', config.judgeModel],
      ['--summarizer-model', config.summarizerModel],
    ];
    if (!checkKeysAndProviders(models, preGateway, io, modelConfig)) return EXIT.badInput;
    if (config.idempotencyKey !== undefined && store && !values.estimate) {
      const runs = new ScaleRunsRepository(store);
      const earlier = runs.findByIdempotencyKey(config.idempotencyKey);
      if (earlier) return printReused(earlier, runs, values, io);
    }
    const prices = createPriceBook(modelConfig.prices);
    await prices.ready();
    // An endpoint that serves a priced provider's models says so with `pricesFrom`.
    const priceProviderOf = (m: string) => modelConfig.endpoints.find((e) => e.name === m.slice(0, m.indexOf('/')))?.pricesFrom ?? defaultPriceProviderOf(m);
    const estimate = estimateScale(config, agent, prices, (m) => preGateway.measuredLatencyMs(m), priceProviderOf);
    const stop = preflight(config, estimate, values, io);
    if (stop !== undefined) return stop;

    store ??= await openStore(workspace, io, true);
    const gateway = createCliGateway({ env: io.env, workspace, store: store! });
    const job = startScaleRun(config, { agent, gateway, store: store!, prices, signal: io.signal, ...(staggerMs ? { staggerMs } : {}) });
    if (job.reused) return printReused(job.runId, new ScaleRunsRepository(store!), values, io);
    return await follow(job, gateway, values, io);
  } finally {
    await store?.close();
  }
}

async function runResume(values: Values, io: CliIo): Promise<number> {
  const runId = values.resume!;
  const extra = RUN_FLAGS.filter((k) => values[k as keyof Values] !== undefined && !['json', 'workspace', 'help'].includes(k));
  if (extra.length) throw new UsageError(`--resume uses the run's stored configuration: drop ${extra.map((k) => `--${k}`).join(', ')}`);
  const staggerMs = staggerFromEnv(io.env);
  const workspace = workspaceDir(values.workspace, io.cwd);
  const store = await openStore(workspace, io, false);
  if (!store) throw new UsageError(`--resume: no scale run "${runId}" in ${workspace} (no .prompt-tuner store)`);
  try {
    const runs = new ScaleRunsRepository(store);
    const config = runs.config(runId);
    if (!config) throw new UsageError(`--resume: no scale run "${runId}" in ${workspace} (prompt-tuner scale list shows them)`);
    let agent: Agent;
    try {
      agent = await readAgent(config.agentFile, workspace, workspace);
    } catch (e) {
      if (e instanceof AgentError) {
        io.err(`${e.message}\n`);
        return EXIT.badInput;
      }
      throw e;
    }
    const modelConfig = loadModelConfig(workspace);
    const gateway = createCliGateway({ env: io.env, workspace, store });
    const models: [string, string][] = [
      ['agent model', config.agentModel],
      ['user model', config.userModel],
      ['judge model', config.judgeModel],
      ['summarizer model', config.summarizerModel],
    ];
    if (!checkKeysAndProviders(models, gateway, io, modelConfig)) return EXIT.badInput;
    const prices = createPriceBook(modelConfig.prices);
    await prices.ready();
    let job: ScaleJob;
    try {
      job = await resumeScaleRun(runId, { agent, gateway, store, prices, signal: io.signal, ...(staggerMs ? { staggerMs } : {}) });
    } catch (e) {
      toUsage(e);
    }
    return await follow(job, gateway, values, io);
  } finally {
    await store.close();
  }
}

/** Streams the job as the flags ask, waits for it, prints the result; the exit code of its final status. */
async function follow(job: ScaleJob, gateway: Gateway, values: Values, io: CliIo): Promise<number> {
  let final: ScaleRunSnapshot;
  try {
    final = await followScaleJob(job, { mode: values.events ? 'events' : values.json ? 'json' : 'human', io });
  } finally {
    // Cancelled calls settle quickly; the cache writes of finished ones must land before the store closes.
    await gateway.onIdle();
  }
  if (values.json) io.out(`${JSON.stringify(final.report ?? { runId: final.runId, status: final.status, error: final.error, report: null }, null, 2)}\n`);
  if (!values.json && !values.events && final.report) io.out(reportText(final.report));
  switch (final.status) {
    case 'completed':
      return EXIT.ok;
    case 'cancelled':
      io.err(`Cancelled: partial results kept (run ${final.runId}). ${resumeHint(final.runId)}\n`);
      return EXIT.cancelled;
    case 'budget_reached':
      io.err(`Budget reached: ${final.error ?? ''}; partial report kept (run ${final.runId}). ${resumeHint(final.runId)}\n`);
      return EXIT.failed;
    default:
      io.err(`prompt-tuner scale: the run failed: ${final.error ?? 'unknown error'} (run ${final.runId}). ${resumeHint(final.runId)}\n`);
      return EXIT.failed;
  }
}

export const scaleCommand: CliCommand = {
  path: ['scale'],
  summary: 'Scale-test an agent: N graded conversations, a summary and a revised prompt',
  help: HELP,
  run: runScale,
};

export const SCALE_COMMANDS: CliCommand[] = [scaleCommand, scaleListCommand, scaleShowCommand];
