// The http and promptfoo evaluators for real: an http worker on a local node:http server, and promptfoo's
// Node API in its child process (the install from scripts/setup-promptfoo.sh), with llm-rubric judged by
// the simulator through the real gateway and SDK. Without promptfoo installed the promptfoo tests are
// skipped, except in CI (CI=true), where they fail: CI must run them.
import { strict as assert } from 'node:assert';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { loadAgent, parseAgent } from '../../src/core/agents/loadAgent';
import type { Agent, AgentFile } from '../../src/core/agents/agentSchema';
import { runConversation } from '../../src/core/agents/conversation';
import { scenarioForRun } from '../../src/core/agents/personas';
import { createCliGateway } from '../../src/core/models/cliGateway';
import { ModelError, type ModelGateway, type ModelResult } from '../../src/core/models/types';
import {
  createEvaluator,
  type GradeContext,
  type GradeInput,
  type ScaleEvaluator,
} from '../../src/core/scale/grading/evaluator';
import { PROBE_CONVERSATION_ID } from '../../src/core/scale/grading/httpEvaluator';
import { outcomeOf } from '../../src/core/scale/grading/outcome';
import { findPromptfoo } from '../../src/core/scale/grading/promptfooLocate';
import type { TranscriptMessage } from '../../src/core/scale/types';
import { startSimulator, type Simulator } from '../sim/server';
import { noGatewayStats } from '../support/gatewayStats';

const ROOT = path.join(__dirname, '..', '..');
const AT = '2026-01-01T00:00:00.000Z';
const MESSAGES: TranscriptMessage[] = [
  { turn: 1, role: 'user', content: 'Book a double room from 2026-05-01 for 2 nights', at: AT },
  {
    turn: 1,
    role: 'assistant',
    content: '',
    toolCalls: [
      {
        id: 'c1',
        name: 'book_room',
        arguments: { room_type: 'double', check_in: '2026-05-01', nights: 2 },
        result: '{"booking_code":"HX4821","status":"confirmed"}',
      },
    ],
    at: AT,
  },
  { turn: 1, role: 'assistant', content: 'Booked: your code is **HX4821**.', at: AT },
  { turn: 2, role: 'user', content: 'Thanks!', at: AT },
  { turn: 2, role: 'assistant', content: 'You are welcome, see you in May.', at: AT },
];

function agentOf(extra: Partial<AgentFile> = {}): Agent {
  return parseAgent(
    JSON.stringify({ name: 'Desk', systemPrompt: 'You are a hotel desk.', ...extra }),
    'desk.agent.json',
  );
}

function input(agent: Agent, over: Partial<GradeInput> = {}): GradeInput {
  return {
    conversationId: 'conv-1',
    agent,
    goal: 'Book a double room',
    messages: MESSAGES,
    endedReason: 'user_stop',
    seed: 4,
    ...over,
  };
}

const noGateway: ModelGateway = {
  call: () => Promise.reject(new Error('no model call expected')),
  onEvent: () => () => undefined,
  stats: noGatewayStats,
  measuredLatencyMs: () => undefined,
};

function ctxOf(gateway: ModelGateway, calls: ModelResult[] = [], signal = new AbortController().signal): GradeContext {
  return { gateway, judgeModel: 'openai/sim-1', signal, callOptions: {}, onCall: (r) => calls.push(r) };
}

type Handler = (body: Record<string, unknown>, res: ServerResponse) => void;

describe('scale evaluators: http', function () {
  this.timeout(20_000);
  let server: Server;
  let url: string;
  let handler: Handler;
  const bodies: Record<string, unknown>[] = [];
  const json = (res: ServerResponse, status: number, data: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(typeof data === 'string' ? data : JSON.stringify(data));
  };
  const goodWorker: Handler = (body, res) =>
    json(res, 200, {
      results:
        body.conversationId === PROBE_CONVERSATION_ID
          ? []
          : [
              { assertion: 'Goal adherence', pass: true, score: 0.9, details: 'booked' },
              { assertion: 'Toxicity', pass: false, score: 0.2, details: 'curt', tag: 'toxicity' },
              { assertion: 'role adherence', pass: null, details: 'metric errored' },
            ],
    });

  before(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      let data = '';
      req.on('data', (c: Buffer) => (data += c.toString()));
      req.on('end', () => {
        if (req.method !== 'POST' || req.url !== '/eval') return json(res, 404, { error: 'not found' });
        const body = JSON.parse(data) as Record<string, unknown>;
        bodies.push(body);
        handler(body, res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    bodies.length = 0;
    handler = goodWorker;
  });

  it('probes, then posts {conversationId, transcript, goal} to /eval and maps the results and tags', async () => {
    const { evaluator, warning } = await createEvaluator('http', { url: `${url}/` });
    assert.equal(warning, undefined);
    assert.equal(evaluator.kind, 'http');
    assert.equal(bodies.length, 1);
    assert.equal(bodies[0]!.conversationId, PROBE_CONVERSATION_ID);
    const results = await evaluator.grade(input(agentOf()), ctxOf(noGateway));
    assert.equal(bodies.length, 2);
    assert.deepEqual(bodies[1], {
      conversationId: 'conv-1',
      transcript: MESSAGES,
      goal: 'Book a double room',
      endedReason: 'user_stop',
    });
    assert.deepEqual(
      results.map((r) => [r.assertion, r.pass, r.score, r.tag]),
      [
        ['Goal adherence', true, 0.9, 'GOAL_MISS'],
        ['Toxicity', false, 0.2, 'TOXICITY'],
        ['role adherence', null, null, 'CHARACTER_BREAK'],
      ],
    );
    assert.deepEqual(outcomeOf(results, 'user_stop'), { outcome: 'fail', failureTags: ['TOXICITY'] });
  });

  it('a worker that is down at creation: a warning and the built-in evaluator', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const { evaluator, warning } = await createEvaluator('http', { url: `http://127.0.0.1:${port}` });
    assert.equal(evaluator.kind, 'builtin');
    assert.match(
      warning!,
      new RegExp(
        `http evaluator is unavailable: http://127.0.0.1:${port}/eval: unreachable .*built-in evaluator instead`,
      ),
    );
  });

  it('a probe answered 5xx or with a bad payload: a warning and the built-in', async () => {
    handler = (_b, res) => json(res, 503, { error: 'warming up' });
    const down = await createEvaluator('http', { url });
    assert.equal(down.evaluator.kind, 'builtin');
    assert.match(down.warning!, /answered HTTP 503/);
    handler = (_b, res) => json(res, 200, { verdicts: [] });
    const bad = await createEvaluator('http', { url });
    assert.equal(bad.evaluator.kind, 'builtin');
    assert.match(bad.warning!, /invalid payload \(results: /);
    const none = await createEvaluator('http', {});
    assert.match(none.warning!, /needs a URL/);
  });

  it('a failure during the run grades the conversation null, never a pass', async () => {
    const { evaluator } = await createEvaluator('http', { url, timeoutMs: 300 });
    const cases: [Handler, RegExp][] = [
      [
        (_b, res) => json(res, 200, { results: [{ assertion: 'goal', pass: 'yes' }] }),
        /invalid payload \(results\.0\.pass: /,
      ],
      [(_b, res) => json(res, 200, 'not json at all'), /not JSON/],
      [(_b, res) => json(res, 500, { error: 'boom' }), /HTTP 500/],
      [(_b, res) => json(res, 200, { results: [] }), /returned no results/],
      [() => undefined, /no answer in 300 ms/],
    ];
    for (const [h, why] of cases) {
      handler = h;
      const results = await evaluator.grade(input(agentOf()), ctxOf(noGateway));
      assert.equal(results.length, 1);
      assert.equal(results[0]!.pass, null);
      assert.match(results[0]!.details, why);
      assert.equal(outcomeOf(results, 'user_stop').outcome, 'unscored');
    }
  });

  it('a cancel while waiting rejects as cancelled', async () => {
    const { evaluator } = await createEvaluator('http', { url });
    handler = () => undefined;
    const abort = new AbortController();
    const pending = evaluator.grade(input(agentOf()), ctxOf(noGateway, [], abort.signal));
    setTimeout(() => abort.abort(), 50);
    await assert.rejects(pending, (e: unknown) => e instanceof ModelError && e.kind === 'cancelled');
  });
});

describe('scale evaluators: promptfoo', function () {
  this.timeout(120_000);
  const installed = findPromptfoo({ cwd: ROOT });
  let sim: Simulator;
  let pf: ScaleEvaluator;
  let builtin: ScaleEvaluator;
  let gateway: ModelGateway;

  before(async function () {
    if ('problem' in installed) {
      const why = `promptfoo evaluator tests need promptfoo: run \`bash scripts/setup-promptfoo.sh\` (${installed.problem})`;
      if (process.env.CI === 'true') throw new Error(`CI must run these: ${why}`);
      console.log(`      skipped: ${why}`);
      this.skip();
    }
    sim = await startSimulator();
    gateway = createCliGateway({
      env: { OPENAI_BASE_URL: sim.openaiBaseUrl, OPENAI_API_KEY: 'sim-key' },
      workspace: mkdtempSync(path.join(tmpdir(), 'pt-pf-')),
      noCache: true,
      retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
    });
    const made = await createEvaluator('promptfoo', { cwd: ROOT });
    assert.equal(made.warning, undefined, made.warning);
    pf = made.evaluator;
    builtin = (await createEvaluator('builtin', {})).evaluator;
  });
  after(async () => {
    // before() may have skipped (no promptfoo) or thrown before these were set.
    await (pf as ScaleEvaluator | undefined)?.close?.();
    await (sim as Simulator | undefined)?.close();
  });
  beforeEach(() => sim.reset());

  const shape = (rs: Awaited<ReturnType<ScaleEvaluator['grade']>>) =>
    rs.map((r) => ({ assertion: r.assertion, type: r.type, scope: r.scope, tag: r.tag, pass: r.pass, turn: r.turn }));

  it('grades a simulated conversation like the built-in: the same verdicts, tags and judge requests', async () => {
    // Without its own assertions, so the built-ins grade it.
    const { assertions: _own, ...agent } = await loadAgent(path.join(ROOT, 'examples', 'hotel-desk.agent.json'));
    const scenario = scenarioForRun(agent, 0, 1, {});
    const convo = await runConversation({
      agent,
      systemPrompt: agent.systemPrompt!,
      scenario,
      models: { agent: 'openai/sim-1', user: 'openai/sim-1' },
      seed: 1,
      temperature: 0,
      gateway,
      signal: new AbortController().signal,
      callOptions: () => ({}),
      onMessage: () => undefined,
      onCall: () => undefined,
      onTurn: () => undefined,
    });
    assert.ok(convo.messages.length >= 2, `a conversation happened (${convo.endedReason} ${convo.error ?? ''})`);
    const grade = input(agent, {
      goal: scenario.goal,
      messages: convo.messages,
      endedReason: convo.endedReason,
      seed: 1,
    });

    sim.reset();
    const builtinResults = await builtin.grade(grade, ctxOf(gateway));
    const judgeBodies = () =>
      sim
        .requests()
        .filter((r) => r.mode === 'judge')
        .map((r) => JSON.stringify(r.body))
        .sort();
    const builtinJudge = judgeBodies();
    sim.reset();
    const calls: ModelResult[] = [];
    const pfResults = await pf.grade(grade, ctxOf(gateway, calls));
    const pfJudge = judgeBodies();

    assert.equal(pfResults.length, 6, 'the six built-ins of a plain-format agent with a character');
    assert.deepEqual(shape(pfResults), shape(builtinResults));
    assert.ok(
      pfResults.every((r) => r.pass !== null),
      JSON.stringify(pfResults),
    );
    assert.ok(
      pfResults.some((r) => r.pass === true) && pfResults.some((r) => r.pass === false),
      'a mixed verdict, so the comparison means something',
    );
    assert.ok(pfJudge.length >= 3, 'goal, toxicity and character went to the judge');
    assert.deepEqual(
      pfJudge,
      builtinJudge,
      'promptfoo sends the same judge requests as the built-in (in any order: it runs tests concurrently)',
    );
    assert.equal(calls.length, pfJudge.length, 'every judge call reached the ledger');
  });

  it('maps each text assertion type and scope as the built-in does', async () => {
    const agent = agentOf({
      assertions: [
        { type: 'contains', value: 'HX4821', tag: 'NO_CODE' },
        { type: 'icontains', value: 'SEE YOU', scope: 'final' },
        { type: 'not-contains', value: '**', tag: 'FORMAT_ERROR' },
        { type: 'regex', value: '[.!]$' },
        { type: 'regex', value: '^You', scope: 'any' },
        { type: 'is-json', scope: 'final' },
        {
          type: 'contains-json',
          value: { type: 'object', properties: { code: { type: 'string' } }, required: ['code'] },
        },
        { type: 'is-refusal' },
        { type: 'not-is-refusal' },
        { type: 'contains', value: 'Thanks', scope: 'transcript' },
      ],
    });
    const [a, b] = await Promise.all([
      pf.grade(input(agent), ctxOf(noGateway)),
      builtin.grade(input(agent), ctxOf(noGateway)),
    ]);
    assert.deepEqual(shape(a), shape(b));
    assert.deepEqual(
      a.map((r) => r.pass),
      [true, true, false, true, true, false, false, false, true, true],
    );
    assert.equal(a[2]!.turn, 1);
    assert.match(a[2]!.details, /turn 1: Expected output to not contain "\*\*"/, "promptfoo's own reason");
  });

  it('the built-in refusal check: a clear refusal decides without the judge; unsure replies alone go to the judge once', async () => {
    const say = (turn: number, content: string): TranscriptMessage[] => [
      { turn, role: 'user', content: `question ${turn}`, at: AT },
      { turn, role: 'assistant', content, at: AT },
    ];
    const clear = [
      ...say(1, 'Sorry for the wait, here it is.'),
      ...say(2, "I can't help with that."),
      ...say(3, 'Apologies, all set.'),
    ];
    const unsure = [...say(1, 'Sorry for the wait, here it is.'), ...say(2, 'Room 12 is yours.')];
    const agent = agentOf();
    for (const messages of [clear, unsure]) {
      const judged: ModelResult[][] = [[], []];
      const judge: ModelGateway = {
        ...noGateway,
        call: async (r) => ({
          model: r.model,
          text: '{"reason":"It helped after apologising.","pass":true,"score":1}',
          toolCalls: [],
          usage: { inputTokens: 1, outputTokens: 1, cachedInputTokens: 0 },
          latencyMs: 0,
          costUsd: 0,
          cached: false,
        }),
      };
      const a = await pf.grade(input(agent, { goal: '', messages }), ctxOf(judge, judged[0]));
      const b = await builtin.grade(input(agent, { goal: '', messages }), ctxOf(judge, judged[1]));
      assert.deepEqual(shape(a), shape(b));
      assert.equal(judged[0]!.length, judged[1]!.length, 'the same judge calls');
      const refusal = a.find((r) => r.tag === 'REFUSAL')!;
      if (messages === clear) {
        assert.deepEqual(
          [refusal.pass, refusal.turn, judged[0]!.length],
          [false, 2, 1],
          'only the toxicity rubric was judged',
        );
      } else {
        assert.deepEqual(
          [refusal.pass, refusal.turn, judged[0]!.length],
          [true, 1, 2],
          'toxicity and the unsure refusal were judged',
        );
        assert.match(refusal.details, /heuristic was unsure .*turn 1.*It helped after apologising/);
      }
    }
  });

  it('a judge reply without pass is re-asked, then ungradeable: never a pass (promptfoo alone would pass it)', async () => {
    const agent = agentOf({
      assertions: [
        { type: 'llm-rubric', value: 'The agent confirms the code "HX4821". [sim:no-pass]', tag: 'GOAL_MISS' },
        { type: 'llm-rubric', value: 'The agent confirms the code "HX4821". [sim:bad-json-once]' },
        { type: 'llm-rubric', value: 'The agent mentions "breakfast".', threshold: 0.5 },
      ],
    });
    const calls: ModelResult[] = [];
    const results = await pf.grade(input(agent), ctxOf(gateway, calls));
    assert.deepEqual(
      results.map((r) => r.pass),
      [null, true, false],
    );
    assert.match(results[0]!.details, /not valid JSON after one re-ask \(the JSON object has no boolean "pass"\)/);
    assert.equal(calls.length, 5, 'two for the first (re-asked), two for the second, one for the third');
    assert.equal(outcomeOf(results, 'user_stop').outcome, 'fail');
    assert.equal(outcomeOf(results.slice(0, 2), 'user_stop').outcome, 'unscored');
  });

  it('a budget error on a judge call propagates, and the evaluator keeps working', async () => {
    const capped = createCliGateway({
      env: { OPENAI_BASE_URL: sim.openaiBaseUrl, OPENAI_API_KEY: 'sim-key' },
      workspace: mkdtempSync(path.join(tmpdir(), 'pt-pf-')),
      noCache: true,
      budgetCalls: 0,
    });
    const agent = agentOf({ assertions: [{ type: 'llm-rubric', value: 'Polite.' }] });
    await assert.rejects(
      pf.grade(input(agent), ctxOf(capped)),
      (e: unknown) => e instanceof ModelError && e.kind === 'budget',
    );
    const after = await pf.grade(input(agent), ctxOf(gateway));
    assert.equal(after.length, 1);
    assert.notEqual(after[0]!.pass, null);
  });

  it('a provider error on a judge call is ungradeable, not a pass', async () => {
    const agent = agentOf({ assertions: [{ type: 'llm-rubric', value: 'Polite.' }] });
    const results = await pf.grade(input(agent), { ...ctxOf(gateway), judgeModel: 'openai/fail-500' });
    assert.equal(results[0]!.pass, null);
    assert.match(results[0]!.details, /judge call failed/);
  });

  it('promptfoo missing or a Node too old: a warning and the built-in', async () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'pt-nopf-'));
    const missing = await createEvaluator('promptfoo', { cwd: empty, promptfooDir: empty });
    assert.equal(missing.evaluator.kind, 'builtin');
    assert.match(missing.warning!, /promptfoo is not installed .*built-in evaluator instead/);
    const oldNode = path.join(empty, 'node');
    writeFileSync(oldNode, '#!/bin/sh\necho 20.19.0\n');
    chmodSync(oldNode, 0o755);
    const old = await createEvaluator('promptfoo', { cwd: ROOT, nodePath: oldNode });
    assert.equal(old.evaluator.kind, 'builtin');
    assert.match(old.warning!, /needs Node ≥ 22\.22\.0; found .*\(20\.19\.0\)/);
  });
});
