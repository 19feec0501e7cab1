// Test-data builders for the prompt-optimization panel: a hand-made store overview (two runs, workers with one
// stale, a queue timeline, alerts, APO rounds and a best prompt), typed by src/core/optimize/types.ts.
// Texts a model wrote carry HTML from a hostile model.
import type {
  ApoRound,
  Counters,
  OptimizeConfig,
  OptimizeOverview,
  OptimizeRunRow,
  OptimizeRunSnapshot,
  WorkerView,
} from '../../src/core/optimize/types';
import type { OptimizeView } from '../../src/protocol/optimizePanel';
import { optimizeConfig } from '../support/optimizeConfig';

export const HOSTILE = '<img src=x onerror="window.__pwned=1"><b>bold</b><script>window.__pwned=2</script>';
export const STORE = '/ws/.prompt-tuner/training/store.sqlite';
export const INITIAL_PROMPT = 'You are a concise assistant.';
export const BEST_PROMPT = 'You are a concise assistant. Reply with only the final answer. Write numbers as digits.';
const T0 = Date.parse('2026-12-01T10:00:00.000Z');
const iso = (ms: number) => new Date(T0 + ms).toISOString();

export function config(overrides: Partial<OptimizeConfig> = {}): OptimizeConfig {
  return optimizeConfig({
    optimize: Array.from({ length: 8 }, (_, i) => ({ prompt: `What is ${i} + 1?`, expected: String(i + 1) })),
    validate: Array.from({ length: 6 }, (_, i) => ({
      prompt: `What is ${i} times 2?`,
      expected: String(i * 2),
      ...(i === 0 ? { must_not_regress: true } : {}),
    })),
    resources: { system_prompt: INITIAL_PROMPT },
    max_attempts: 2,
    apo: {
      rounds: 2,
      beam_width: 2,
      branch_factor: 2,
      gradient_batch_size: 4,
      val_batch_size: 6,
      gradient_model: null,
      edit_model: null,
    },
    ...overrides,
  });
}

const counters = (c: Partial<Counters>): Counters => ({
  total_rollouts: 0,
  queuing: 0,
  running: 0,
  requeuing: 0,
  succeeded: 0,
  failed: 0,
  cancelled: 0,
  ...c,
});

export function rounds(): ApoRound[] {
  return [
    {
      round: 1,
      leader_version: 2,
      leader_reward: 0.5,
      critiques: [{ parent_version: 1, text: `Answers carry extra words. ${HOSTILE}` }],
      candidates: [
        {
          resources_id: 'resources-1',
          resources_version: 1,
          parent_version: null,
          system_prompt: INITIAL_PROMPT,
          batch_reward: 0.17,
          validate_reward: null,
          regressions: [],
          kept: true,
        },
        {
          resources_id: 'resources-2',
          resources_version: 2,
          parent_version: 1,
          system_prompt: `${INITIAL_PROMPT} Reply with only the final answer.`,
          batch_reward: 0.5,
          validate_reward: 0.5,
          regressions: [],
          kept: true,
        },
        {
          resources_id: 'resources-3',
          resources_version: 3,
          parent_version: 1,
          system_prompt: `Be brief. ${HOSTILE}`,
          batch_reward: 0.33,
          validate_reward: null,
          regressions: [0, 3],
          kept: false,
        },
      ],
    },
    {
      round: 2,
      leader_version: 4,
      leader_reward: 1,
      critiques: [{ parent_version: 2, text: 'Numbers are written as words.' }],
      candidates: [
        {
          resources_id: 'resources-2',
          resources_version: 2,
          parent_version: 1,
          system_prompt: `${INITIAL_PROMPT} Reply with only the final answer.`,
          batch_reward: 0.5,
          validate_reward: 0.5,
          regressions: [],
          kept: true,
        },
        {
          resources_id: 'resources-4',
          resources_version: 4,
          parent_version: 2,
          system_prompt: BEST_PROMPT,
          batch_reward: 1,
          validate_reward: 1,
          regressions: [],
          kept: true,
        },
      ],
    },
  ];
}

export function runRow(overrides: Partial<OptimizeRunRow> = {}): OptimizeRunRow {
  return {
    run_id: 'run-2',
    run_number: 2,
    model_ref: 'openai/sim-1',
    config_path: '/ws/examples/prompt-optimization.json',
    config: config(),
    store_path: STORE,
    status: 'completed',
    started_at: iso(0),
    ended_at: iso(95_000),
    owner_pid: 4242,
    owner_host: 'devbox',
    report: null,
    error: null,
    ...overrides,
  };
}

export function snapshot(overrides: Partial<OptimizeRunSnapshot> = {}): OptimizeRunSnapshot {
  return {
    runId: 'run-2',
    status: 'completed',
    phase: 'done',
    model_ref: 'openai/sim-1',
    store_path: STORE,
    items: { optimize: 8, validate: 6 },
    counters: counters({ total_rollouts: 40, succeeded: 38, failed: 2 }),
    mean_reward: { optimize: 0.25, validate: 0.17 },
    validate_passed: [0],
    rounds_total: 2,
    rounds: rounds(),
    best: {
      resources_id: 'resources-4',
      resources_version: 4,
      system_prompt: BEST_PROMPT,
      validate_reward: 1,
      library: null,
    },
    report: null,
    startedAt: iso(0),
    endedAt: iso(95_000),
    error: null,
    detail: 'Done: best v4 100% (initial 17%)',
    etaSeconds: null,
    throttle: null,
    ...overrides,
  };
}

export function workers(): WorkerView[] {
  const w = (id: string, age: number, extra: Partial<WorkerView> = {}): WorkerView => ({
    worker_id: id,
    registered_at: iso(0),
    last_heartbeat_at: iso(60_000 - age),
    active_rollout_id: null,
    active_attempt_id: null,
    pid: 4242,
    host: 'devbox',
    run_id: 'run-2',
    stopped_at: null,
    heartbeat_age_ms: age,
    stale: false,
    ...extra,
  });
  return [
    w('worker-2-1', 400, { active_rollout_id: 'val-2-7', active_attempt_id: 'val-2-7:attempt-1' }),
    w('worker-2-2', 12_000, { stale: true, active_rollout_id: 'train-2-3', active_attempt_id: 'train-2-3:attempt-1' }),
    w('worker-1-1', 900_000, { run_id: 'run-1', stopped_at: iso(-100_000) }),
  ];
}

export function overview(overrides: Partial<OptimizeOverview> = {}): OptimizeOverview {
  const c2 = counters({ total_rollouts: 40, succeeded: 38, failed: 2 });
  return {
    location: STORE,
    generated_unix_ms: T0 + 100_000,
    runs: [
      {
        run_id: 'run-2',
        run_number: 2,
        status: 'completed',
        interrupted: null,
        model_ref: 'openai/sim-1',
        started_at: iso(0),
        ended_at: iso(95_000),
        counters: c2,
        best_reward: 1,
      },
      {
        run_id: 'run-1',
        run_number: 1,
        status: 'running',
        interrupted: 'its process 999 on devbox is gone',
        model_ref: 'openai/sim-1',
        started_at: iso(-200_000),
        ended_at: null,
        counters: counters({ total_rollouts: 14, succeeded: 5, running: 1, queuing: 8 }),
        best_reward: null,
      },
    ],
    run: { row: runRow(), snapshot: snapshot(), interrupted: null },
    counters: c2,
    workers: workers(),
    latest_resources: {
      resources_id: 'resources-4',
      version: 4,
      resources: { system_prompt: BEST_PROMPT },
      created_time: iso(80_000),
      is_latest: true,
      run_id: 'run-2',
      label: 'apo r2 c1',
      parent_version: 2,
    },
    timeline: [
      { t_unix_ms: T0, queued: 14, running: 0, done: 0 },
      { t_unix_ms: T0 + 10_000, queued: 6, running: 2, done: 6 },
      { t_unix_ms: T0 + 20_000, queued: 0, running: 2, done: 12 },
      { t_unix_ms: T0 + 30_000, queued: 8, running: 2, done: 16 },
      { t_unix_ms: T0 + 60_000, queued: 2, running: 2, done: 30 },
      { t_unix_ms: T0 + 95_000, queued: 0, running: 0, done: 40 },
    ],
    alerts: [
      { code: 'dashboard_training_failures', severity: 'warning', message: '2 rollouts failed' },
      {
        code: 'stale_workers',
        severity: 'warning',
        message: `1 worker has not sent a heartbeat for 3 intervals ${HOSTILE}`,
      },
    ],
    training: {
      status_path: '/ws/.prompt-tuner/training/status.json',
      status_present: true,
      updated_unix_ms: T0 + 95_000,
      run_state: 'completed',
      model_ref: 'openai/sim-1',
      store_path: STORE,
      total_rollouts: 40,
      succeeded: 38,
      failed: 2,
      cancelled: 0,
      diagnostics: [],
    },
    ...overrides,
  };
}

/** The whole host message payload: a completed run shown. */
export function view(overrides: Partial<OptimizeView> = {}): OptimizeView {
  return {
    storePath: STORE,
    exists: true,
    overview: overview(),
    error: null,
    runningHere: [],
    trusted: true,
    readAtMs: T0 + 100_000,
    savedBest: null,
    ...overrides,
  };
}

/** A run of this window in its baseline phase: rollouts queued and running, no round yet. */
export function runningView(): OptimizeView {
  const c = counters({ total_rollouts: 14, queuing: 6, running: 2, succeeded: 6 });
  const o = overview({
    runs: [
      {
        run_id: 'run-3',
        run_number: 3,
        status: 'running',
        interrupted: null,
        model_ref: 'openai/sim-1',
        started_at: iso(0),
        ended_at: null,
        counters: c,
        best_reward: null,
      },
      ...overview().runs,
    ],
    run: {
      row: runRow({ run_id: 'run-3', run_number: 3, status: 'running', ended_at: null }),
      snapshot: snapshot({
        runId: 'run-3',
        status: 'running',
        phase: 'baseline',
        counters: c,
        rounds: [],
        best: null,
        mean_reward: { optimize: null, validate: null },
        endedAt: null,
        detail: 'Scoring the initial prompt: 6 of 14 rollouts',
        etaSeconds: 12,
      }),
      interrupted: null,
    },
    counters: c,
    alerts: [],
    timeline: overview().timeline.slice(0, 2),
    training: { ...overview().training, run_state: 'running', total_rollouts: 14, succeeded: 6, failed: 0 },
  });
  return view({ overview: o, runningHere: ['run-3'] });
}
