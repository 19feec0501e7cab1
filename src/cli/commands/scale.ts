// `prompt-tuner scale`: N conversations of an agent with a simulated user, graded and summarised into a
// revised prompt (optionally verified), with a budget preflight, idempotent starts and resume.
import * as path from 'node:path';
import { AgentError, loadAgent } from '../../core/agents/loadAgent';
import type { Agent } from '../../core/agents/agentSchema';
import { createCliGateway } from '../../core/models/cliGateway';
import type { Gateway } from '../../core/models/gateway';
import { loadModelConfig, type ModelConfig } from '../../core/models/modelConfig';
import { createPriceBook, type PriceBook } from '../../core/models/prices';
import { parseScaleConfig, ScaleConfigError } from '../../core/scale/config';
import { resumeScaleRun, startScaleRun, type ScaleDeps, type ScaleJob } from '../../core/scale/engine';
import { defaultPriceProviderOf, estimateScale, type PriceProviderOf } from '../../core/scale/estimate';
import { ScaleRunsRepository } from '../../core/scale/runsRepository';
import type { ScaleConfig, ScaleRunSnapshot } from '../../core/scale/types';
import type { Store } from '../../core/store/store';
import { openWorkspaceStore } from '../../core/workspaceStore';
import { assertKnownProviders, numberFlag, parse, workspaceDir } from '../args';
import { EXIT, UsageError, type CliCommand, type CliIo } from '../cliTypes';
import { finalExitCode, waitingNotes, type WaitingNotes } from '../jobFollow';
import { checkKeys, requestTimeoutMs, TIMEOUT_S_RANGE } from '../keyPreflight';
import { budgetPreflight, messageWithFlag, promptChoice, resolvePrompt } from './scale/scalePreflight';
import { followScaleJob } from './scale/scaleFollow';
import { SCALE_HELP, STAGGER_ENV } from './scale/scaleHelp';
import { openExistingStore, printReused, resumeHint, scaleListCommand, scaleShowCommand } from './scale/scaleRuns';
import { reportText } from './scale/scaleText';

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
  'timeout-s': { type: 'string' },
} as const;

type Values = ReturnType<typeof parse<typeof OPTIONS>>['values'];

/** Flags that describe a new run, refused with --resume (the stored config is used). */
const RUN_FLAGS = Object.keys(OPTIONS).filter((k) => !['yes', 'resume', 'events', 'timeout-s'].includes(k));

/** The request timeout for this process (not stored with the run): `--timeout-s`, config.json, else 60 s. */
function timeoutOf(values: Values, modelConfig: ModelConfig): number {
  return requestTimeoutMs(numberFlag('timeout-s', values['timeout-s'], TIMEOUT_S_RANGE), modelConfig);
}

export function staggerFromEnv(env: NodeJS.ProcessEnv): [number, number] | undefined {
  const raw = env[STAGGER_ENV];
  if (raw === undefined || raw.trim() === '') return undefined;
  const parts = raw.split(',').map((p) => Number(p.trim()));
  if (parts.length > 2 || parts.some((n) => !Number.isFinite(n) || n < 0))
    throw new UsageError(`${STAGGER_ENV}: expected MIN,MAX or one number of ms, got "${raw}"`);
  return [parts[0]!, parts[1] ?? parts[0]!];
}

function toUsage(e: unknown): never {
  if (e instanceof ScaleConfigError) throw new UsageError(messageWithFlag(e.message));
  throw e;
}

function configOrUsage(input: unknown): ScaleConfig {
  try {
    return parseScaleConfig(input);
  } catch (e) {
    toUsage(e);
  }
}

/** The price table, loaded, and the price provider of each model: an endpoint that serves a priced provider's models says so with `pricesFrom`. */
async function pricing(modelConfig: ModelConfig): Promise<{ prices: PriceBook; priceProviderOf: PriceProviderOf }> {
  const prices = createPriceBook(modelConfig.prices);
  await prices.ready();
  return {
    prices,
    priceProviderOf: (m) =>
      modelConfig.endpoints.find((e) => e.name === m.slice(0, m.indexOf('/')))?.pricesFrom ?? defaultPriceProviderOf(m),
  };
}

/** The agent file, or undefined once its problems are printed (bad input). */
async function readAgent(file: string, workspace: string, cwd: string, io: CliIo): Promise<Agent | undefined> {
  const abs = path.resolve(cwd, file);
  const rel = path.relative(workspace, abs);
  // Stored relative to the workspace when inside it, so `--resume` works from any folder.
  const label = rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : abs;
  try {
    return await loadAgent(abs, label);
  } catch (e) {
    if (!(e instanceof AgentError)) throw e;
    io.err(`${e.message}\n`);
    return undefined;
  }
}

/** How a role's model is named in messages: by its flag for a new run, by its role for a resumed one. */
type RoleLabels = [agent: string, user: string, judge: string, summarizer: string];
const ROLE_FLAGS: RoleLabels = ['--model', '--user-model', '--judge-model', '--summarizer-model'];
const ROLE_NAMES: RoleLabels = ['agent model', 'user model', 'judge model', 'summarizer model'];

/** Unknown providers are bad input (thrown); missing keys are printed, one line each, and make it false. */
function checkKeysAndProviders(
  config: ScaleConfig,
  labels: RoleLabels,
  gateway: Gateway,
  io: CliIo,
  modelConfig: ModelConfig,
): boolean {
  const roleModels = [config.agentModel, config.userModel, config.judgeModel, config.summarizerModel];
  assertKnownProviders(
    labels.map((label, i): [string, string] => [label, roleModels[i]!]),
    gateway.providerIds(),
  );
  return checkKeys(roleModels, modelConfig, 'scale', io);
}

/** Where the run works, what cancels it, and the launch stagger (tests set it by env; a bad value is bad input before anything is read). */
function runtimeDeps(workspace: string, io: CliIo): Pick<ScaleDeps, 'cwd' | 'signal' | 'staggerMs'> {
  const staggerMs = staggerFromEnv(io.env);
  return { cwd: workspace, signal: io.signal, ...(staggerMs ? { staggerMs } : {}) };
}

async function openStore(workspace: string, io: CliIo, create: boolean): Promise<Store | undefined> {
  if (!create) return openExistingStore(workspace, io);
  return openWorkspaceStore({ dir: path.join(workspace, '.prompt-tuner'), onNotice: (m) => io.err(`notice: ${m}\n`) });
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
  for (const [flag, v] of [
    ['--max-budget-usd', maxBudgetUsd],
    ['--max-conversation-usd', maxConversationUsd],
  ] as const) {
    if (v !== undefined && v <= 0) throw new UsageError(`${flag}: must be above 0, got ${v}`);
  }
  const workspace = workspaceDir(values.workspace, io.cwd);
  const runtime = runtimeDeps(workspace, io);
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
  configOrUsage(draft('flags check', { kind: 'text' }, values.agent));

  const agent = await readAgent(values.agent, workspace, io.cwd, io);
  if (!agent) return EXIT.badInput;
  const modelConfig = loadModelConfig(workspace);
  const timeoutMs = timeoutOf(values, modelConfig);
  // Bad input must write nothing: the store is opened now only when it exists (for the library, the
  // idempotency key and measured latencies), and created only once every check has passed.
  let store = await openStore(workspace, io, false);
  try {
    const prompt = resolvePrompt(choice, agent, store);
    const config = configOrUsage(draft(prompt.text, prompt.source, agent.file));
    const preGateway = createCliGateway({ env: io.env, workspace, ...(store ? { store } : {}) });
    if (!checkKeysAndProviders(config, ROLE_FLAGS, preGateway, io, modelConfig)) return EXIT.badInput;
    if (config.idempotencyKey !== undefined && store && !values.estimate) {
      const runs = new ScaleRunsRepository(store);
      const earlier = runs.findByIdempotencyKey(config.idempotencyKey);
      if (earlier) return printReused(earlier, runs, values, io);
    }
    const priced = await pricing(modelConfig);
    const estimate = estimateScale(
      config,
      agent,
      priced.prices,
      (m) => preGateway.measuredLatencyMs(m),
      priced.priceProviderOf,
    );
    const stop = budgetPreflight(config, estimate, values, io);
    if (stop !== undefined) return stop;

    store ??= await openStore(workspace, io, true);
    const waiting = waitingNotes(io, { machine: Boolean(values.json || values.events) });
    const gateway = waiting.track(
      createCliGateway({ env: io.env, workspace, store: store!, requestTimeoutMs: timeoutMs }),
    );
    let job: ScaleJob;
    try {
      job = startScaleRun(config, { agent, gateway, store: store!, ...priced, ...runtime });
    } catch (e) {
      toUsage(e);
    }
    if (job.reused) {
      waiting.stop();
      return printReused(job.runId, new ScaleRunsRepository(store!), values, io);
    }
    return await follow(job, gateway, values, io, waiting);
  } finally {
    await store?.close();
  }
}

async function runResume(values: Values, io: CliIo): Promise<number> {
  const runId = values.resume!;
  const extra = RUN_FLAGS.filter(
    (k) => values[k as keyof Values] !== undefined && !['json', 'workspace', 'help'].includes(k),
  );
  if (extra.length)
    throw new UsageError(`--resume uses the run's stored configuration: drop ${extra.map((k) => `--${k}`).join(', ')}`);
  const workspace = workspaceDir(values.workspace, io.cwd);
  const runtime = runtimeDeps(workspace, io);
  const store = await openStore(workspace, io, false);
  if (!store) throw new UsageError(`--resume: no scale run "${runId}" in ${workspace} (no .prompt-tuner store)`);
  try {
    const runs = new ScaleRunsRepository(store);
    const config = runs.config(runId);
    if (!config)
      throw new UsageError(`--resume: no scale run "${runId}" in ${workspace} (prompt-tuner scale list shows them)`);
    const agent = await readAgent(config.agentFile, workspace, workspace, io);
    if (!agent) return EXIT.badInput;
    const modelConfig = loadModelConfig(workspace);
    const waiting = waitingNotes(io, { machine: Boolean(values.json || values.events) });
    const gateway = waiting.track(
      createCliGateway({ env: io.env, workspace, store, requestTimeoutMs: timeoutOf(values, modelConfig) }),
    );
    if (!checkKeysAndProviders(config, ROLE_NAMES, gateway, io, modelConfig)) return EXIT.badInput;
    const priced = await pricing(modelConfig);
    let job: ScaleJob;
    try {
      job = await resumeScaleRun(runId, { agent, gateway, store, ...priced, ...runtime });
    } catch (e) {
      toUsage(e);
    }
    return await follow(job, gateway, values, io, waiting);
  } finally {
    await store.close();
  }
}

/** Streams the job as the flags ask, waits for it, prints the result; the exit code of its final status. */
async function follow(
  job: ScaleJob,
  gateway: Gateway,
  values: Values,
  io: CliIo,
  waiting: WaitingNotes,
): Promise<number> {
  let final: ScaleRunSnapshot;
  const stopTimeouts = gateway.onEvent((e) => waiting.onGatewayEvent(e));
  try {
    final = await followScaleJob(job, {
      mode: values.events ? 'events' : values.json ? 'json' : 'human',
      io: waiting.io,
    });
  } finally {
    stopTimeouts();
    waiting.stop();
    // Cancelled calls settle quickly; the cache writes of finished ones must land before the store closes.
    await gateway.onIdle();
  }
  if (values.json)
    io.out(
      `${JSON.stringify(final.report ?? { runId: final.runId, status: final.status, error: final.error, report: null }, null, 2)}\n`,
    );
  if (!values.json && !values.events && final.report) io.out(reportText(final.report));
  const hint = `(run ${final.runId}). ${resumeHint(final.runId)}\n`;
  return finalExitCode(final.status, io, {
    cancelled: `Cancelled: partial results kept ${hint}`,
    budgetReached: `Budget reached: ${final.error ?? ''}; partial report kept ${hint}`,
    failed: `prompt-tuner scale: the run failed: ${final.error ?? 'unknown error'} ${hint}`,
  });
}

export const scaleCommand: CliCommand = {
  path: ['scale'],
  summary: 'Scale-test an agent: N graded conversations, a summary and a revised prompt',
  help: SCALE_HELP,
  run: runScale,
};

export const SCALE_COMMANDS: CliCommand[] = [scaleCommand, scaleListCommand, scaleShowCommand];
