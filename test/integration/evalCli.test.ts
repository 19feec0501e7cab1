import { strict as assert } from 'node:assert';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../src/cli/main';
import { LibraryRepository } from '../../src/core/library/libraryRepository';
import { SIM_RULES } from '../sim/behaviour';
import { startSimulator, type Simulator } from '../sim/server';
import { openWorkspaceStore } from '../../src/core/workspaceStore';

const ROOT = join(__dirname, '..', '..');
const SUITE = join(ROOT, 'examples', 'travel-desk.suite.json');
const PLAIN = 'You are a helpful travel assistant.';
const BETTER = [PLAIN, ...SIM_RULES.map((r) => r.sentence)].join('\n');
const MODEL = 'openai/sim-1';

interface Run {
  code: number;
  out: string;
  err: string;
}

/** The --json object (only the fields the tests read). */
interface EvalJson {
  status: string;
  score: number;
  passHatK?: number;
  perModel: { model: string; score: number; passed: number; total: number }[];
  cases: {
    id: string;
    model: string;
    pass: boolean;
    reason: string | null;
    detail: string | null;
    toolCalls: unknown[];
    latencyMs: number;
    usage: unknown;
    costUsd: number | null;
    cached: boolean;
  }[];
  calls: number;
  cacheHits: number;
  usage: { inputTokens: number; outputTokens: number };
  costUsd: number | null;
}

describe('prompt-tuner eval (CLI against the simulator)', function () {
  this.timeout(60_000);
  let sim: Simulator;
  const dirs: string[] = [];

  const workspace = () => {
    const d = mkdtempSync(join(tmpdir(), 'pt-eval-'));
    dirs.push(d);
    return d;
  };

  async function run(args: string[], opts: { signal?: AbortSignal; env?: NodeJS.ProcessEnv } = {}): Promise<Run> {
    let out = '';
    let err = '';
    const code = await runCli(['eval', ...args], {
      out: (t) => (out += t),
      err: (t) => (err += t),
      cwd: ROOT,
      env: opts.env ?? {
        OPENAI_API_KEY: 'sk-sim-test',
        OPENAI_BASE_URL: sim.openaiBaseUrl,
        ANTHROPIC_API_KEY: 'sk-ant-sim',
        ANTHROPIC_BASE_URL: sim.anthropicBaseUrl,
      },
      signal: opts.signal ?? new AbortController().signal,
    });
    return { code, out, err };
  }

  const evalJson = async (ws: string, prompt: string, extra: string[] = []) => {
    const r = await run([
      '--suite',
      SUITE,
      '--prompt',
      prompt,
      '--model',
      MODEL,
      '--workspace',
      ws,
      '--json',
      ...extra,
    ]);
    assert.equal(r.code, 0, r.err);
    return JSON.parse(r.out) as EvalJson;
  };

  before(async () => {
    sim = await startSimulator();
  });
  afterEach(() => sim.configure({ latencyMs: 0, jitterMs: 0 }));
  after(async () => {
    await sim.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('scores the better prompt higher than the plain one, with the documented --json shape', async () => {
    const ws = workspace();
    const plain = await evalJson(ws, PLAIN);
    const better = await evalJson(ws, BETTER);
    assert.ok(better.score > plain.score, `better ${better.score} should beat plain ${plain.score}`);
    assert.ok(plain.score < 0.6, `the plain prompt should score low, got ${plain.score}`);
    assert.equal(plain.status, 'complete');
    assert.equal(plain.cases.length, 16);
    for (const key of ['score', 'perModel', 'cases', 'calls', 'cacheHits', 'usage', 'costUsd'])
      assert.ok(key in plain, `--json has ${key}`);
    const c = plain.cases[0]!;
    for (const key of ['id', 'model', 'pass', 'reason', 'toolCalls', 'latencyMs', 'usage', 'costUsd', 'cached'])
      assert.ok(key in c, `a case has ${key}`);
    assert.deepEqual(
      plain.perModel.map((m) => [m.model, m.total]),
      [[MODEL, 16]],
    );
    assert.equal(plain.calls, 16);
    assert.equal(plain.cacheHits, 0);
    assert.ok(plain.usage.inputTokens > 0);
    assert.equal(plain.costUsd, null, 'the simulator has no price: unknown, never 0');
    const failed = plain.cases.filter((x) => !x.pass);
    assert.ok(
      failed.length > 0 &&
        failed.every((x) => typeof x.reason === 'string' && typeof x.detail === 'string' && x.detail.length > 0),
    );
  });

  it('answers from the cache on a second run, and --no-cache calls again', async () => {
    const ws = workspace();
    await evalJson(ws, PLAIN);
    const before = sim.counters().calls;
    const again = await evalJson(ws, PLAIN);
    assert.equal(again.cacheHits, 16);
    assert.equal(again.calls, 0);
    assert.equal(sim.counters().calls, before, 'no request reached the simulator');
    const fresh = await evalJson(ws, PLAIN, ['--no-cache']);
    assert.equal(fresh.calls, 16);
    assert.equal(fresh.score, again.score);
    assert.equal(sim.counters().calls, before + 16);
  });

  it('prints a readable table by default with failures, reasons and totals', async () => {
    const r = await run(['--suite', SUITE, '--prompt', PLAIN, '--model', MODEL, '--workspace', workspace()]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^Suite: Travel desk · 16 case\(s\) × 1 model\(s\)/);
    assert.match(r.out, new RegExp(`^${MODEL.replace('/', '\\/')}\\s+\\d+\\.\\d%\\s+\\d+/16$`, 'm'));
    assert.match(r.out, /^Failures:$/m);
    assert.match(
      r.out,
      /^ {2}\S+ · openai\/sim-1: (no_call|unexpected_call|wrong_tool|missing_arg|unexpected_arg|type_error|value_error|invalid_json|call_count) — \S/m,
    );
    assert.match(r.out, /^Score: \d+\.\d% \(\d+\/16 passed\)$/m);
    assert.match(r.out, /^Calls: 16 · cache hits: 0 · tokens: \d+ in \/ \d+ out · cost: /m);
  });

  it('--events streams case results and ends with eval_complete', async () => {
    const r = await run([
      '--suite',
      SUITE,
      '--prompt',
      PLAIN,
      '--model',
      MODEL,
      '--workspace',
      workspace(),
      '--events',
    ]);
    assert.equal(r.code, 0, r.err);
    const events = r.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; score?: number });
    assert.equal(events[0]!.type, 'eval_start');
    assert.equal(events.filter((e) => e.type === 'case_result').length, 16);
    const last = events.at(-1)!;
    assert.equal(last.type, 'eval_complete');
    assert.equal(typeof last.score, 'number');
  });

  it('--repeat K adds pass^k beside the mean', async () => {
    const s = await evalJson(workspace(), PLAIN, ['--repeat', '2']);
    assert.equal(s.cases.length, 32);
    assert.equal(typeof s.passHatK, 'number');
    assert.ok(s.passHatK! <= s.score + 1e-9, 'pass^k never exceeds the mean');
    assert.equal(s.calls + s.cacheHits, 32);
  });

  it('runs several models, across both APIs', async () => {
    const r = await run([
      '--suite',
      SUITE,
      '--prompt',
      BETTER,
      '--model',
      MODEL,
      '--model',
      'anthropic/sim-1',
      '--workspace',
      workspace(),
      '--json',
    ]);
    assert.equal(r.code, 0, r.err);
    const s = JSON.parse(r.out) as EvalJson;
    assert.deepEqual(
      s.perModel.map((m) => m.model),
      [MODEL, 'anthropic/sim-1'],
    );
    assert.equal(s.cases.length, 32);
  });

  it('takes the prompt from a file and from the library', async () => {
    const ws = workspace();
    const file = join(ws, 'prompt.md');
    writeFileSync(file, BETTER);
    const fromText = await evalJson(ws, BETTER);
    const r = await run(['--suite', SUITE, '--prompt-file', file, '--model', MODEL, '--workspace', ws, '--json']);
    assert.equal(r.code, 0, r.err);
    assert.equal((JSON.parse(r.out) as EvalJson).score, fromText.score);

    const store = await openWorkspaceStore({ dir: join(ws, '.prompt-tuner') });
    new LibraryRepository(store).addVersion({ name: 'travel', text: PLAIN });
    new LibraryRepository(store).addVersion({ name: 'travel', text: BETTER });
    await store.close();
    const v1 = await run(['--suite', SUITE, '--library', 'travel@1', '--model', MODEL, '--workspace', ws, '--json']);
    const latest = await run(['--suite', SUITE, '--library', 'travel', '--model', MODEL, '--workspace', ws, '--json']);
    assert.equal(v1.code, 0, v1.err);
    assert.equal(latest.code, 0, latest.err);
    assert.equal((JSON.parse(latest.out) as EvalJson).score, fromText.score);
    assert.ok((JSON.parse(v1.out) as EvalJson).score < fromText.score);
    const missing = await run(['--suite', SUITE, '--library', 'nope', '--model', MODEL, '--workspace', ws]);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /--library: no prompt version "nope"/);
  });

  describe('bad input exits 2 and writes nothing', () => {
    const cases: [string, (ws: string) => string[], RegExp][] = [
      [
        'a bad suite',
        (ws) => [
          '--suite',
          'test/fixtures/suites/bad-matcher.suite.json',
          '--prompt',
          PLAIN,
          '--model',
          MODEL,
          '--workspace',
          ws,
        ],
        /^test\/fixtures\/suites\/bad-matcher\.suite\.json: cases\[0\]\.expect\.args\.date\.regex: must be a string/m,
      ],
      [
        'invalid suite JSON',
        (ws) => [
          '--suite',
          'test/fixtures/suites/invalid-json.suite.json',
          '--prompt',
          PLAIN,
          '--model',
          MODEL,
          '--workspace',
          ws,
        ],
        /invalid-json\.suite\.json: invalid JSON at line 7:/,
      ],
      [
        'a missing suite',
        (ws) => ['--suite', 'nope.suite.json', '--prompt', PLAIN, '--model', MODEL, '--workspace', ws],
        /nope\.suite\.json: file not found/,
      ],
      ['no model', (ws) => ['--suite', SUITE, '--prompt', PLAIN, '--workspace', ws], /at least one --model/],
      [
        'a model without provider',
        (ws) => ['--suite', SUITE, '--prompt', PLAIN, '--model', 'gpt-4o', '--workspace', ws],
        /"gpt-4o" must be written provider\/model/,
      ],
      [
        'two prompt sources',
        (ws) => ['--suite', SUITE, '--prompt', PLAIN, '--prompt-file', 'x.md', '--model', MODEL, '--workspace', ws],
        /give only one of --prompt-file, --prompt/,
      ],
      ['no prompt', (ws) => ['--suite', SUITE, '--model', MODEL, '--workspace', ws], /give the prompt/],
      [
        'a bad --repeat',
        (ws) => ['--suite', SUITE, '--prompt', PLAIN, '--model', MODEL, '--repeat', '0', '--workspace', ws],
        /--repeat: must be at least 1/,
      ],
      [
        'an unknown flag',
        (ws) => ['--suite', SUITE, '--prompt', PLAIN, '--model', MODEL, '--temperature', '1', '--workspace', ws],
        /temperature/,
      ],
    ];
    for (const [name, args, message] of cases) {
      it(name, async () => {
        const ws = workspace();
        const r = await run(args(ws));
        assert.equal(r.code, 2, r.err);
        assert.match(r.err, message);
        assert.equal(r.out, '');
        assert.equal(existsSync(join(ws, '.prompt-tuner')), false, 'nothing written');
      });
    }
    it('an unknown provider', async () => {
      const r = await run(['--suite', SUITE, '--prompt', PLAIN, '--model', 'nowhere/x', '--workspace', workspace()]);
      assert.equal(r.code, 2, r.err);
      assert.match(r.err, /unknown provider "nowhere"/);
    });
  });

  it('exits 1 when the model fails, saying what to fix', async () => {
    const r = await run([
      '--suite',
      SUITE,
      '--prompt',
      PLAIN,
      '--model',
      'openai/fail-401',
      '--workspace',
      workspace(),
      '--json',
    ]);
    assert.equal(r.code, 1);
    assert.match(r.err, /401/);
    const s = JSON.parse(r.out) as EvalJson & { error: { kind: string } };
    assert.equal(s.status, 'failed');
    assert.equal(s.error.kind, 'auth');
  });

  it('stops at the budget with partial results and a clear line (exit 1)', async () => {
    const ws = workspace();
    mkdirSync(join(ws, '.prompt-tuner'));
    // A made-up steep price so a few calls reach a $5 budget.
    writeFileSync(
      join(ws, '.prompt-tuner', 'config.json'),
      JSON.stringify({ prices: { [MODEL]: { inputPerMTok: 1000, outputPerMTok: 1000 } } }),
    );
    const r = await run([
      '--suite',
      SUITE,
      '--prompt',
      PLAIN,
      '--model',
      MODEL,
      '--workspace',
      ws,
      '--json',
      '--budget-usd',
      '5',
    ]);
    assert.equal(r.code, 1, r.err);
    assert.match(r.err, /^Budget reached: spent \$\d+\.\d+ of \$5; stopped with \d+ of 16 results \(partial\)\.$/m);
    const s = JSON.parse(r.out) as EvalJson;
    assert.equal(s.status, 'budget_reached');
    assert.ok(s.cases.length >= 1 && s.cases.length < 16, `partial: ${s.cases.length}`);
    assert.ok(typeof s.costUsd === 'number' && s.costUsd <= 5);
  });

  it('Ctrl-C cancels: exit 130 with partial results', async () => {
    sim.configure({ latencyMs: 400 });
    const controller = new AbortController();
    const started = run(
      ['--suite', SUITE, '--prompt', PLAIN, '--model', MODEL, '--workspace', workspace(), '--concurrency', '2'],
      { signal: controller.signal },
    );
    setTimeout(() => controller.abort(new Error('Cancelled by Ctrl-C')), 1000);
    const r = await started;
    assert.equal(r.code, 130, r.err);
    assert.match(r.err, /Cancelled: \d+ of 16 results \(partial\)/);
    assert.match(r.out, /partial: \d+ of 16 results/);
  });
});
