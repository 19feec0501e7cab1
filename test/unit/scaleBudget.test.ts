// The money side of a scale run: the preflight estimate per role, unknown prices (null, never $0) and the
// refusal they cause with a cap, caps that stop a call before it reaches the provider, and the ledger.
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import type { Agent } from '../../src/core/agents/agentSchema';
import { loadAgent } from '../../src/core/agents/loadAgent';
import { createGateway } from '../../src/core/models/gateway';
import { createPriceBook, type PriceOverrides } from '../../src/core/models/prices';
import type { ModelProvider } from '../../src/core/models/providerTypes';
import { ModelError, type ModelRequest } from '../../src/core/models/types';
import { actualUsdOf, preflightRefusal, RoleLedgerBook, ScaleBudget, UsdCap } from '../../src/core/scale/budget';
import { parseScaleConfig } from '../../src/core/scale/config';
import {
  ASSUMED_LATENCY_MS,
  estimateScale,
  formatScaleEstimate,
  withoutSummarizer,
} from '../../src/core/scale/estimate';
import { judgeCallsPerConversation } from '../../src/core/scale/grading/assertionsFor';
import type { ScaleConfig, ScaleEstimate } from '../../src/core/scale/types';

const AGENT_FILE = path.join(__dirname, '..', '..', 'examples', 'hotel-desk.agent.json');
const PRICE = { inputPerMTok: 1, outputPerMTok: 4 };
const priced: PriceOverrides = { 'openai/sim-1': PRICE, 'openai/judge-1': PRICE, 'openai/sum-1': PRICE };

function config(over: Partial<Parameters<typeof parseScaleConfig>[0] & object> = {}): ScaleConfig {
  return parseScaleConfig({
    agentFile: AGENT_FILE,
    agentModel: 'openai/sim-1',
    systemPrompt: 'You are the front desk of Hotel Fjord.',
    runs: 5,
    ...over,
  });
}

const role = (e: ScaleEstimate, r: string) => e.byRole.find((x) => x.role === r)!;

describe('scale budget', () => {
  let agent: Agent;
  before(async () => {
    agent = await loadAgent(AGENT_FILE);
  });

  describe('estimate', () => {
    it('counts calls per role: agent runs × turns × (1 + a tool round), user runs × turns, judge per assertion, one summary', () => {
      const e = estimateScale(config(), agent, createPriceBook(priced));
      const T = agent.maxTurns;
      assert.equal(role(e, 'agent').calls, 5 * T * 2);
      // Every hotel-desk scenario has an opening message: the user model writes turns 2..T and the check after T.
      assert.equal(role(e, 'user').calls, 5 * T);
      assert.equal(judgeCallsPerConversation(agent), 2);
      assert.equal(role(e, 'judge').calls, 5 * 2);
      assert.equal(role(e, 'summarizer').calls, 1);
      assert.equal(e.calls, 5 * T * 2 + 5 * T + 10 + 1);
    });

    it('with verify counts the conversations and judges twice and the summarizer once', () => {
      const once = estimateScale(config(), agent, createPriceBook(priced));
      const twice = estimateScale(config({ verify: true }), agent, createPriceBook(priced));
      for (const r of ['agent', 'user', 'judge'] as const)
        assert.equal(role(twice, r).calls, 2 * role(once, r).calls, r);
      assert.equal(role(twice, 'summarizer').calls, 1);
      assert.ok(twice.usd! > once.usd! * 1.8);
      const v = withoutSummarizer(once);
      assert.equal(role(v, 'summarizer').calls, 0);
      assert.equal(v.calls, once.calls - 1);
    });

    it('an agent without tools makes one agent call per turn; a user who writes the opening makes one more call', () => {
      const bare: Agent = { ...agent, tools: [], scenarios: undefined };
      const e = estimateScale(config({ goal: 'Book a room.' }), bare, createPriceBook(priced));
      assert.equal(role(e, 'agent').calls, 5 * bare.maxTurns);
      assert.equal(role(e, 'user').calls, 5 * (bare.maxTurns + 1));
    });

    it('prices each role from its tokens; the transcript grows, so more turns cost more than proportionally', () => {
      const e = estimateScale(
        config({ judgeModel: 'openai/judge-1', summarizerModel: 'openai/sum-1' }),
        agent,
        createPriceBook(priced),
      );
      for (const r of e.byRole) {
        const expected = (r.promptTokens! * PRICE.inputPerMTok + r.completionTokens! * PRICE.outputPerMTok) / 1e6;
        assert.ok(Math.abs(r.usd! - expected) < 1e-6, `${r.role}: ${r.usd} vs ${expected}`);
      }
      assert.ok(Math.abs(e.usd! - e.byRole.reduce((s, r) => s + r.usd!, 0)) < 1e-6);
      const short = estimateScale(config(), { ...agent, maxTurns: 2 }, createPriceBook(priced));
      const long = estimateScale(config(), { ...agent, maxTurns: 4 }, createPriceBook(priced));
      assert.ok(role(long, 'agent').promptTokens! > 2 * role(short, 'agent').promptTokens!);
      const longPrompt = estimateScale(
        config({ systemPrompt: 'You are the front desk. '.repeat(200) }),
        agent,
        createPriceBook(priced),
      );
      assert.ok(role(longPrompt, 'agent').usd! > role(e, 'agent').usd!);
      assert.ok(e.perConversationUsd! > 0 && e.perConversationUsd! < e.usd!);
    });

    it('an unknown price is null (never $0), named in unknownPrices, and makes the total null', async () => {
      const prices = createPriceBook({ 'openai/sim-1': PRICE });
      await prices.ready();
      const e = estimateScale(config({ judgeModel: 'openai/sim-judge' }), agent, prices);
      assert.equal(role(e, 'judge').usd, null);
      assert.ok(role(e, 'agent').usd! > 0);
      assert.equal(e.usd, null);
      assert.deepEqual(e.unknownPrices, ['openai/sim-judge']);
      assert.equal(e.perConversationUsd, null);
      assert.equal(e.overBudget, false);
      assert.match(formatScaleEstimate(e), /price unknown/);
      assert.match(formatScaleEstimate(e), /No price is known for openai\/sim-judge/);
    });

    it('refuses a run with a USD cap when a price is unknown, and only then', async () => {
      const prices = createPriceBook();
      await prices.ready();
      const unknown = estimateScale(config({ maxBudgetUsd: 1 }), agent, prices);
      assert.deepEqual(unknown.unknownPrices, ['openai/sim-1']);
      assert.equal(
        preflightRefusal({ maxBudgetUsd: 1 }, unknown),
        'no price known for openai/sim-1: add it to prices, or remove the budget',
      );
      assert.match(preflightRefusal({ maxConversationUsd: 0.1 }, unknown) ?? '', /^no price known for openai\/sim-1/);
      assert.equal(preflightRefusal({}, unknown), null);
      const known = estimateScale(config({ maxBudgetUsd: 1 }), agent, createPriceBook(priced));
      assert.equal(preflightRefusal({ maxBudgetUsd: 1 }, known), null);
    });

    it('flags an estimate over the cap', () => {
      const e = estimateScale(config({ maxBudgetUsd: 0.0001 }), agent, createPriceBook(priced));
      assert.equal(e.overBudget, true);
      assert.match(formatScaleEstimate(e), /Over the budget cap/);
      assert.equal(estimateScale(config({ maxBudgetUsd: 100 }), agent, createPriceBook(priced)).overBudget, false);
    });

    it('uses measured latency where there is one and says which latency was assumed', () => {
      const measured = estimateScale(config({ concurrency: 1 }), agent, createPriceBook(priced), () => 100);
      assert.deepEqual(measured.latency, [{ model: 'openai/sim-1', ms: 100, measured: true }]);
      assert.ok(measured.assumptions!.some((a) => /100 ms per call \(measured\)/.test(a)));
      const perConversationCalls = role(measured, 'agent').calls / 5 + role(measured, 'user').calls / 5 + 2;
      assert.equal(measured.seconds, Math.round(((5 * perConversationCalls * 100 + 100) / 1000) * 10) / 10);
      const parallel = estimateScale(config({ concurrency: 5 }), agent, createPriceBook(priced), () => 100);
      assert.ok(parallel.seconds < measured.seconds / 4);
      const assumed = estimateScale(config({ judgeModel: 'openai/judge-1' }), agent, createPriceBook(priced), (m) =>
        m === 'openai/sim-1' ? 50 : undefined,
      );
      assert.deepEqual(
        assumed.latency!.find((l) => l.model === 'openai/judge-1'),
        { model: 'openai/judge-1', ms: ASSUMED_LATENCY_MS, measured: false },
      );
      assert.match(formatScaleEstimate(assumed), /assuming 1\.5s per call for openai\/judge-1/);
    });
  });

  describe('caps', () => {
    it('a cap counts calls in flight and settles with the actual cost', () => {
      const cap = new UsdCap(1, 'total budget cap');
      const a = cap.tryStart(0.6);
      assert.ok(a.ok);
      const b = cap.tryStart(0.5);
      assert.equal(b.ok, false);
      assert.match(
        b.reason,
        /^total budget cap of \$1\.00 reached: \$0\.6000 spent or in flight, and the next call could cost up to \$0\.5000/,
      );
      a.release(0.3);
      assert.equal(cap.spent, 0.3);
      const c = cap.tryStart(0.5);
      assert.ok(c.ok);
      c.release(null);
      assert.equal(cap.incomplete, true);
      assert.equal(cap.spent, 0.3);
    });

    it('stops calls at the gateway before they reach the provider, for the conversation cap and the total cap', async () => {
      let sent = 0;
      const provider: ModelProvider = {
        id: 'openai',
        api: 'openai',
        priceProviderId: 'openai',
        async send() {
          sent += 1;
          return { text: 'ok', toolCalls: [], usage: { inputTokens: 1000, outputTokens: 100, cachedInputTokens: 0 } };
        },
      };
      // $1 per M input, $4 per M output: a call costs $0.0014 actually, and the gateway reserves ~$0.0041+ for it.
      const gateway = createGateway({ providers: [provider], prices: createPriceBook({ 'openai/sim-1': PRICE }) });
      const request: ModelRequest = {
        model: 'openai/sim-1',
        system: 'x'.repeat(300),
        messages: [{ role: 'user', content: 'hello' }],
      };
      const budget = new ScaleBudget({ maxBudgetUsd: 0.02, maxConversationUsd: 0.008 }, { perConversationUsd: 0.005 });
      const started = budget.tryStartConversation('c1');
      assert.ok(started.ok);
      const c1 = started.budget;
      let ok = 0;
      for (;;) {
        try {
          await gateway.call(request, { budget: c1, cache: false });
          ok += 1;
        } catch (e) {
          assert.ok(e instanceof ModelError && e.kind === 'budget');
          assert.match(e.message, /cap of conversation c1 of \$0\.01 reached/);
          break;
        }
      }
      assert.equal(sent, ok, 'the refused call never reached the provider');
      assert.ok(ok >= 1 && ok <= 5);
      assert.equal(budget.totalReached, false);
      assert.deepEqual(
        budget.hits.map((h) => [h.scope, h.conversationId]),
        [['conversation', 'c1']],
      );
      assert.ok(budget.total.spent <= 0.008);
      budget.conversationEnded('c1');

      // Other conversations go on until the total cap refuses; then no new conversation may start.
      let refusedTotal = false;
      for (let i = 2; i < 20 && !refusedTotal; i++) {
        const next = budget.tryStartConversation(`c${i}`);
        if (!next.ok) {
          // Spent + one conversation's estimate would pass the cap: refused before any call of it.
          assert.equal(next.wait, false);
          refusedTotal = true;
          break;
        }
        const conv = next.budget;
        for (let k = 0; k < 3; k++) {
          try {
            await gateway.call(request, { budget: conv, cache: false });
          } catch (e) {
            assert.ok(e instanceof ModelError && e.kind === 'budget');
            if (/total budget cap/.test(e.message)) refusedTotal = true;
            break;
          }
        }
        budget.conversationEnded(`c${i}`);
      }
      assert.ok(refusedTotal);
      // Judge and summary calls count against the total cap: the first that could pass it is never sent.
      const judge = budget.forRun();
      for (;;) {
        const before = sent;
        try {
          await gateway.call(request, { budget: judge, cache: false });
        } catch (e) {
          assert.ok(
            e instanceof ModelError && e.kind === 'budget' && /^total budget cap of \$0\.02 reached/.test(e.message),
            String(e),
          );
          assert.equal(sent, before, 'refused before it was sent');
          break;
        }
      }
      assert.ok(budget.total.spent <= 0.02 + 1e-12, `spent ${budget.total.spent}`);
      assert.equal(gateway.stats().calls, sent);
      assert.equal(budget.totalReached, true);
      const after = budget.tryStartConversation('c99');
      assert.ok(!after.ok && !after.wait && /total budget cap/.test(after.reason));
    });

    it('starts a conversation only when its estimate fits, counting what the running ones will spend yet', async () => {
      const budget = new ScaleBudget({ maxBudgetUsd: 1 }, { perConversationUsd: 0.4 });
      const a = budget.tryStartConversation('c1');
      const b = budget.tryStartConversation('c2');
      assert.ok(a.ok && b.ok, '0.4 + 0.4 fits under 1');
      // c1 and c2 may still spend 0.8 together: a third would not fit, but they may end cheaper, so wait.
      assert.deepEqual(budget.tryStartConversation('c3'), { ok: false, wait: true });
      const slot = a.budget.tryStart(0.1);
      assert.ok(slot.ok);
      slot.release(0.05);
      const woken = budget.whenOneEnds(new AbortController().signal);
      budget.conversationEnded('c1');
      await woken;
      assert.ok(budget.tryStartConversation('c3').ok, 'c1 spent 0.05: 0.05 + 0.4 (c2) + 0.4 fits');
      budget.conversationEnded('c2');
      budget.conversationEnded('c3');
      const spend = budget.tryStartConversation('c4');
      assert.ok(spend.ok);
      const big = spend.budget.tryStart(0.6);
      assert.ok(big.ok);
      big.release(0.7);
      budget.conversationEnded('c4');
      // Nothing runs and 0.75 spent + 0.4 does not fit: the cap is reached for good.
      const refused = budget.tryStartConversation('c5');
      assert.ok(!refused.ok && !refused.wait);
      assert.match(
        refused.reason,
        /total budget cap of \$1\.00: \$0\.7500 spent, and one more conversation is estimated at \$0\.4000/,
      );
      assert.equal(budget.totalReached, true);
      assert.ok(new ScaleBudget({}, { perConversationUsd: 5 }).tryStartConversation('c1').ok, 'no cap, no refusal');
    });
  });

  describe('ledger', () => {
    it('keeps estimated vs actual per role; an unknown cost makes that role null, never 0', () => {
      const e = estimateScale(config(), agent, createPriceBook(priced));
      const book = new RoleLedgerBook(
        { agent: 'openai/sim-1', user: 'openai/sim-1', judge: 'openai/sim-1', summarizer: 'openai/sim-1' },
        e,
      );
      const usage = { inputTokens: 100, outputTokens: 10, cachedInputTokens: 0 };
      book.record('agent', { usage, costUsd: 0.01 });
      book.record('agent', { usage, costUsd: 0.02 });
      book.record('judge', { usage, costUsd: null });
      const l = book.ledger();
      const agentRow = l.find((r) => r.role === 'agent')!;
      assert.equal(agentRow.calls, 2);
      assert.ok(Math.abs(agentRow.actualUsd! - 0.03) < 1e-12);
      assert.equal(agentRow.promptTokens, 200);
      assert.equal(agentRow.completionTokens, 20);
      assert.equal(agentRow.estimatedCalls, role(e, 'agent').calls);
      assert.equal(agentRow.estimatedUsd, role(e, 'agent').usd);
      assert.equal(l.find((r) => r.role === 'judge')!.actualUsd, null);
      assert.equal(l.find((r) => r.role === 'user')!.actualUsd, 0);
      assert.equal(actualUsdOf(l), null);
      assert.ok(Math.abs(actualUsdOf(l.filter((r) => r.role !== 'judge'))! - 0.03) < 1e-12);
      // A resumed run starts from what was spent.
      const again = new RoleLedgerBook(
        { agent: 'openai/sim-1', user: 'openai/sim-1', judge: 'openai/sim-1', summarizer: 'openai/sim-1' },
        e,
        l,
      );
      again.record('agent', { usage, costUsd: 0.01 });
      assert.equal(again.ledger().find((r) => r.role === 'agent')!.calls, 3);
    });
  });
});
