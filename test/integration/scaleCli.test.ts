// `prompt-tuner scale` through runCli against the simulator (flags, preflight, outputs, idempotency, list/show,
// Ctrl-C), and as a child process killed with SIGKILL mid-run, then resumed.
import { strict as assert } from 'node:assert';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ScaleRunsRepository } from '../../src/core/scale/runsRepository';
import type { ScaleEvent, ScaleReport, TranscriptMessage } from '../../src/core/scale/types';
import { openWorkspaceStore } from '../../src/core/workspaceStore';
import { startSimulator, type Simulator } from '../sim/server';
import { CLI_MAIN, killChildAt, runCliInProcess, simEnv, type CliRun } from '../support/cliHarness';

const AGENT = {
  name: 'Hotel desk',
  systemPrompt: 'You are a hotel front desk assistant. Use the tools to book rooms. Be brief.',
  character: 'A warm, brief receptionist.',
  maxTurns: 3,
  tools: [
    {
      name: 'book_room',
      description: 'Book a hotel room in a city',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
      mock: {
        responses: [{ when: { city: 'Oslo' }, result: { ok: true, confirmation: 'OSL123' } }],
        result: { ok: false, error: 'no rooms' },
      },
    },
  ],
  scenarios: [
    {
      id: 'oslo',
      persona: 'A brief business traveller.',
      goal: 'Book a room in Oslo.',
      openingMessage: 'Book me a room in Oslo please.',
    },
    {
      id: 'rome',
      persona: 'An impatient tourist.',
      goal: 'Book a room in Rome.',
      openingMessage: 'I need a room in Rome, quickly.',
    },
  ],
};

type Ran = CliRun & { ws: string };

/** A fresh workspace with the agent file (and optionally a config.json). */
function workspace(opts: { agent?: unknown; agentText?: string; config?: unknown } = {}): {
  ws: string;
  agentFile: string;
} {
  const ws = mkdtempSync(path.join(tmpdir(), 'pt-scale-cli-'));
  const agentFile = path.join(ws, 'hotel.agent.json');
  writeFileSync(agentFile, opts.agentText ?? JSON.stringify(opts.agent ?? AGENT, null, 2));
  if (opts.config) {
    mkdirSync(path.join(ws, '.prompt-tuner'));
    writeFileSync(path.join(ws, '.prompt-tuner', 'config.json'), JSON.stringify(opts.config));
  }
  return { ws, agentFile };
}

const storeWritten = (ws: string) =>
  existsSync(path.join(ws, '.prompt-tuner', 'store.sqlite')) ||
  existsSync(path.join(ws, '.prompt-tuner', 'store.journal'));
const events = (out: string) =>
  out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as ScaleEvent);

describe('prompt-tuner scale (CLI) against the simulator', function () {
  this.timeout(60_000);
  let sim: Simulator;
  before(async () => {
    sim = await startSimulator({ latencyMs: 2 });
  });
  after(async () => {
    await sim.close();
  });
  beforeEach(() => sim.reset());

  async function cli(
    args: string[],
    ws: string,
    opts: { onOut?: (text: string, abort: () => void) => void; env?: Record<string, string> } = {},
  ): Promise<Ran> {
    const env = { ...simEnv(sim), PROMPT_TUNER_SCALE_STAGGER_MS: '0', ...opts.env };
    const ran = await runCliInProcess(args, { cwd: ws, env, ...(opts.onOut ? { onOut: opts.onOut } : {}) });
    return { ...ran, ws };
  }

  const base = (agentFile: string) => ['scale', '--agent', agentFile, '--model', 'openai/sim-1'];

  it('--help lists every flag of issue 7', async () => {
    const { ws } = workspace();
    const { code, out } = await cli(['scale', '--help'], ws);
    assert.equal(code, 0);
    for (const flag of [
      '--agent',
      '--model',
      '--user-model',
      '--judge-model',
      '--summarizer-model',
      '--system-prompt-file',
      '--system-prompt',
      '--library',
      '--goal',
      '--message',
      '--runs',
      '--concurrency',
      '--max-budget-usd',
      '--max-conversation-usd',
      '--yes',
      '--seed',
      '--temperature',
      '--evaluator',
      '--evaluator-url',
      '--idempotency-key',
      '--verify',
      '--resume',
      '--estimate',
      '--json',
      '--events',
      '--workspace',
      'PROMPT_TUNER_SCALE_STAGGER_MS',
    ]) {
      assert.ok(out.includes(flag), `help mentions ${flag}`);
    }
    const top = await cli(['--help'], ws);
    assert.match(top.out, /scale list/);
    assert.match(top.out, /scale show/);
  });

  it('bad input exits 2 naming the flag and its cap, makes no call and writes nothing', async () => {
    const { ws, agentFile } = workspace();
    for (const [args, pattern] of [
      [[...base(agentFile), '--runs', '11'], /--runs: at most 10 \(the cap\), got 11/],
      [[...base(agentFile), '--concurrency', '6'], /--concurrency: at most 5, got 6/],
      [[...base(agentFile), '--temperature', '3'], /--temperature/],
      [[...base(agentFile), '--evaluator', 'deepeval'], /--evaluator/],
      [[...base(agentFile), '--evaluator', 'http'], /--evaluator-url/],
      [[...base(agentFile), '--system-prompt', 'x', '--library', 'y'], /--system-prompt, --library/],
      [['scale', '--agent', agentFile, '--model', 'nowhere/x'], /--model: unknown provider "nowhere"/],
      [['scale', '--model', 'openai/sim-1'], /--agent FILE is required/],
      [[...base(agentFile), '--library', 'missing-prompt'], /--library: no prompt version "missing-prompt"/],
    ] as const) {
      const r = await cli([...args], ws);
      assert.equal(r.code, 2, `${args.join(' ')} → exit 2 (${r.err})`);
      assert.match(r.err, pattern);
    }
    assert.equal(sim.counters().calls, 0);
    assert.equal(existsSync(path.join(ws, '.prompt-tuner')), false, 'nothing written');
  });

  it('a malformed agent file exits 2 naming the file and the JSON path', async () => {
    const broken = { ...AGENT, scenarios: [{ id: 'oslo', goal: 'Book a room in Oslo.' }], maxTurns: 99 };
    const { ws, agentFile } = workspace({ agent: broken });
    const r = await cli(base(agentFile), ws);
    assert.equal(r.code, 2);
    assert.match(r.err, /hotel\.agent\.json/);
    assert.match(r.err, /scenarios\[0\]\.persona/);
    assert.match(r.err, /maxTurns/);
    const syntax = workspace({ agentText: '{ "name": "x", ' });
    const s = await cli(base(syntax.agentFile), syntax.ws);
    assert.equal(s.code, 2);
    assert.match(s.err, /hotel\.agent\.json/);
    assert.equal(sim.counters().calls, 0);
    assert.equal(existsSync(path.join(ws, '.prompt-tuner')), false);
  });

  it('an agent promptRef that is not in the library exits 2 naming it', async () => {
    const { systemPrompt: _p, ...rest } = AGENT;
    const { ws, agentFile } = workspace({ agent: { ...rest, promptRef: 'front-desk@2' } });
    const r = await cli(base(agentFile), ws);
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /promptRef: no prompt version "front-desk@2"/);
    assert.equal(sim.counters().calls, 0);
  });

  it('budget preflight: over --max-budget-usd without --yes exits 2 with the estimate and makes no call', async () => {
    const { ws, agentFile } = workspace({
      config: { prices: { 'openai/sim-1': { inputPerMTok: 1000, outputPerMTok: 1000 } } },
    });
    const r = await cli([...base(agentFile), '--runs', '3', '--max-budget-usd', '0.01'], ws);
    assert.equal(r.code, 2, r.err);
    assert.match(r.out, /model calls, at most \$\d/, 'the estimate is printed');
    assert.match(r.err, /over --max-budget-usd 0\.01; rerun with --yes/);
    assert.equal(sim.counters().calls, 0);
    assert.equal(storeWritten(ws), false);

    const est = await cli([...base(agentFile), '--runs', '3', '--estimate', '--json'], ws);
    assert.equal(est.code, 0, est.err);
    const e = JSON.parse(est.out) as { calls: number; usd: number; byRole: { role: string; calls: number }[] };
    assert.ok(e.usd > 0.01);
    assert.deepEqual(
      e.byRole.map((x) => x.role),
      ['agent', 'user', 'judge', 'summarizer'],
    );
    assert.equal(sim.counters().calls, 0);
  });

  it('over the budget with --yes: runs until the cap, exit 1, the partial report kept', async () => {
    const { ws, agentFile } = workspace({
      config: { prices: { 'openai/sim-1': { inputPerMTok: 1000, outputPerMTok: 1000 } } },
    });
    // The estimate (far above $12) needs --yes; the cap then stops new conversations once the next one's
    // projected cost would not fit.
    const r = await cli(
      [...base(agentFile), '--runs', '10', '--concurrency', '1', '--max-budget-usd', '12', '--yes', '--json'],
      ws,
    );
    assert.equal(r.code, 1, r.err);
    const report = JSON.parse(r.out) as ScaleReport;
    assert.equal(report.status, 'budget_reached');
    assert.ok(
      report.stats.cost.actualUsd !== null && report.stats.cost.actualUsd > 0 && report.stats.cost.actualUsd <= 12,
      `spent ${report.stats.cost.actualUsd} within the cap`,
    );
    assert.ok(
      report.conversations.some((c) => c.status === 'done'),
      'some conversations were kept',
    );
    assert.ok(
      report.conversations.some((c) => c.status === 'pending'),
      'the cap stopped the rest',
    );
    assert.match(r.err, /Budget reached: .*partial report kept/);
    assert.ok(r.err.includes(`prompt-tuner scale --resume ${report.runId}`));
  });

  it('an unknown price with a USD cap exits 2 before any call, naming the model', async () => {
    const { ws, agentFile } = workspace();
    const r = await cli([...base(agentFile), '--max-budget-usd', '5'], ws);
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /--max-budget-usd cannot be enforced: the price of openai\/sim-1 is unknown/);
    assert.equal(sim.counters().calls, 0);
    assert.equal(storeWritten(ws), false);
  });

  it('a missing API key exits 2 before any call, naming the variable', async () => {
    const { ws, agentFile } = workspace();
    const r = await cli([...base(agentFile), '--judge-model', 'anthropic/claude-haiku-4-5'], ws);
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /no API key for anthropic \(anthropic\/claude-haiku-4-5\): set ANTHROPIC_API_KEY/);
    assert.equal(sim.counters().calls, 0);
    assert.equal(storeWritten(ws), false);
  });

  it('--json prints the report: stats, conversations, summary', async () => {
    const { ws, agentFile } = workspace();
    const r = await cli([...base(agentFile), '--runs', '3', '--concurrency', '2', '--json'], ws);
    assert.equal(r.code, 0, r.err);
    const report = JSON.parse(r.out) as ScaleReport;
    assert.equal(report.status, 'completed');
    assert.equal(typeof report.runId, 'string');
    assert.equal(report.stats.total, 3);
    assert.equal(report.stats.passed + report.stats.failed + report.stats.unscored, 3);
    for (const k of [
      'winRate',
      'winRateInterval',
      'averageTurns',
      'turns',
      'tokenStats',
      'latencyStats',
      'cost',
      'topFailureModes',
      'judgeStats',
    ] as const)
      assert.ok(k in report.stats, `stats.${k}`);
    assert.deepEqual(report.stats.cost.byRole.map((l) => l.role).sort(), ['agent', 'judge', 'summarizer', 'user']);
    assert.equal(report.conversations.length, 3);
    assert.deepEqual(
      report.conversations.map((c) => c.scenario?.id),
      ['oslo', 'rome', 'oslo'],
    );
    for (const c of report.conversations) {
      assert.ok(['pass', 'fail', 'unscored'].includes(c.outcome ?? ''), `outcome of ${c.conversationId}`);
      assert.ok(c.endedReason);
      assert.ok(c.assertionResults.length > 0);
    }
    assert.ok(report.summary !== null || typeof report.summaryError === 'string', 'a summary or why there is none');
    if (report.summary) {
      assert.ok('failureModes' in report.summary && 'characterInconsistency' in report.summary);
      assert.equal(typeof report.revisedPrompt, 'string');
    }
    assert.ok(sim.counters().calls > 0);
  });

  it('--events streams scale_start first, one conversation_complete per run, scale_complete last', async () => {
    const { ws, agentFile } = workspace();
    const r = await cli([...base(agentFile), '--runs', '2', '--events'], ws);
    assert.equal(r.code, 0, r.err);
    const lines = events(r.out);
    assert.equal(lines[0]!.type, 'scale_start');
    const last = lines.at(-1)!;
    assert.equal(last.type, 'scale_complete');
    assert.equal(last.report.conversations.length, 2);
    assert.equal(lines.filter((e) => e.type === 'conversation_complete').length, 2);
    assert.equal(lines.filter((e) => e.type === 'evaluation_complete').length, 2);
    for (const t of ['conversation_start', 'turn_complete', 'summary_complete'] as const)
      assert.ok(
        lines.some((e) => e.type === t),
        `has ${t}`,
      );
    const start = lines.findIndex((e) => e.type === 'conversation_start');
    const done = lines.findIndex((e) => e.type === 'conversation_complete');
    assert.ok(start < done);
    assert.equal(new Set(lines.map((e) => e.runId)).size, 1);
  });

  it('the human output: a line per conversation start and finish, then the report', async () => {
    const { ws, agentFile } = workspace();
    const r = await cli([...base(agentFile), '--runs', '2', '--verify'], ws);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^Estimate: at most \d+ model calls/m);
    assert.match(r.out, /\[1\/2\] start +oslo +seed \d+/);
    assert.match(r.out, /\[2\/2\] (pass|fail|unscored) +rome +(user_stop|max_turns) +\d turns? +unknown/);
    assert.match(r.out, /Win rate [\d.]+% \(95% CI [\d.]+%–[\d.]+%\)|Win rate — \(no interval/);
    assert.match(r.out, /Turns p50 \d+, p95 \d+/);
    assert.match(r.out, /Cost: actual unknown, estimated unknown/);
    assert.match(r.out, /role +model +calls \(est\.\)/);
    assert.match(r.out, /Failure modes|No summary/);
    assert.match(r.out, /Verification \(run [\w-]+, \w+\): win rate \S+ \(.*\) → \S+ \(.*\)/);
  });

  it('an idempotency key used before prints that run and makes no call', async () => {
    const { ws, agentFile } = workspace();
    const first = await cli([...base(agentFile), '--runs', '2', '--idempotency-key', 'submit-1', '--json'], ws);
    assert.equal(first.code, 0, first.err);
    const a = JSON.parse(first.out) as ScaleReport;
    assert.equal(a.idempotencyKey, 'submit-1');
    sim.reset();
    const again = await cli([...base(agentFile), '--runs', '2', '--idempotency-key', 'submit-1', '--json'], ws);
    assert.equal(again.code, 0, again.err);
    const b = JSON.parse(again.out) as ScaleReport;
    assert.equal(b.runId, a.runId);
    assert.deepEqual(b.stats, a.stats);
    assert.equal(sim.counters().calls, 0, 'no call made');
    const streamed = events((await cli([...base(agentFile), '--idempotency-key', 'submit-1', '--events'], ws)).out);
    assert.equal(streamed.length, 1);
    assert.deepEqual([streamed[0]!.type, streamed[0]!.runId], ['scale_complete', a.runId]);
    const human = await cli([...base(agentFile), '--idempotency-key', 'submit-1'], ws);
    assert.equal(human.code, 0);
    assert.ok(human.out.includes(`started run ${a.runId} before`));
    assert.equal(sim.counters().calls, 0);
  });

  it('scale list and scale show (report, one transcript, unknown ids)', async () => {
    const { ws, agentFile } = workspace();
    const run = await cli([...base(agentFile), '--runs', '2', '--json'], ws);
    assert.equal(run.code, 0, run.err);
    const report = JSON.parse(run.out) as ScaleReport;
    const list = await cli(['scale', 'list', '--json'], ws);
    assert.equal(list.code, 0);
    const rows = JSON.parse(list.out) as { runId: string; status: string; agentName: string }[];
    assert.deepEqual(
      rows.map((x) => [x.runId, x.status, x.agentName]),
      [[report.runId, 'completed', 'Hotel desk']],
    );
    const listHuman = await cli(['scale', 'list'], ws);
    assert.ok(listHuman.out.includes(report.runId));

    const show = await cli(['scale', 'show', report.runId], ws);
    assert.equal(show.code, 0, show.err);
    assert.ok(show.out.includes(`Run ${report.runId}: completed`));
    assert.match(show.out, /Win rate/);
    const showJson = await cli(['scale', 'show', report.runId, '--json'], ws);
    assert.deepEqual((JSON.parse(showJson.out) as ScaleReport).stats, report.stats);

    const id = report.conversations[0]!.conversationId;
    const transcript = await cli(['scale', 'show', report.runId, '--conversation', id], ws);
    assert.equal(transcript.code, 0, transcript.err);
    assert.ok(transcript.out.includes('Book me a room in Oslo please.'), transcript.out);

    const unknown = await cli(['scale', 'show', 'no-such-run'], ws);
    assert.equal(unknown.code, 2);
    assert.match(unknown.err, /no scale run "no-such-run"/);
    const badConv = await cli(['scale', 'show', report.runId, '--conversation', 'nope'], ws);
    assert.equal(badConv.code, 2);
    assert.match(badConv.err, /--conversation: no conversation "nope"/);
    const empty = workspace();
    const none = await cli(['scale', 'list'], empty.ws);
    assert.match(none.out, /No scale runs/);
    assert.equal(existsSync(path.join(empty.ws, '.prompt-tuner')), false, 'list creates no store');
  });

  it('Ctrl-C cancels: exit 130, partial results kept, says how to resume', async () => {
    sim.configure({ latencyMs: 5 });
    const { ws, agentFile } = workspace();
    let runId = '';
    const r = await cli([...base(agentFile), '--runs', '4', '--concurrency', '1', '--events'], ws, {
      onOut: (t, abort) => {
        for (const line of t.trim().split('\n')) {
          const e = JSON.parse(line) as ScaleEvent;
          runId = e.runId;
          if (e.type === 'conversation_complete') abort();
        }
      },
    });
    assert.equal(r.code, 130, r.err);
    assert.equal(events(r.out).at(-1)!.type, 'scale_cancelled');
    assert.ok(r.err.includes(`prompt-tuner scale --resume ${runId}`));
    const show = await cli(['scale', 'show', runId], ws);
    assert.match(show.out, new RegExp(`Run ${runId}: cancelled`));
  });
});

describe('a scale run whose process is killed', function () {
  this.timeout(90_000);
  let sim: Simulator;
  before(async () => {
    sim = await startSimulator({ latencyMs: 150 });
  });
  after(async () => {
    await sim.close();
  });

  const env = () => ({ ...simEnv(sim), PROMPT_TUNER_SCALE_STAGGER_MS: '0' });
  const inProcess = (args: string[], ws: string): Promise<CliRun> => runCliInProcess(args, { cwd: ws, env: env() });

  async function transcripts(ws: string, runId: string, ids: string[]): Promise<Map<string, TranscriptMessage[]>> {
    const store = await openWorkspaceStore({ dir: path.join(ws, '.prompt-tuner') });
    try {
      const runs = new ScaleRunsRepository(store);
      return new Map(ids.map((id) => [id, runs.transcript(runId, id)]));
    } finally {
      await store.close();
    }
  }

  it('is shown as interrupted, and --resume finishes it keeping the conversations done before the kill', async () => {
    const { ws, agentFile } = workspace();
    const finished: string[] = [];
    const { runId } = await killChildAt<ScaleEvent>(
      CLI_MAIN,
      [
        'scale',
        '--workspace',
        ws,
        '--agent',
        agentFile,
        '--model',
        'openai/sim-1',
        '--runs',
        '4',
        '--concurrency',
        '1',
        '--events',
      ],
      { ...process.env, ...env() },
      // A conversation is finished once graded (its evaluation_complete follows its conversation_complete):
      // killed right after the second one's grade is stored (events are stored before they are printed).
      (event) => {
        if (event.type === 'evaluation_complete') finished.push(event.conversationId);
        return finished.length === 2;
      },
    );

    const show = await inProcess(['scale', 'show', runId], ws);
    assert.equal(show.code, 0, show.err);
    assert.match(show.out, /Interrupted/);
    assert.ok(show.out.includes(`prompt-tuner scale --resume ${runId}`));
    const before = await transcripts(ws, runId, finished);
    for (const [id, messages] of before) assert.ok(messages.length > 0, `${id} was stored before the kill`);

    const resumed = await inProcess(['scale', '--resume', runId, '--events'], ws);
    assert.equal(resumed.code, 0, resumed.err);
    const lines = events(resumed.out);
    assert.equal(lines[0]!.type, 'scale_start');
    const restarted = lines.filter((e) => e.type === 'conversation_start').map((e) => e.conversationId);
    for (const id of finished) assert.ok(!restarted.includes(id), `${id} is not run again`);
    const last = lines.at(-1)!;
    assert.equal(last.type, 'scale_complete');
    const report = last.report;
    assert.equal(report.runId, runId);
    assert.equal(report.conversations.length, 4);
    assert.equal(report.conversations.filter((c) => c.outcome !== null).length, 4);
    for (const id of finished)
      assert.ok(
        report.conversations.some((c) => c.conversationId === id),
        `${id} is in the report`,
      );
    const after = await transcripts(ws, runId, finished);
    assert.deepEqual(after, before, 'the finished conversations keep their stored messages');

    const again = await inProcess(['scale', 'show', runId], ws);
    assert.ok(again.out.includes(`Run ${runId}: completed`));
  });
});
