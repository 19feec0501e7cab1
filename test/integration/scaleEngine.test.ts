// The scale engine end to end: the real gateway (openai SDK) against the simulator in its agent, simulated-user,
// judge and summarizer roles, the real store, and examples/hotel-desk.agent.json.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Agent } from '../../src/core/agents/agentSchema';
import { loadAgent } from '../../src/core/agents/loadAgent';
import { createCliGateway } from '../../src/core/models/cliGateway';
import type { Gateway } from '../../src/core/models/gateway';
import { createPriceBook, type PriceBook } from '../../src/core/models/prices';
import { parseScaleConfig, ScaleConfigError, type ScaleConfigInput } from '../../src/core/scale/config';
import { resumeScaleRun, startScaleRun, type ScaleDeps, type ScaleJob } from '../../src/core/scale/engine';
import { estimateScale } from '../../src/core/scale/estimate';
import { ScaleRunsRepository } from '../../src/core/scale/runsRepository';
import { transcriptText } from '../../src/core/scale/transcriptText';
import type { ConversationSummary, ScaleEvent, ScaleRunSnapshot } from '../../src/core/scale/types';
import { startVerification } from '../../src/core/scale/verify';
import type { Store } from '../../src/core/store/store';
import { openWorkspaceStore } from '../../src/core/workspaceStore';
import { startSimulator, type Simulator } from '../sim/server';

const ROOT = path.join(__dirname, '..', '..');
const AGENT_FILE = path.join(ROOT, 'examples', 'hotel-desk.agent.json');
/** One rule the hotel-desk prompt lacks: some conversations pass with it, so a run has both outcomes. */
const PLAIN_RULE = '\nReply in plain text; never use Markdown formatting such as ** or #.';
const PRICE = { inputPerMTok: 1, outputPerMTok: 4 };

interface Ws {
  ws: string;
  dir: string;
  store: Store;
  gateway: Gateway;
  prices: PriceBook;
}

interface Ran {
  final: ScaleRunSnapshot;
  events: ScaleEvent[];
  job: ScaleJob;
  snapshots: ScaleRunSnapshot[];
}

const stored = (events: ScaleEvent[]) => events.filter((e) => e.type !== 'progress' && e.type !== 'throttle');
const bySeed = (sim: Simulator) => {
  const counts = new Map<number | null, number>();
  for (const r of sim.requests()) {
    const seed = (r.body as { seed?: number }).seed ?? null;
    counts.set(seed, (counts.get(seed) ?? 0) + 1);
  }
  return counts;
};
const outcomes = (cs: ConversationSummary[]) =>
  cs.map((c) => ({
    id: c.conversationId,
    outcome: c.outcome,
    endedReason: c.endedReason,
    turns: c.turns,
    tags: c.failureTags,
  }));

describe('scale engine against the simulator', function () {
  this.timeout(60_000);
  let sim: Simulator;
  let agent: Agent;
  const open: Store[] = [];

  before(async () => {
    sim = await startSimulator({ latencyMs: 2, jitterMs: 2, logSize: 2000 });
    agent = await loadAgent(AGENT_FILE);
  });
  after(async () => {
    await sim.close();
  });
  beforeEach(() => {
    sim.configure({ judgeBadJsonRate: 0, rateLimitRps: 0, summarizerFault: 'none' });
    sim.reset();
  });
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
  });

  async function workspace(opts: { priced?: boolean; ws?: string } = {}): Promise<Ws> {
    const ws = opts.ws ?? mkdtempSync(path.join(tmpdir(), 'pt-scale-'));
    const dir = path.join(ws, '.prompt-tuner');
    mkdirSync(dir, { recursive: true });
    const overrides: Record<string, typeof PRICE> = opts.priced ? { 'openai/sim-1': PRICE } : {};
    writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ prices: overrides }));
    const store = await openWorkspaceStore({ dir });
    open.push(store);
    const gateway = createCliGateway({
      env: { OPENAI_BASE_URL: sim.openaiBaseUrl, OPENAI_API_KEY: 'sim-key' },
      workspace: ws,
      store,
      retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 20 },
    });
    const prices = createPriceBook(overrides);
    await prices.ready();
    return { ws, dir, store, gateway, prices };
  }

  const deps = (w: Ws, extra: Partial<ScaleDeps> = {}): ScaleDeps => ({
    agent,
    gateway: w.gateway,
    store: w.store,
    prices: w.prices,
    staggerMs: [0, 0],
    flushIntervalMs: 20,
    ...extra,
  });
  const configOf = (over: Partial<ScaleConfigInput> = {}) =>
    parseScaleConfig({
      agentFile: AGENT_FILE,
      agentModel: 'openai/sim-1',
      systemPrompt: agent.systemPrompt!,
      runs: 5,
      concurrency: 3,
      ...over,
    });

  async function run(
    w: Ws,
    over: Partial<ScaleConfigInput> = {},
    during?: (job: ScaleJob, e: ScaleEvent) => void,
  ): Promise<Ran> {
    const job = startScaleRun(configOf(over), deps(w));
    return follow(w, job, during);
  }

  async function follow(w: Ws, job: ScaleJob, during?: (job: ScaleJob, e: ScaleEvent) => void): Promise<Ran> {
    const events: ScaleEvent[] = [];
    const snapshots: ScaleRunSnapshot[] = [];
    job.onEvent((e) => {
      events.push(e);
      during?.(job, e);
    });
    job.onSnapshot((s) => snapshots.push(s));
    const final = await job.done;
    await w.gateway.onIdle();
    return { final, events, job, snapshots };
  }

  it('a mixed run: pass, fail and unscored apart, failure tags, judge stats, top failure modes, everything stored', async () => {
    sim.configure({ judgeBadJsonRate: 0.5 });
    const w = await workspace();
    const { final, events } = await run(w, { runs: 10, concurrency: 5, systemPrompt: agent.systemPrompt + PLAIN_RULE });
    assert.equal(final.status, 'completed', final.error ?? '');
    const report = final.report!;
    const s = report.stats;
    assert.equal(s.total, 10);
    assert.equal(s.passed + s.failed + s.unscored, 10);
    assert.ok(s.passed >= 1 && s.failed >= 1 && s.unscored >= 1, `mixed: ${s.passed}/${s.failed}/${s.unscored}`);
    assert.equal(s.winRate, s.passed / (s.passed + s.failed), 'unscored conversations are kept out of the win rate');
    assert.ok(s.winRateInterval && s.winRateInterval.low <= s.winRate && s.winRate <= s.winRateInterval.high);

    for (const c of report.conversations) {
      const failed = c.assertionResults.filter((r) => r.pass === false);
      const ungraded = c.assertionResults.filter((r) => r.pass === null);
      const expected = failed.length ? 'fail' : ungraded.length ? 'unscored' : 'pass';
      assert.equal(c.outcome, expected, `${c.conversationId}: ${JSON.stringify(c.assertionResults)}`);
      assert.equal(c.assertionResults.length, agent.assertions!.length);
      if (c.outcome === 'fail') for (const r of failed) assert.ok(c.failureTags.includes(r.tag));
      if (c.outcome === 'unscored') assert.deepEqual(c.failureTags, [], 'an unscored conversation is no failure');
      // Run i plays scenario i mod S with seed + i.
      assert.equal(c.scenario!.id, agent.scenarios![c.index % agent.scenarios!.length]!.id);
      assert.equal(c.seed, 1 + c.index);
    }
    // Top failure modes count the conversations that carry each tag, most frequent first.
    for (const m of s.topFailureModes) {
      const carrying = report.conversations.filter((c) => c.failureTags.includes(m.tag));
      assert.equal(m.count, carrying.length, m.tag);
      for (const id of m.sampleConversationIds) assert.ok(carrying.some((c) => c.conversationId === id));
    }
    assert.deepEqual(
      s.topFailureModes.map((m) => m.count),
      [...s.topFailureModes.map((m) => m.count)].sort((a, b) => b - a),
    );
    assert.ok(s.topFailureModes.length >= 1);
    // Judge stats per assertion: every graded conversation counted once, judge errors apart.
    assert.equal(s.judgeStats.length, agent.assertions!.length);
    for (const j of s.judgeStats) {
      const rs = report.conversations.flatMap((c) => c.assertionResults.filter((r) => r.assertion === j.assertion));
      assert.deepEqual(
        [j.pass, j.fail, j.error],
        [
          rs.filter((r) => r.pass === true).length,
          rs.filter((r) => r.pass === false).length,
          rs.filter((r) => r.pass === null).length,
        ],
        j.assertion,
      );
    }
    assert.ok(
      s.judgeStats.some((j) => j.error > 0),
      'the bad judge replies show as errors',
    );
    assert.ok(report.summary && report.revisedPrompt && report.revisedPromptRationale);

    // The ledger matches what the simulator answered, role by role; conversation i sent seed 1 + i.
    const c = sim.counters();
    const ledger = Object.fromEntries(s.cost.byRole.map((r) => [r.role, r.calls]));
    assert.deepEqual(ledger, {
      agent: c.byMode.target,
      user: c.byMode.user,
      judge: c.byMode.judge,
      summarizer: c.byMode.summarizer,
    });
    assert.equal(c.byMode.summarizer, 1);
    const targetSeeds = new Set(
      sim
        .requests()
        .filter((r) => r.mode === 'target')
        .map((r) => (r.body as { seed?: number }).seed),
    );
    assert.deepEqual(
      [...targetSeeds].sort((a, b) => a! - b!),
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    );
    assert.equal(s.cost.actualUsd, null, 'sim-1 has no price here: unknown, not $0');

    // Events: scale_start first, each conversation started → ended → graded, summary, then scale_complete.
    const types = stored(events).map((e) => e.type);
    assert.equal(types[0], 'scale_start');
    assert.equal(types.at(-1), 'scale_complete');
    assert.ok(types.indexOf('summary_complete') > types.lastIndexOf('evaluation_complete'));
    for (const conv of report.conversations) {
      const at = (t: string) =>
        events.findIndex((e) => e.type === t && 'conversationId' in e && e.conversationId === conv.conversationId);
      assert.ok(
        at('conversation_start') < at('conversation_complete') &&
          at('conversation_complete') < at('evaluation_complete'),
        conv.conversationId,
      );
    }

    // Reopened: report, snapshot, list, events, conversation rows, transcripts and evaluations read back.
    await w.store.close();
    open.splice(open.indexOf(w.store), 1);
    const again = await openWorkspaceStore({ dir: w.dir });
    open.push(again);
    const repo = new ScaleRunsRepository(again);
    assert.deepEqual(repo.report(final.runId), report);
    assert.equal(repo.getSnapshot(final.runId)!.status, 'completed');
    assert.deepEqual(
      repo.list().map((r) => [r.runId, r.status, r.winRate, r.runs]),
      [[final.runId, 'completed', s.winRate, 10]],
    );
    assert.deepEqual(
      repo.events(final.runId).map((e) => e.type),
      types,
    );
    assert.deepEqual(
      repo.config(final.runId),
      configOf({ runs: 10, concurrency: 5, systemPrompt: agent.systemPrompt + PLAIN_RULE }),
    );
    const c1 = report.conversations[0]!;
    const messages = repo.transcript(final.runId, c1.conversationId);
    assert.equal(messages[0]!.role, 'user');
    assert.equal(messages[0]!.content, agent.scenarios![0]!.openingMessage, 'an opening message is sent verbatim');
    assert.ok(messages.some((m) => m.role === 'assistant'));
    assert.equal(messages.filter((m) => m.role === 'user').length, c1.turns);
    assert.deepEqual(repo.evaluations(final.runId, c1.conversationId), c1.assertionResults);
    const withTools = report.conversations
      .map((x) => repo.transcript(final.runId, x.conversationId))
      .find((ms) => ms.some((m) => m.toolCalls?.length));
    assert.ok(withTools, 'some conversation called a tool');
    const call = withTools.flatMap((m) => m.toolCalls ?? [])[0]!;
    assert.ok(call.result.length > 0, 'the mock result is stored with the call');
    const text = transcriptText(c1, messages);
    assert.match(text, /^Conversation c1 \(run 1, seed 1\)/);
    assert.ok(text.includes(`[turn 1] USER: ${agent.scenarios![0]!.openingMessage}`));
  });

  it('a summarizer that keeps answering badly leaves a summaryError; stats and evaluations are kept and the run completes', async () => {
    sim.configure({ summarizerFault: 'always-bad' });
    const w = await workspace();
    const { final } = await run(w, { runs: 2 });
    assert.equal(final.status, 'completed');
    assert.match(final.report!.summaryError ?? '', /rejected twice/);
    assert.equal(final.report!.summary, null);
    assert.equal(final.report!.revisedPrompt, null);
    assert.equal(final.report!.stats.total, 2);
    assert.equal(sim.counters().byMode.summarizer, 2, 'asked once more, then given up');
  });

  it('an evaluator that cannot be reached becomes the built-in one, and the run says so', async () => {
    const w = await workspace();
    const { final } = await run(w, { runs: 1, evaluator: 'http', evaluatorUrl: 'http://127.0.0.1:9' });
    assert.equal(final.status, 'completed');
    assert.ok(
      final.notes.some((n) => /built-in evaluator/.test(n)),
      final.notes.join(' | '),
    );
    assert.equal(final.report!.stats.total, 1);
  });

  it('a run in which every conversation hits a provider error fails, naming the error', async () => {
    const w = await workspace();
    const { final } = await run(w, { runs: 2, agentModel: 'openai/fail-401' });
    assert.equal(final.status, 'failed');
    assert.match(final.error ?? '', /^every conversation ended with an error; the first: 401 from openai/);
    assert.deepEqual(
      final.report!.conversations.map((c) => [c.endedReason, c.outcome]),
      [
        ['error', 'unscored'],
        ['error', 'unscored'],
      ],
    );
    assert.equal(new ScaleRunsRepository(w.store).getSnapshot(final.runId)!.status, 'failed');
  });

  describe('budget', () => {
    it('refuses before any call when a cap is set and a price is unknown', async () => {
      const w = await workspace();
      assert.throws(
        () => startScaleRun(configOf({ maxBudgetUsd: 1 }), deps(w)),
        (e: unknown) =>
          e instanceof ScaleConfigError &&
          e.message === 'no price known for openai/sim-1: add it to prices, or remove the budget' &&
          e.field === 'maxBudgetUsd',
      );
      assert.equal(sim.counters().calls, 0);
      assert.deepEqual(new ScaleRunsRepository(w.store).list(), [], 'nothing stored');
    });

    it('starts no conversation when one is estimated above the total cap: budget reached, no call made', async () => {
      const w = await workspace({ priced: true });
      const config = configOf({ maxBudgetUsd: 0.001 });
      const estimate = estimateScale(config, agent, w.prices);
      assert.equal(estimate.overBudget, true);
      assert.ok(estimate.perConversationUsd! > 0.001);
      const { final, events } = await run(w, { maxBudgetUsd: 0.001 });
      assert.equal(final.status, 'budget_reached');
      assert.equal(sim.counters().calls, 0);
      assert.equal(events.filter((e) => e.type === 'conversation_start').length, 0);
      assert.ok(events.some((e) => e.type === 'cap_reached' && e.scope === 'total'));
      const report = final.report!;
      assert.equal(report.status, 'budget_reached');
      assert.equal(report.stats.total, 0);
      assert.match(report.summaryError ?? '', /summary was skipped: the budget was reached/);
      assert.equal(new ScaleRunsRepository(w.store).report(final.runId)!.status, 'budget_reached');
    });

    it('stops starting conversations at the cap and keeps the partial report; spend stays under the cap', async () => {
      const w = await workspace({ priced: true });
      const perConversation = estimateScale(configOf(), agent, w.prices).perConversationUsd!;
      // Room for one conversation's estimate and a little: conversations cost far less than estimated, so a few
      // run one after another until what they spent plus the next estimate would pass the cap.
      const cap = Number((perConversation * 1.2).toFixed(6));
      const { final, events } = await run(w, { runs: 10, concurrency: 1, maxBudgetUsd: cap });
      assert.equal(final.status, 'budget_reached', final.error ?? '');
      const started = events.filter((e) => e.type === 'conversation_start').length;
      assert.ok(started >= 2 && started < 10, `${started} conversations started`);
      const report = final.report!;
      assert.equal(report.stats.total, started);
      assert.equal(report.conversations.filter((c) => c.status === 'pending').length, 10 - started);
      assert.ok(
        report.conversations
          .filter((c) => c.status === 'done')
          .every((c) => c.endedReason === 'user_stop' || c.endedReason === 'max_turns'),
        'no conversation was cut mid-way',
      );
      const spent = report.stats.cost.actualUsd!;
      assert.ok(spent <= cap, `spent ${spent} ≤ cap ${cap}`);
      assert.ok(spent + perConversation > cap, 'stopped only when one more conversation could pass the cap');
      assert.equal(sim.counters().byMode.summarizer, 0, 'the summary is skipped');
      assert.match(report.summaryError ?? '', /skipped/);
      const ledgerCalls = report.stats.cost.byRole.reduce((n, r) => n + r.calls, 0);
      assert.equal(sim.counters().calls, ledgerCalls);
      assert.ok(final.notes.some((n) => /Budget reached, no new conversation starts/.test(n)));
    });

    it('a conversation cap cuts only its conversation (unscored) before the call is sent', async () => {
      const w = await workspace({ priced: true });
      const { final, events } = await run(w, { runs: 3, maxConversationUsd: 0.00001 });
      assert.equal(final.status, 'completed');
      assert.equal(sim.counters().calls, 0, 'every first call was refused before it was sent');
      assert.deepEqual(
        final.report!.conversations.map((c) => [c.endedReason, c.outcome]),
        [
          ['budget', 'unscored'],
          ['budget', 'unscored'],
          ['budget', 'unscored'],
        ],
      );
      assert.equal(events.filter((e) => e.type === 'cap_reached' && e.scope === 'conversation').length, 3);
      assert.match(final.report!.summaryError ?? '', /nothing to summarize/);
    });
  });

  it('429s from the provider give the same outcomes as a run without them, and show as throttling', async () => {
    const base = await run(await workspace(), { runs: 5, concurrency: 5 });
    sim.reset();
    sim.configure({ rateLimitRps: 40, rateLimitBurst: 2 });
    const limited = await run(await workspace(), { runs: 5, concurrency: 5 });
    assert.ok(sim.counters().rateLimited > 0, 'the simulator answered 429s');
    assert.equal(limited.final.status, 'completed');
    assert.deepEqual(outcomes(limited.final.report!.conversations), outcomes(base.final.report!.conversations));
    assert.ok(limited.events.some((e) => e.type === 'throttle' && e.status === 429));
    assert.ok(
      limited.snapshots.some((s) => s.throttle?.active === true),
      'the snapshot showed throttling',
    );
    assert.equal(limited.final.throttle?.active ?? false, false);
  });

  describe('idempotency', () => {
    it('a second start with the same key returns that run and its report, and makes no call', async () => {
      const w = await workspace();
      const first = await run(w, { runs: 2, idempotencyKey: 'form-42' });
      assert.equal(first.final.status, 'completed');
      assert.equal(first.job.reused, false);
      sim.reset();
      const second = startScaleRun(configOf({ runs: 2, idempotencyKey: 'form-42' }), deps(w));
      assert.equal(second.reused, true);
      assert.equal(second.runId, first.final.runId);
      const again = await second.done;
      assert.deepEqual(again.report, first.final.report);
      assert.equal(again.report!.idempotencyKey, 'form-42');
      // From another process: a fresh store on the same files.
      const other = await openWorkspaceStore({ dir: w.dir });
      open.push(other);
      const third = startScaleRun(configOf({ runs: 2, idempotencyKey: 'form-42' }), { ...deps(w), store: other });
      assert.equal(third.reused, true);
      assert.deepEqual((await third.done).report, first.final.report);
      assert.equal(sim.counters().calls, 0);
      assert.equal(new ScaleRunsRepository(other).list().length, 1);
    });

    it('a second start while the first still runs gets the live run', async () => {
      const w = await workspace();
      const job = startScaleRun(configOf({ runs: 2, idempotencyKey: 'double-click' }), deps(w));
      const twin = startScaleRun(configOf({ runs: 2, idempotencyKey: 'double-click' }), deps(w));
      assert.equal(twin.reused, true);
      assert.equal(twin.runId, job.runId);
      const [a, b] = await Promise.all([job.done, twin.done]);
      assert.equal(a.status, 'completed');
      assert.deepEqual(b.report, a.report);
      assert.equal(sim.counters().byMode.summarizer, 1, 'one run only');
    });
  });

  it('resume after a cancel keeps the finished conversations and runs only the others again', async () => {
    const full = await run(await workspace(), { runs: 4, concurrency: 1 });
    const perSeed = bySeed(sim);
    sim.reset();

    const w = await workspace();
    const cut = await run(w, { runs: 4, concurrency: 1 }, (job, e) => {
      if (e.type === 'turn_complete' && e.conversationId === 'c2') job.cancel('stopped by the test');
    });
    assert.equal(cut.final.status, 'cancelled');
    const partial = cut.final.report!;
    assert.equal(partial.status, 'cancelled');
    assert.deepEqual(
      partial.conversations.map((c) => [c.conversationId, c.status, c.endedReason]),
      [
        ['c1', 'done', full.final.report!.conversations[0]!.endedReason],
        ['c2', 'done', 'cancelled'],
        ['c3', 'pending', null],
        ['c4', 'pending', null],
      ],
    );
    const repo = new ScaleRunsRepository(w.store);
    assert.ok(repo.transcript(cut.final.runId, 'c2').length > 0, 'the cut conversation stored what it said');
    const seqBefore = repo.lastSeq(cut.final.runId);

    sim.reset();
    const { agent: _agent, ...withoutAgent } = deps(w);
    const resumed = await follow(w, await resumeScaleRun(cut.final.runId, withoutAgent));
    assert.equal(resumed.final.runId, cut.final.runId);
    assert.equal(resumed.final.status, 'completed', resumed.final.error ?? '');
    // Not one call for c1 (seed 1); c2..c4 made exactly the calls of the uninterrupted run; one summary.
    const resumedSeeds = bySeed(sim);
    assert.equal(resumedSeeds.get(1), undefined, 'the finished conversation was not run again');
    for (const seed of [2, 3, 4]) assert.equal(resumedSeeds.get(seed), perSeed.get(seed), `seed ${seed}`);
    assert.equal(sim.counters().byMode.summarizer, 1);
    assert.deepEqual(outcomes(resumed.final.report!.conversations), outcomes(full.final.report!.conversations));
    // c2's old messages are gone: its transcript is the uninterrupted run's.
    assert.equal(
      repo.transcript(cut.final.runId, 'c2').filter((m) => m.role === 'user').length,
      resumed.final.report!.conversations[1]!.turns,
    );
    // Events continue after the last stored one.
    const events = repo.events(cut.final.runId);
    assert.equal(events.length, seqBefore + stored(resumed.events).length);
    const resumedStart = events[seqBefore]!;
    assert.ok(resumedStart.type === 'scale_start' && resumedStart.resumed === true);
    assert.equal(events.filter((e) => e.type === 'scale_cancelled').length, 1);
    await assert.rejects(
      resumeScaleRun(cut.final.runId, withoutAgent),
      (e: unknown) => e instanceof ScaleConfigError && /already completed/.test(e.message),
    );
    await assert.rejects(
      resumeScaleRun('no-such-run', withoutAgent),
      (e: unknown) => e instanceof ScaleConfigError && /no scale run no-such-run/.test(e.message),
    );
  });

  describe('verify', () => {
    it('runs the revised prompt on the same scenarios and seeds, with no summary, and attaches it to the report', async () => {
      const w = await workspace();
      const original = await run(w, { runs: 5 });
      const before = original.final.report!;
      assert.ok(before.revisedPrompt);
      sim.reset();
      const job = startVerification(original.final.runId, deps(w));
      const v = await follow(w, job);
      assert.equal(v.final.status, 'completed', v.final.error ?? '');
      assert.equal(v.final.verifiesRunId, original.final.runId);
      assert.deepEqual(v.final.promptSource, { kind: 'revised', fromRunId: original.final.runId });
      assert.equal(v.final.systemPrompt, before.revisedPrompt);
      assert.equal(sim.counters().byMode.summarizer, 0, 'a verification needs no summary');
      assert.equal(v.final.report!.summary, null);
      const types = stored(v.events).map((e) => e.type);
      assert.ok(
        types.indexOf('verification_complete') > -1 &&
          types.indexOf('verification_complete') < types.indexOf('scale_complete'),
      );
      // The same scenarios and seeds.
      assert.deepEqual(
        v.final.report!.conversations.map((c) => [c.conversationId, c.scenario?.id, c.seed]),
        before.conversations.map((c) => [c.conversationId, c.scenario?.id, c.seed]),
      );
      const attached = new ScaleRunsRepository(w.store).report(original.final.runId)!.verification!;
      assert.equal(attached.runId, v.final.runId);
      assert.equal(attached.prompt, before.revisedPrompt);
      assert.equal(attached.status, 'completed');
      assert.equal(attached.winRateBefore, before.stats.winRate);
      assert.deepEqual(attached.winRateIntervalBefore, before.stats.winRateInterval);
      assert.ok(
        attached.stats.winRate! > before.stats.winRate!,
        `after ${attached.stats.winRate} > before ${before.stats.winRate}: the revised prompt adds the rules`,
      );
      const listed = new ScaleRunsRepository(w.store).list();
      assert.equal(listed.find((r) => r.runId === v.final.runId)?.verifiesRunId, original.final.runId);
      assert.equal(
        new ScaleRunsRepository(w.store).getSnapshot(original.final.runId)!.verification?.runId,
        v.final.runId,
      );
    });

    it('with verify the run itself verifies before it completes, and its ledger counts both', async () => {
      const w = await workspace();
      const { final, events } = await run(w, { runs: 3, verify: true });
      assert.equal(final.status, 'completed', final.error ?? '');
      const types = stored(events).map((e) => e.type);
      const start = types.indexOf('verification_start');
      assert.ok(
        types.indexOf('summary_complete') < start &&
          start < types.indexOf('verification_complete') &&
          types.indexOf('verification_complete') < types.indexOf('scale_complete'),
      );
      const verification = final.report!.verification!;
      assert.ok(verification.stats.winRate! >= final.report!.stats.winRate!);
      assert.equal(verification.winRateBefore, final.report!.stats.winRate);
      assert.equal(final.verification?.status, 'completed');
      const c = sim.counters();
      const ledger = final.report!.stats.cost.byRole;
      assert.equal(
        ledger.reduce((n, r) => n + r.calls, 0),
        c.calls,
        'the run and its verification in one ledger',
      );
      assert.equal(c.byMode.summarizer, 1);
      const repo = new ScaleRunsRepository(w.store);
      assert.equal(repo.list().length, 2);
      assert.equal(repo.getSnapshot(verification.runId)!.verifiesRunId, final.runId);
    });

    it('refuses to verify a run without a revised prompt', async () => {
      sim.configure({ summarizerFault: 'always-bad' });
      const w = await workspace();
      const { final } = await run(w, { runs: 1 });
      assert.throws(
        () => startVerification(final.runId, deps(w)),
        (e: unknown) => e instanceof ScaleConfigError && /cannot be verified: its summary failed/.test(e.message),
      );
    });
  });

  it('a run whose process was killed reads back as interrupted and can be resumed', async () => {
    sim.configure({ latencyMs: 15 });
    try {
      const ws = mkdtempSync(path.join(tmpdir(), 'pt-scale-kill-'));
      const child = spawn(
        process.execPath,
        ['--require', 'tsx/cjs', path.join(__dirname, 'scaleKillChild.ts'), ws, sim.openaiBaseUrl, '3'],
        { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const runId = await new Promise<string>((resolve, reject) => {
        let buffered = '';
        child.stdout.on('data', (d: Buffer) => {
          buffered += d.toString();
          const lines = buffered.split('\n');
          buffered = lines.pop()!;
          for (const line of lines) {
            const e = JSON.parse(line) as ScaleEvent;
            if (e.type === 'turn_complete' && e.conversationId === 'c2') {
              child.kill('SIGKILL');
              resolve(e.runId);
            }
          }
        });
        child.on('exit', (code) => reject(new Error(`the run ended (${code}) before it was killed: ${stderr}`)));
      });
      await new Promise((r) => child.once('close', r));
      sim.configure({ latencyMs: 2 });

      const w = await workspace({ ws });
      const repo = new ScaleRunsRepository(w.store);
      assert.equal(repo.list()[0]!.status, 'failed');
      const snap = repo.getSnapshot(runId)!;
      assert.equal(snap.status, 'failed');
      assert.match(snap.error ?? '', /^Interrupted: the process that ran it \(pid \d+\) ended/);
      assert.equal(snap.conversations[0]!.status, 'done', 'what finished before the kill is kept');
      assert.ok(repo.transcript(runId, 'c2').length > 0);

      sim.reset();
      const resumed = await follow(w, await resumeScaleRun(runId, deps(w)));
      assert.equal(resumed.final.status, 'completed', resumed.final.error ?? '');
      assert.equal(bySeed(sim).get(1), undefined, 'c1 was not run again');
      assert.equal(resumed.final.report!.stats.total, 3);
      assert.equal(repo.getSnapshot(runId)!.status, 'completed');
    } finally {
      sim.configure({ latencyMs: 2 });
    }
  });
});
