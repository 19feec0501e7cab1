// The preflight of a scale run: calls, tokens, USD and seconds per role before anything is spent. It is an
// estimate of a typical run, not a bound: the caps (budget.ts) are what stop spending, call by call.
//
// Assumptions (stated in the estimate's `assumptions`, so a user can see what the numbers rest on):
// - Calls. Agent: runs × maxTurns × (1 + tool rounds), one tool round per turn when the agent has tools.
//   User: runs × maxTurns, plus one per conversation whose opening message the simulated user writes
//   (a scenario's openingMessage, or the form's message, is sent verbatim).
//   Judge: runs × judgeCallsPerConversation(agent); its re-asks after a non-JSON reply are not counted.
//   Summarizer: 1; its one re-ask after a rejected reply is not counted. With verify, conversations and
//   judges are counted twice and the summarizer once (a verification run needs no summary).
// - Tokens. A user message is USER_TOKENS, an agent reply AGENT_TOKENS, a tool call TOOL_CALL_TOKENS and its
//   result TOOL_RESULT_TOKENS. Every agent call sends the system prompt and the tools JSON (counted with a
//   real tokenizer) plus the transcript so far, which grows by one turn each turn. The simulated user gets
//   its persona prompt and the transcript without tool calls; the judge the whole transcript once per call;
//   the summarizer the digest, capped at DIGEST_TOKEN_CAP.
// - USD from the price table; a model with no known price gives null (listed in unknownPrices), never 0.
// - Seconds: conversations run `concurrency` at a time, each one's calls in sequence (agent, tools, user,
//   then its judge calls); latency per call is the gateway's measured mean for the model, else ASSUMED_LATENCY_MS.
import { countTokens } from 'gpt-tokenizer';
import type { Agent } from '../agents/agentSchema';
import type { PriceBook } from '../models/prices';
import type { Usage } from '../models/types';
import { judgeCallsPerConversation } from './grading/assertionsFor';
import type { ScaleConfig, ScaleEstimate, ScaleRole } from './types';

export const USER_TOKENS = 40;
export const AGENT_TOKENS = 120;
export const TOOL_CALL_TOKENS = 40;
export const TOOL_RESULT_TOKENS = 60;
/** The simulated user's instructions (persona, goal, τ-bench's rules) beside the persona text. */
export const USER_PROMPT_TOKENS = 250;
/** The judge's instructions beside the rubric, and its JSON verdict. */
export const JUDGE_PROMPT_TOKENS = 250;
export const JUDGE_REPLY_TOKENS = 80;
/** The analyst's instructions, the digest cap and its reply (sections, revised prompt, rationale). */
export const SUMMARIZER_PROMPT_TOKENS = 900;
export const DIGEST_TOKEN_CAP = 6000;
export const SUMMARIZER_REPLY_TOKENS = 1200;
/** Latency of one call when the model was never measured. */
export const ASSUMED_LATENCY_MS = 1500;

/** The price table's provider id of a model; the caller knows endpoints (`pricesFrom`), this default knows the two APIs. */
export type PriceProviderOf = (model: string) => string | undefined;

export const defaultPriceProviderOf: PriceProviderOf = (model) => {
  const provider = model.slice(0, model.indexOf('/'));
  return provider === 'openai' || provider === 'anthropic' ? provider : undefined;
};

const tokens = (text: string) => (text ? countTokens(text, { disallowedSpecial: new Set() }) : 0);

interface RolePlan {
  calls: number;
  promptTokens: number;
  completionTokens: number;
}

/** Tokens of one conversation per role, and its judge calls, from the agent's prompt and tools. */
function conversationPlan(
  config: ScaleConfig,
  agent: Agent,
  writesOpening: boolean,
): Record<'agent' | 'user' | 'judge', RolePlan> {
  const T = agent.maxTurns;
  const rounds = agent.tools.length > 0 ? 1 : 0;
  const fixed =
    tokens(config.systemPrompt) +
    (agent.tools.length
      ? tokens(
          JSON.stringify(
            agent.tools.map((t) => ({ name: t.name, description: t.description, parameters: t.parameters })),
          ),
        )
      : 0);
  const turnTokens = USER_TOKENS + AGENT_TOKENS + rounds * (TOOL_CALL_TOKENS + TOOL_RESULT_TOKENS);
  const personaTokens = Math.max(
    ...(agent.scenarios?.length
      ? agent.scenarios.map((s) => tokens(`${s.persona}\n${s.goal}`))
      : [tokens(`${config.goal ?? ''}\n${config.userMessage ?? ''}`) + 40]),
  );

  const a: RolePlan = { calls: 0, promptTokens: 0, completionTokens: 0 };
  const u: RolePlan = { calls: 0, promptTokens: 0, completionTokens: 0 };
  for (let t = 1; t <= T; t++) {
    const history = (t - 1) * turnTokens;
    // The user writes this turn's message from the persona and what was said so far.
    u.calls += 1;
    u.promptTokens += USER_PROMPT_TOKENS + personaTokens + (t - 1) * (USER_TOKENS + AGENT_TOKENS);
    u.completionTokens += USER_TOKENS;
    if (rounds) {
      a.calls += 2;
      a.promptTokens +=
        fixed + history + USER_TOKENS + (fixed + history + USER_TOKENS + TOOL_CALL_TOKENS + TOOL_RESULT_TOKENS);
      a.completionTokens += TOOL_CALL_TOKENS + AGENT_TOKENS;
    } else {
      a.calls += 1;
      a.promptTokens += fixed + history + USER_TOKENS;
      a.completionTokens += AGENT_TOKENS;
    }
  }
  if (writesOpening) {
    u.calls += 1;
    u.promptTokens += USER_PROMPT_TOKENS + personaTokens;
    u.completionTokens += USER_TOKENS;
  }
  const judgeCalls = judgeCallsPerConversation(agent);
  const rubricTokens = 60;
  const j: RolePlan = {
    calls: judgeCalls,
    promptTokens: judgeCalls * (JUDGE_PROMPT_TOKENS + rubricTokens + T * turnTokens),
    completionTokens: judgeCalls * JUDGE_REPLY_TOKENS,
  };
  return { agent: a, user: u, judge: j };
}

const usage = (p: RolePlan): Usage => ({
  inputTokens: p.promptTokens,
  outputTokens: p.completionTokens,
  cachedInputTokens: 0,
});
const times = (p: RolePlan, k: number): RolePlan => ({
  calls: p.calls * k,
  promptTokens: p.promptTokens * k,
  completionTokens: p.completionTokens * k,
});
const plus = (a: RolePlan, b: RolePlan): RolePlan => ({
  calls: a.calls + b.calls,
  promptTokens: a.promptTokens + b.promptTokens,
  completionTokens: a.completionTokens + b.completionTokens,
});
const ZERO: RolePlan = { calls: 0, promptTokens: 0, completionTokens: 0 };

/** Whether run i's simulated user writes the first message (run i plays scenario i mod S). */
function writesOpening(config: ScaleConfig, agent: Agent, i: number): boolean {
  const scenarios = agent.scenarios ?? [];
  if (scenarios.length > 0) return scenarios[i % scenarios.length]!.openingMessage === undefined;
  return !config.userMessage?.trim();
}
const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

export function estimateScale(
  config: ScaleConfig,
  agent: Agent,
  prices: PriceBook,
  measuredLatencyMs?: (model: string) => number | undefined,
  priceProviderOf: PriceProviderOf = defaultPriceProviderOf,
): ScaleEstimate {
  const N = config.runs;
  const passes = config.verify ? 2 : 1;
  const withOpening = conversationPlan(config, agent, true);
  const withoutOpening = conversationPlan(config, agent, false);
  let conv = { agent: ZERO, user: ZERO, judge: ZERO };
  for (let i = 0; i < N; i++) {
    const p = writesOpening(config, agent, i) ? withOpening : withoutOpening;
    conv = { agent: plus(conv.agent, p.agent), user: plus(conv.user, p.user), judge: plus(conv.judge, p.judge) };
  }
  // The most expensive conversation: the budget's look-ahead before starting one must not undercount.
  const one = withOpening;
  const summarizer: RolePlan = {
    calls: 1,
    promptTokens:
      SUMMARIZER_PROMPT_TOKENS +
      tokens(config.systemPrompt) +
      Math.min(DIGEST_TOKEN_CAP, N * agent.maxTurns * (USER_TOKENS + AGENT_TOKENS + 40)),
    completionTokens: SUMMARIZER_REPLY_TOKENS + tokens(config.systemPrompt),
  };
  const models: Record<ScaleRole, string> = {
    agent: config.agentModel,
    user: config.userModel,
    judge: config.judgeModel,
    summarizer: config.summarizerModel,
  };
  const plans: Record<ScaleRole, RolePlan> = {
    agent: times(conv.agent, passes),
    user: times(conv.user, passes),
    judge: times(conv.judge, passes),
    summarizer,
  };
  const cost = (role: ScaleRole, p: RolePlan): number | null =>
    p.calls === 0 ? 0 : prices.cost(models[role], priceProviderOf(models[role]), usage(p));

  const unknownPrices = new Set<string>();
  const byRole = (['agent', 'user', 'judge', 'summarizer'] as const).map((role) => {
    const usd = cost(role, plans[role]);
    if (usd === null) unknownPrices.add(models[role]);
    return {
      role,
      model: models[role],
      calls: plans[role].calls,
      usd: usd === null ? null : round6(usd),
      promptTokens: plans[role].promptTokens,
      completionTokens: plans[role].completionTokens,
    };
  });
  const calls = byRole.reduce((s, r) => s + r.calls, 0);
  const usd = byRole.some((r) => r.usd === null) ? null : round6(byRole.reduce((s, r) => s + (r.usd ?? 0), 0));

  const perConvParts = [cost('agent', one.agent), cost('user', one.user), cost('judge', one.judge)];
  const perConversationUsd = perConvParts.some((x) => x === null)
    ? null
    : round6(perConvParts.reduce<number>((s, x) => s + (x ?? 0), 0));

  const latency = [...new Set(Object.values(models))].map((model) => {
    const m = measuredLatencyMs?.(model);
    const measured = m !== undefined && Number.isFinite(m) && m >= 0;
    return { model, ms: measured ? Math.round(m) : ASSUMED_LATENCY_MS, measured };
  });
  const lat = (role: ScaleRole) => latency.find((l) => l.model === models[role])!.ms;
  const perConversationMs =
    (conv.agent.calls * lat('agent') + conv.user.calls * lat('user') + conv.judge.calls * lat('judge')) / N;
  const waves = Math.ceil(N / Math.max(1, config.concurrency));
  const seconds = Math.round(((waves * perConversationMs * passes + lat('summarizer')) / 1000) * 10) / 10;

  const assumptions = [
    `Up to ${agent.maxTurns} user turns per conversation${agent.tools.length ? ', one tool round per turn' : ''}; about ${USER_TOKENS} tokens per user message, ${AGENT_TOKENS} per agent reply${agent.tools.length ? `, ${TOOL_CALL_TOKENS + TOOL_RESULT_TOKENS} per tool call and result` : ''}.`,
    `Judge: ${one.judge.calls} call${one.judge.calls === 1 ? '' : 's'} per conversation; re-asks after a non-JSON verdict and the summarizer's one re-ask are not counted.`,
    ...(config.verify
      ? ['Verify: the conversations and their judges run twice; the verification run makes no summarizer call.']
      : []),
    ...latency.map((l) =>
      l.measured
        ? `${l.model}: ${l.ms} ms per call (measured)`
        : `${l.model}: ${l.ms} ms per call (assumed, never measured)`,
    ),
  ];
  return {
    byRole,
    calls,
    usd,
    unknownPrices: [...unknownPrices],
    seconds,
    overBudget: config.maxBudgetUsd !== undefined && usd !== null && usd > config.maxBudgetUsd,
    perConversationUsd,
    latency,
    assumptions,
  };
}

const money = (x: number) => (x < 0.01 ? `$${x.toFixed(4)}` : `$${x.toFixed(2)}`);
const duration = (s: number) => (s < 90 ? `~${Math.ceil(s)}s` : `~${Math.round(s / 60)} min`);
const ROLE_NAMES: Record<ScaleRole, string> = {
  agent: 'agent',
  user: 'simulated user',
  judge: 'judge',
  summarizer: 'summarizer',
};

/** One paragraph for the CLI and the panel: totals, then each role, unknown prices named. */
export function formatScaleEstimate(e: ScaleEstimate): string {
  const total = e.usd === null ? 'cost unknown' : `about ${money(e.usd)}`;
  const roles = e.byRole
    .map(
      (r) =>
        `${ROLE_NAMES[r.role]} ${r.calls} call${r.calls === 1 ? '' : 's'} on ${r.model} (${r.usd === null ? 'price unknown' : money(r.usd)})`,
    )
    .join(', ');
  const unknown = e.unknownPrices.length
    ? ` No price is known for ${e.unknownPrices.join(', ')}: add ${e.unknownPrices.length === 1 ? 'it' : 'them'} to prices in .prompt-tuner/config.json.`
    : '';
  const assumed = e.latency?.filter((l) => !l.measured).map((l) => l.model) ?? [];
  const timing = assumed.length
    ? ` (assuming ${ASSUMED_LATENCY_MS / 1000}s per call for ${assumed.join(', ')})`
    : ' (from measured latency)';
  // An upper bound: every conversation is planned at its full turn limit, and most end sooner (the user's goal is met).
  return `at most ${e.calls} model calls, ${total === 'cost unknown' ? total : `at most ${total.replace('about ', '')}`}, up to ${duration(e.seconds)}${timing}: ${roles}; conversations that end before their turn limit cost less.${unknown}${e.overBudget ? ' Over the budget cap.' : ''}`;
}

/** The estimate of a verification run: the same conversations and judges, and no summarizer call. */
export function withoutSummarizer(e: ScaleEstimate, maxBudgetUsd?: number): ScaleEstimate {
  const byRole = e.byRole.map((r) =>
    r.role === 'summarizer' ? { ...r, calls: 0, usd: 0, promptTokens: 0, completionTokens: 0 } : r,
  );
  const usd = byRole.some((r) => r.usd === null) ? null : round6(byRole.reduce((s, r) => s + (r.usd ?? 0), 0));
  const unknownPrices = [...new Set(byRole.filter((r) => r.usd === null).map((r) => r.model))];
  return {
    ...e,
    byRole,
    calls: byRole.reduce((s, r) => s + r.calls, 0),
    usd,
    unknownPrices,
    overBudget: maxBudgetUsd !== undefined && usd !== null && usd > maxBudgetUsd,
    assumptions: [...(e.assumptions ?? []), 'A verification run makes no summarizer call.'],
  };
}
