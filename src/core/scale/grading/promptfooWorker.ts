// The promptfoo worker: runs in a child process under Node ≥ 22.22 (promptfoo's floor), loads promptfoo
// from the folder in PROMPT_TUNER_PROMPTFOO_DIR, and grades each job with promptfoo's Node API
// (`evaluate`): the outputs come from an echo provider, the assertions are promptfoo asserts, and
// llm-rubric's grading provider asks the parent (IPC) to make the judge call. Jobs run one at a time.
// Written with erasable TypeScript only and CommonJS require(), so Node runs this file as it is (type
// stripping) from the sources, and esbuild bundles it to dist/promptfooWorker.js for the extension/CLI.
import type * as NodeFs from 'node:fs';
import type { createRequire } from 'node:module';
import type * as NodePath from 'node:path';
import type { ParentMessage, WorkerMessage, WorkerResult, WorkerTest } from './promptfooProtocol';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- CommonJS so Node runs this file as it is (type stripping)
const nodeModule = require('node:module') as { createRequire: typeof createRequire };
// eslint-disable-next-line @typescript-eslint/no-require-imports -- CommonJS so Node runs this file as it is (type stripping)
const nodePath = require('node:path') as typeof NodePath;
// eslint-disable-next-line @typescript-eslint/no-require-imports -- CommonJS so Node runs this file as it is (type stripping)
const nodeFs = require('node:fs') as typeof NodeFs;

interface GradingComponent {
  pass?: boolean;
  score?: number;
  reason?: string;
}
interface PromptfooResult {
  vars?: Record<string, unknown>;
  error?: string | null;
  failureReason?: number;
  gradingResult?: (GradingComponent & { componentResults?: GradingComponent[] }) | null;
}
interface PromptfooApi {
  evaluate(
    suite: Record<string, unknown>,
    options: Record<string, unknown>,
  ): Promise<{ toEvaluateSummary(): Promise<{ results: PromptfooResult[] }> }>;
}

/** promptfoo's ResultFailureReason.ERROR: the test could not run, as opposed to an assertion that failed. */
const FAILURE_ERROR = 2;

function send(m: WorkerMessage): void {
  process.send?.(m);
}

function load(): PromptfooApi | null {
  const dir = process.env.PROMPT_TUNER_PROMPTFOO_DIR ?? '';
  try {
    const req = nodeModule.createRequire(nodePath.join(dir, 'package.json'));
    const api = req('promptfoo') as PromptfooApi;
    const pkg = JSON.parse(
      nodeFs.readFileSync(nodePath.join(dir, 'node_modules', 'promptfoo', 'package.json'), 'utf8'),
    ) as { version?: string };
    send({ type: 'ready', promptfooVersion: pkg.version ?? 'unknown', nodeVersion: process.versions.node });
    return api;
  } catch (e) {
    send({
      type: 'fatal',
      message: `promptfoo could not be loaded from ${dir}: ${e instanceof Error ? e.message : String(e)}`,
    });
    return null;
  }
}

const api = load();
let nextCallId = 0;
const judgeCalls = new Map<number, (reply: { output?: string; error?: string }) => void>();
let queue: Promise<void> = Promise.resolve();

/** promptfoo's grading provider for one test: the parent makes the call. */
function graderFor(jobId: number, key: string) {
  return {
    id: () => 'prompt-tuner-judge',
    callApi: (prompt: string) =>
      new Promise<{ output?: string; error?: string }>((resolve) => {
        const callId = (nextCallId += 1);
        judgeCalls.set(callId, resolve);
        send({ type: 'judge', callId, jobId, key, prompt });
      }),
  };
}

/** Nunjucks would render `{{ … }}` in a rubric; raw blocks keep it as written. */
function literal(value: unknown): unknown {
  return typeof value === 'string' && /\{[{%#]/.test(value) ? `{% raw %}${value}{% endraw %}` : value;
}

async function runJob(pf: PromptfooApi, jobId: number, tests: WorkerTest[]): Promise<void> {
  const outputs = new Map(tests.map((t) => [t.key, t.output]));
  const echo = {
    id: () => 'prompt-tuner-transcripts',
    callApi: async (prompt: string) => ({ output: outputs.get(prompt.trim()) ?? '' }),
  };
  const suite = {
    description: 'Prompt Tuner scale grading',
    prompts: ['{{key}}'],
    providers: [echo],
    tests: tests.map((t) => ({
      vars: { key: t.key },
      assert: [
        {
          type: t.assert.type,
          ...(t.assert.value !== undefined ? { value: literal(t.assert.value) } : {}),
          ...(t.assert.threshold !== undefined ? { threshold: t.assert.threshold } : {}),
          ...(t.assert.type === 'llm-rubric'
            ? { provider: graderFor(jobId, t.key), rubricPrompt: t.assert.rubricPrompt }
            : {}),
        },
      ],
    })),
    writeLatestResults: false,
  };
  const record = await pf.evaluate(suite, { cache: false, maxConcurrency: 4, showProgressBar: false });
  const summary = await record.toEvaluateSummary();
  const results: WorkerResult[] = summary.results.map((r) => {
    const c = r.gradingResult?.componentResults?.[0] ?? r.gradingResult ?? {};
    const error = r.failureReason === FAILURE_ERROR ? (r.error ?? 'promptfoo could not grade this test') : undefined;
    return {
      key: String(r.vars?.key ?? ''),
      pass: c.pass === true,
      score: typeof c.score === 'number' ? c.score : 0,
      reason: c.reason ?? '',
      ...(error !== undefined ? { error } : {}),
    };
  });
  send({ type: 'result', jobId, results });
}

process.on('message', (m: ParentMessage) => {
  if (m.type === 'judgeReply') {
    const resolve = judgeCalls.get(m.callId);
    judgeCalls.delete(m.callId);
    resolve?.({
      ...(m.output !== undefined ? { output: m.output } : {}),
      ...(m.error !== undefined ? { error: m.error } : {}),
    });
    return;
  }
  // The parent sends only the two kinds of message; anything not a judge reply is a job.
  if (api) {
    queue = queue.then(() =>
      runJob(api, m.jobId, m.tests).catch((e: unknown) =>
        send({ type: 'jobError', jobId: m.jobId, message: e instanceof Error ? e.message : String(e) }),
      ),
    );
  }
});
process.on('disconnect', () => process.exit(0));
if (!api) setTimeout(() => process.exit(1), 100);
