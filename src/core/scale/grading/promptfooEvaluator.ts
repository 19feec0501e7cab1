// The promptfoo evaluator: the same assertions (assertionsFor) graded by promptfoo's Node API in a child
// process (promptfooWorker.ts) under a Node that promptfoo supports. Each assertion becomes promptfoo
// tests: one per part its scope looks at (an agent reply, or the rendered transcript), whose output is
// that text; promptfoo's verdicts come back and are combined per scope as the built-in does, into the
// same EvaluationResults and tags. llm-rubric's judge calls are made here, through the gateway (budget,
// ledger, seed, temperature 0), with our stricter reading: a reply without a boolean `pass` is re-asked
// once and then ungradeable (promptfoo alone would count it a pass). promptfoo missing, or no Node new
// enough, or a worker that does not start → unavailable (the caller falls back to the built-in). A worker
// that dies or errs mid-run leaves the conversations it had `pass: null`, never a pass.
import { fork } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { z } from 'zod';
import { ModelError, type ChatMessage } from '../../models/types';
import type { EvaluationResult, TranscriptMessage } from '../types';
import { scopeOf, type ScaleAssertion } from './assertionRegistry';
import { assertionsFor } from './assertionsFor';
import { judgeCallOf } from './builtinEvaluator';
import type { EvaluatorOptions, GradeContext, GradeInput, ScaleEvaluator } from './evaluator';
import { ungradedResult } from './externalResults';
import { toResult, unsureRefusalResult, unsureRefusalRubric } from './gradeAssertion';
import { askJudge, judgeRequestOf, judgeSystemPrompt, judgeUserMessage, type JudgeCall } from './judge';
import type { ParentMessage, WorkerMessage, WorkerResult, WorkerTest } from './promptfooProtocol';
import { findNode, findPromptfoo } from './promptfooLocate';
import { BLOCKED_DETAILS, classifyRefusal } from './refusal';
import { combineParts, partsFor, renderTranscript, type CheckResult, type Part } from './transcriptParts';

const START_TIMEOUT_MS = 60_000;

/** The worker next to this module: dist/promptfooWorker.js when bundled, the .ts source otherwise. */
export function workerScript(): string | null {
  for (const name of ['promptfooWorker.js', 'promptfooWorker.ts']) {
    const file = path.join(__dirname, name);
    if (existsSync(file)) return file;
  }
  return null;
}

/** promptfoo's rubricPrompt: the judge request of the model-role contract, with promptfoo's variables. */
export function rubricPromptFor(scope: 'transcript' | 'final'): string {
  return JSON.stringify([
    { role: 'system', content: judgeSystemPrompt('{{ rubric }}', scope) },
    { role: 'user', content: judgeUserMessage('{{ output }}') },
  ]);
}

const ChatPromptSchema = z
  .array(z.object({ role: z.enum(['system', 'user', 'assistant']), content: z.string() }))
  .min(1);

/** promptfoo's rendered grading prompt (a JSON chat array, or plain text) as a system prompt and messages. */
export function gradingPromptToMessages(prompt: string): { system?: string; messages: ChatMessage[] } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(prompt);
  } catch {
    return { messages: [{ role: 'user', content: prompt }] };
  }
  const chat = ChatPromptSchema.safeParse(parsed);
  if (!chat.success) return { messages: [{ role: 'user', content: prompt }] };
  const system = chat.data.filter((m) => m.role === 'system').map((m) => m.content);
  const messages = chat.data
    .filter((m) => m.role !== 'system')
    .map((m) => ({ role: m.role as 'user' | 'assistant', content: m.content }));
  return {
    ...(system.length > 0 ? { system: system.join('\n\n') } : {}),
    messages: messages.length > 0 ? messages : [{ role: 'user', content: '' }],
  };
}

interface Plan {
  tests: WorkerTest[];
  /** promptfoo's results (and the judge problems seen here) → one EvaluationResult per assertion. */
  map(results: ReadonlyMap<string, WorkerResult>, problems: ReadonlyMap<string, string>): EvaluationResult[];
}

/** The promptfoo tests for a conversation's assertions, and how their results map back. */
export function planTests(assertions: readonly ScaleAssertion[], messages: readonly TranscriptMessage[]): Plan {
  const tests: WorkerTest[] = [];
  const mappers: ((
    results: ReadonlyMap<string, WorkerResult>,
    problems: ReadonlyMap<string, string>,
  ) => EvaluationResult)[] = [];
  const transcript = renderTranscript(messages);
  const verdictOf = (
    key: string,
    results: ReadonlyMap<string, WorkerResult>,
    problems: ReadonlyMap<string, string>,
  ): CheckResult => {
    const problem = problems.get(key);
    if (problem !== undefined) return { pass: null, score: null, details: problem };
    const r = results.get(key);
    if (!r) return { pass: null, score: null, details: 'promptfoo returned no result for this check' };
    if (r.error !== undefined) return { pass: null, score: null, details: `promptfoo could not grade it: ${r.error}` };
    return { pass: r.pass, score: r.score, details: r.reason || (r.pass ? 'passed' : 'failed') };
  };

  assertions.forEach((a, i) => {
    const scope = scopeOf(a);
    if (a.type === 'llm-rubric') {
      const key = `a${i}`;
      const judgeScope = scope === 'final' ? 'final' : 'transcript';
      tests.push({
        key,
        output: transcript,
        assert: {
          type: 'llm-rubric',
          value: a.value,
          ...(a.threshold !== undefined ? { threshold: a.threshold } : {}),
          rubricPrompt: rubricPromptFor(judgeScope),
        },
      });
      mappers.push((results, problems) => toResult(a, verdictOf(key, results, problems)));
      return;
    }
    const parts: Part[] = partsFor(scope, messages);
    const keys = parts.map((_, j) => `a${i}p${j}`);
    parts.forEach((p, j) =>
      tests.push({
        key: keys[j]!,
        output: p.text,
        assert: { type: a.type, ...(a.value !== undefined ? { value: a.value } : {}) },
      }),
    );
    const refusalType = a.type === 'is-refusal' || a.type === 'not-is-refusal';
    const classes = refusalType ? parts.map((p) => classifyRefusal(p.text)) : [];
    const perPart = (results: ReadonlyMap<string, WorkerResult>, problems: ReadonlyMap<string, string>) =>
      parts.map((_, j): CheckResult =>
        classes[j] === 'blocked'
          ? { pass: null, score: null, details: BLOCKED_DETAILS }
          : verdictOf(keys[j]!, results, problems),
      );

    const unsureTurns = parts.flatMap((p, j) => (classes[j] === 'unsure' && p.turn !== undefined ? [p.turn] : []));
    const clear = classes.indexOf('refusal');
    if (a.judgeWhenUnsure === true && a.type === 'not-is-refusal' && clear >= 0) {
      // As the built-in: the first clear refusal decides; unsure replies before it do not.
      const p = parts[clear]!;
      mappers.push((results, problems) => {
        const r = verdictOf(keys[clear]!, results, problems);
        return toResult(a, {
          ...r,
          details: `${p.turn !== undefined ? `turn ${p.turn}: ` : ''}${r.details}`,
          ...(p.turn !== undefined ? { turn: p.turn } : {}),
        });
      });
      return;
    }
    if (a.judgeWhenUnsure === true && a.type === 'not-is-refusal' && unsureTurns.length > 0) {
      const judgeKey = `a${i}judge`;
      tests.push({
        key: judgeKey,
        output: transcript,
        assert: {
          type: 'llm-rubric',
          value: unsureRefusalRubric(unsureTurns),
          rubricPrompt: rubricPromptFor('transcript'),
        },
      });
      mappers.push((results, problems) => {
        const judged = unsureRefusalResult(verdictOf(judgeKey, results, problems), unsureTurns);
        return toResult(a, { ...judged, turn: unsureTurns[0]! });
      });
      return;
    }
    mappers.push((results, problems) => toResult(a, combineParts(scope, parts, perPart(results, problems))));
  });
  return { tests, map: (results, problems) => mappers.map((m) => m(results, problems)) };
}

interface Job {
  plan: Plan;
  judge: JudgeCall;
  problems: Map<string, string>;
  settle(results: EvaluationResult[] | Error): void;
  /** Set once the job was given up (a fatal judge error or a cancel): later judge requests are refused. */
  abandoned: boolean;
}

export async function createPromptfooEvaluator(
  options: EvaluatorOptions,
): Promise<{ evaluator: ScaleEvaluator } | { unavailable: string }> {
  const found = findPromptfoo(options);
  if ('problem' in found) return { unavailable: `the promptfoo evaluator is unavailable: ${found.problem}` };
  const node = await findNode(options, found.dir);
  if ('problem' in node) return { unavailable: `the promptfoo evaluator is unavailable: ${node.problem}` };
  const script = workerScript();
  if (!script)
    return { unavailable: 'the promptfoo evaluator is unavailable: its worker script is missing from this build' };

  // promptfoo keeps config, logs and caches under its config dir and HOME: a temp folder, removed on close.
  // The child gets no API keys: it makes no model call itself.
  const home = mkdtempSync(path.join(tmpdir(), 'pt-promptfoo-'));
  const child = fork(script, [], {
    execPath: node.bin,
    execArgv: ['--no-warnings'],
    cwd: home,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    env: {
      PATH: process.env.PATH ?? '',
      HOME: home,
      TMPDIR: tmpdir(),
      ELECTRON_RUN_AS_NODE: '1',
      PROMPT_TUNER_PROMPTFOO_DIR: found.dir,
      PROMPTFOO_CONFIG_DIR: path.join(home, '.promptfoo'),
      PROMPTFOO_DISABLE_TELEMETRY: '1',
      PROMPTFOO_DISABLE_UPDATE: '1',
      PROMPTFOO_DISABLE_REMOTE_GENERATION: 'true',
      PROMPTFOO_DISABLE_SHARING: '1',
      PROMPTFOO_CACHE_ENABLED: 'false',
    },
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  child.stdout?.resume();
  const cleanup = () => rmSync(home, { recursive: true, force: true });

  const ready = await new Promise<{ version: string } | { failed: string }>((resolve) => {
    const timer = setTimeout(
      () => resolve({ failed: `the worker did not start in ${START_TIMEOUT_MS / 1000} s` }),
      START_TIMEOUT_MS,
    );
    child.on('message', (m: WorkerMessage) => {
      if (m.type === 'ready') resolve({ version: m.promptfooVersion });
      else if (m.type === 'fatal') resolve({ failed: m.message });
      if (m.type === 'ready' || m.type === 'fatal') clearTimeout(timer);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({
        failed: `the worker exited (code ${code})${stderr ? `: ${stderr.trim().split('\n').slice(-3).join(' ')}` : ''}`,
      });
    });
    child.once('error', (e) => {
      clearTimeout(timer);
      resolve({ failed: `the worker could not be started: ${e.message}` });
    });
  });
  if ('failed' in ready) {
    child.kill();
    cleanup();
    return {
      unavailable: `the promptfoo evaluator is unavailable (promptfoo ${found.version} in ${found.dir}, node ${node.version}): ${ready.failed}`,
    };
  }
  child.removeAllListeners('message');

  const jobs = new Map<number, Job>();
  let nextJob = 0;
  let dead: string | null = null;
  const post = (m: ParentMessage) => {
    if (child.connected) child.send(m);
  };

  const onJudge = (m: Extract<WorkerMessage, { type: 'judge' }>) => {
    const job = jobs.get(m.jobId);
    if (!job || job.abandoned)
      return post({ type: 'judgeReply', callId: m.callId, error: 'the grading was abandoned' });
    const { system, messages } = gradingPromptToMessages(m.prompt);
    const request = judgeRequestOf(job.judge.model, system, messages, job.judge.seed);
    askJudge(request, job.judge).then(
      (answer) => {
        if ('verdict' in answer)
          post({
            type: 'judgeReply',
            callId: m.callId,
            output: JSON.stringify({
              reason: answer.verdict.reason,
              pass: answer.verdict.pass,
              score: answer.verdict.score,
            }),
          });
        else {
          job.problems.set(m.key, answer.problem);
          post({ type: 'judgeReply', callId: m.callId, error: answer.problem });
        }
      },
      (e: unknown) => {
        post({ type: 'judgeReply', callId: m.callId, error: 'the grading was abandoned' });
        job.abandoned = true;
        job.settle(e instanceof Error ? e : new Error(String(e)));
      },
    );
  };

  child.on('message', (m: WorkerMessage) => {
    if (m.type === 'judge') return onJudge(m);
    if (m.type !== 'result' && m.type !== 'jobError') return;
    const job = jobs.get(m.jobId);
    jobs.delete(m.jobId);
    if (!job || job.abandoned) return;
    if (m.type === 'result') job.settle(job.plan.map(new Map(m.results.map((r) => [r.key, r])), job.problems));
    else job.settle([ungradedResult('promptfoo evaluator', `could not be graded: promptfoo failed: ${m.message}`)]);
  });
  child.on('exit', (code) => {
    dead = `the promptfoo worker exited (code ${code})${stderr ? `: ${stderr.trim().split('\n').slice(-2).join(' ')}` : ''}`;
    for (const job of jobs.values())
      if (!job.abandoned) job.settle([ungradedResult('promptfoo evaluator', `could not be graded: ${dead}`)]);
    jobs.clear();
  });

  return {
    evaluator: {
      kind: 'promptfoo',
      grade(input: GradeInput, ctx: GradeContext): Promise<EvaluationResult[]> {
        if (ctx.signal.aborted) return Promise.reject(new ModelError('cancelled', 'the run was cancelled'));
        if (dead !== null)
          return Promise.resolve([ungradedResult('promptfoo evaluator', `could not be graded: ${dead}`)]);
        const plan = planTests(assertionsFor(input.agent, input.goal), input.messages);
        return new Promise<EvaluationResult[]>((resolve, reject) => {
          const jobId = (nextJob += 1);
          let settled = false;
          const onAbort = () => {
            job.abandoned = true;
            job.settle(new ModelError('cancelled', 'the run was cancelled'));
          };
          const job: Job = {
            plan,
            judge: judgeCallOf(input, ctx),
            problems: new Map(),
            abandoned: false,
            settle(outcome) {
              if (settled) return;
              settled = true;
              ctx.signal.removeEventListener('abort', onAbort);
              if (outcome instanceof Error) reject(outcome);
              else resolve(outcome);
            },
          };
          ctx.signal.addEventListener('abort', onAbort, { once: true });
          jobs.set(jobId, job);
          post({ type: 'job', jobId, tests: plan.tests });
        });
      },
      async close(): Promise<void> {
        if (child.exitCode === null && child.signalCode === null) {
          const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
          if (child.connected) child.disconnect();
          const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
          await exited;
          clearTimeout(timer);
        }
        cleanup();
      },
    },
  };
}
