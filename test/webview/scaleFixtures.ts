// Test-data builders for the scale panel: host options, library versions, and run snapshots (running, with a
// report, verified), typed by src/core/scale/types.ts. Texts a model wrote carry HTML from a hostile model.
import type {
  ConversationSummary,
  RoleLedger,
  ScaleReport,
  ScaleRunSnapshot,
  ScaleStats,
} from '../../src/core/scale/types';
import type { LibraryVersionItem, ScaleOptions } from '../../src/protocol/scalePanel';

export const HOSTILE = '<img src=x onerror="window.__pwned=1"><b>bold</b><script>window.__pwned=2</script>';

export const AGENT_FILE = '/ws/agents/hotel-desk.agent.json';
export const FREE_AGENT_FILE = '/ws/agents/free-chat.agent.json';
export const HOTEL_PROMPT =
  'You are the front desk of Hotel Fjord. Book rooms with book_room; confirm dates before booking.';

export function scaleOptions(overrides: Partial<ScaleOptions> = {}): ScaleOptions {
  return {
    agents: [
      {
        file: AGENT_FILE,
        relativePath: 'agents/hotel-desk.agent.json',
        name: 'Hotel front desk',
        systemPrompt: HOTEL_PROMPT,
        promptRef: null,
        scenarioCount: 3,
        toolCount: 2,
        maxTurns: 6,
        error: null,
      },
      {
        file: FREE_AGENT_FILE,
        relativePath: 'agents/free-chat.agent.json',
        name: 'Free chat',
        systemPrompt: 'You are a friendly assistant.',
        promptRef: null,
        scenarioCount: 0,
        toolCount: 0,
        maxTurns: 8,
        error: null,
      },
      {
        file: '/ws/agents/broken.agent.json',
        relativePath: 'agents/broken.agent.json',
        name: 'broken.agent.json',
        systemPrompt: null,
        promptRef: null,
        scenarioCount: 0,
        toolCount: 0,
        maxTurns: 8,
        error: 'tools[0].parameters.type: must be "object"',
      },
    ],
    models: [
      { id: 'openai/gpt-4o-mini', label: 'gpt-4o-mini (openai)', source: 'API key' },
      { id: 'anthropic/claude-haiku-4-5', label: 'claude-haiku-4-5 (anthropic)', source: 'API key' },
    ],
    activeContext: { versionId: 12, name: 'hotel-desk', version: 3, text: 'You are a concise hotel receptionist.' },
    limits: { runs: { min: 1, max: 10, default: 5 }, concurrency: { min: 1, max: 5, default: 3 } },
    preselectAgentFile: null,
    trusted: true,
    ...overrides,
  };
}

export function scaleVersions(): LibraryVersionItem[] {
  return [
    {
      id: 12,
      promptName: 'hotel-desk',
      version: 3,
      label: 'tuned',
      source: 'tuned',
      createdAt: '2026-11-21T10:00:00.000Z',
      score: 0.82,
      text: 'You are a concise hotel receptionist.',
    },
    {
      id: 9,
      promptName: 'hotel-desk',
      version: 2,
      label: null,
      source: 'manual',
      createdAt: '2026-11-20T09:00:00.000Z',
      score: null,
      text: 'You are a hotel receptionist. Always confirm dates.',
    },
  ];
}

const MODEL = 'openai/gpt-4o-mini';

function ledger(): RoleLedger[] {
  return [
    {
      role: 'agent',
      model: MODEL,
      estimatedCalls: 30,
      estimatedUsd: 0.012,
      calls: 22,
      actualUsd: 0.0094,
      promptTokens: 21000,
      completionTokens: 2600,
    },
    {
      role: 'user',
      model: MODEL,
      estimatedCalls: 30,
      estimatedUsd: 0.006,
      calls: 20,
      actualUsd: 0.0041,
      promptTokens: 9800,
      completionTokens: 1200,
    },
    {
      role: 'judge',
      model: MODEL,
      estimatedCalls: 10,
      estimatedUsd: 0.004,
      calls: 10,
      actualUsd: 0.0035,
      promptTokens: 8000,
      completionTokens: 900,
    },
    {
      role: 'summarizer',
      model: MODEL,
      estimatedCalls: 1,
      estimatedUsd: 0.002,
      calls: 1,
      actualUsd: 0.0018,
      promptTokens: 3500,
      completionTokens: 700,
    },
  ];
}

function conversation(index: number, patch: Partial<ConversationSummary>): ConversationSummary {
  const scenarios = [
    { id: 'rude', persona: 'An impatient guest who types in fragments.', goal: 'Book a room in Oslo for two nights.' },
    { id: 'family', persona: 'A parent travelling with two children.', goal: 'Book a family room with breakfast.' },
    { id: 'late', persona: 'A guest arriving after midnight.', goal: 'Change the check-in time.' },
  ];
  return {
    conversationId: `conv-${index + 1}`,
    index,
    scenario: scenarios[index % 3]!,
    seed: 1 + index,
    status: 'done',
    outcome: 'pass',
    endedReason: 'user_stop',
    turns: 3,
    failureTags: [],
    assertionResults: [],
    costUsd: 0.0037,
    promptTokens: 8000,
    completionTokens: 900,
    turnLatencyMs: [420, 610, 530],
    toolErrors: 0,
    ...patch,
  };
}

/** Five conversations: 2 done (pass, fail), 1 grading, 1 running, 1 waiting. */
export function runningSnapshot(overrides: Partial<ScaleRunSnapshot> = {}): ScaleRunSnapshot {
  return {
    runId: 'run-1',
    status: 'running',
    phase: 'conversations',
    agent: { name: 'Hotel front desk', file: 'agents/hotel-desk.agent.json' },
    models: { agent: MODEL, user: MODEL, judge: MODEL, summarizer: MODEL },
    systemPrompt: HOTEL_PROMPT,
    promptSource: { kind: 'agent' },
    runs: 5,
    concurrency: 3,
    idempotencyKey: 'key-running-1',
    verifiesRunId: null,
    conversations: [
      conversation(0, {}),
      conversation(1, { outcome: 'fail', failureTags: ['GOAL_MISS'], turns: 5 }),
      conversation(2, { status: 'grading', outcome: null, endedReason: 'max_turns', turns: 6 }),
      conversation(3, {
        status: 'running',
        outcome: null,
        endedReason: null,
        turns: 2,
        costUsd: 0.001,
        turnLatencyMs: [380, 450],
      }),
      conversation(4, {
        status: 'pending',
        outcome: null,
        endedReason: null,
        turns: 0,
        costUsd: null,
        promptTokens: 0,
        completionTokens: 0,
        turnLatencyMs: [],
      }),
    ],
    completed: 2,
    total: 5,
    progress: 0.4,
    etaSeconds: 38,
    detail: 'Conversation #4: turn 2',
    budget: { estimatedUsd: 0.024, actualUsd: 0.0095, capUsd: 0.05, conversationCapUsd: null, byRole: ledger() },
    throttle: { provider: 'openai', active: true, concurrency: 2, queueDepth: 3, retryInMs: 1500 },
    report: null,
    verification: null,
    error: null,
    notes: ['Conversation #5 was not started: its projected cost would exceed the per-conversation cap.'],
    startedAt: '2026-11-22T15:00:00.000Z',
    finishedAt: null,
    ...overrides,
  };
}

function stats(overrides: Partial<ScaleStats> = {}): ScaleStats {
  return {
    total: 5,
    passed: 2,
    failed: 2,
    unscored: 1,
    winRate: 0.5,
    winRateInterval: { low: 0.15, high: 0.85 },
    averageTurns: 4.2,
    turns: { p50: 4, p95: 6 },
    tokenStats: {
      prompt: { avg: 8460, p95: 9800, sum: 42300 },
      completion: { avg: 1080, p95: 1400, sum: 5400 },
      total: { avg: 9540, p95: 11200, sum: 47700 },
    },
    latencyStats: { perTurn: { avg: 520, p95: 1240, max: 1500 }, perRun: { avg: 2300, p95: 3900, max: 4100 } },
    cost: { estimatedUsd: 0.024, actualUsd: 0.0188, deltaUsd: -0.0052, byRole: ledger() },
    topFailureModes: [
      { tag: 'GOAL_MISS', count: 2, sampleConversationIds: ['conv-2', 'conv-4'] },
      { tag: 'HALLUCINATION', count: 1, sampleConversationIds: ['conv-4'] },
    ],
    judgeStats: [
      { assertion: 'llm-rubric: goal adherence', pass: 2, fail: 2, error: 1, passRate: 0.5 },
      { assertion: 'not-contains: **', pass: 5, fail: 0, error: 0, passRate: 1 },
    ],
    ...overrides,
  };
}

export const REVISED_PROMPT = `You are the front desk of Hotel Fjord.\n- Confirm the city and dates before you call book_room.\n- Never invent a booking number. ${HOSTILE}`;
export const RATIONALE =
  'Two conversations missed the goal because the agent booked before confirming dates (conv #2 turn 3).';

/** A completed run: 2 passed, 2 failed (GOAL_MISS; one also HALLUCINATION), 1 unscored; summary, revised prompt. */
export function reportSnapshot(
  overrides: Partial<ScaleRunSnapshot> = {},
  reportPatch: Partial<ScaleReport> = {},
): ScaleRunSnapshot {
  const conversations = [
    conversation(0, {}),
    conversation(1, { outcome: 'fail', failureTags: ['GOAL_MISS'], turns: 5, assertionResults: [] }),
    conversation(2, {
      outcome: 'unscored',
      endedReason: 'max_turns',
      turns: 6,
      error: 'judge reply not JSON after one re-ask',
    }),
    conversation(3, { outcome: 'fail', failureTags: ['GOAL_MISS', 'HALLUCINATION'], turns: 4, toolErrors: 1 }),
    conversation(4, { turns: 3 }),
  ];
  const report: ScaleReport = {
    runId: 'run-1',
    status: 'completed',
    idempotencyKey: 'key-running-1',
    summary: {
      failureModes: [
        {
          text: `Books before confirming the dates ${HOSTILE}`,
          citations: [
            { conversationId: 'conv-2', turn: 3 },
            { conversationId: 'conv-4', turn: 2 },
          ],
        },
      ],
      hallucinations: [
        { text: 'Invented a booking number BK-1234.', citations: [{ conversationId: 'conv-4', turn: 4 }] },
      ],
      goalFailures: [{ text: 'The family room was never booked.', citations: [{ conversationId: 'conv-2' }] }],
      characterInconsistency: 'information unavailable',
    },
    revisedPrompt: REVISED_PROMPT,
    revisedPromptRationale: RATIONALE,
    digestNote: 'Digest: 2 long tool results were trimmed to stay under 6000 tokens.',
    stats: stats(),
    conversations,
    ...reportPatch,
  };
  return runningSnapshot({
    status: 'completed',
    phase: 'done',
    conversations,
    completed: 5,
    progress: 1,
    etaSeconds: 0,
    detail: 'Done: win rate 50% (2/4 scored)',
    throttle: null,
    notes: [],
    budget: { estimatedUsd: 0.024, actualUsd: 0.0188, capUsd: 0.05, conversationCapUsd: null, byRole: ledger() },
    report,
    finishedAt: '2026-11-22T15:02:00.000Z',
    ...overrides,
  });
}

/** The report after Verify: win rate 50% → 80%. */
export function verifiedSnapshot(): ScaleRunSnapshot {
  const base = reportSnapshot();
  const report = base.report!;
  return {
    ...base,
    verification: { runId: 'run-2', status: 'completed', completed: 5, total: 5 },
    report: {
      ...report,
      verification: {
        runId: 'run-2',
        prompt: REVISED_PROMPT,
        status: 'completed',
        stats: stats({ passed: 4, failed: 1, unscored: 0, winRate: 0.8, winRateInterval: { low: 0.38, high: 0.96 } }),
        conversations: report.conversations,
        winRateBefore: 0.5,
        winRateIntervalBefore: { low: 0.15, high: 0.85 },
      },
    },
  };
}
