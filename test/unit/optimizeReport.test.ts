// The run's report (Tau's keys and line first), status.json (atomic write, diagnostics for a missing or damaged
// file) and the snapshot fold of a run's events.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { buildReport, formatCost, reportLines } from '../../src/core/optimize/report';
import { foldOptimizeEvent, initialOptimizeSnapshot } from '../../src/core/optimize/snapshot';
import { readStatusFile, statusPathFor, writeStatusFile } from '../../src/core/optimize/statusFile';
import type { ApoRound, Counters, OptimizeEvent, StatusFile } from '../../src/core/optimize/types';

const COUNTERS: Counters = {
  total_rollouts: 10,
  queuing: 0,
  running: 0,
  requeuing: 0,
  succeeded: 8,
  failed: 2,
  cancelled: 0,
};
const ROUND: ApoRound = {
  round: 1,
  candidates: [
    {
      resources_id: 'resources-1',
      resources_version: 1,
      parent_version: null,
      system_prompt: 'p',
      batch_reward: 0.5,
      validate_reward: null,
      regressions: [],
      kept: true,
    },
    {
      resources_id: 'resources-2',
      resources_version: 2,
      parent_version: 1,
      system_prompt: 'p2',
      batch_reward: 0.8,
      validate_reward: 0.75,
      regressions: [3],
      kept: true,
    },
  ],
  leader_version: 2,
  leader_reward: 0.75,
  critiques: [{ parent_version: 1, text: 'be brief' }],
};

const report = (costUsd: number | null) =>
  buildReport({
    runId: 'r1',
    modelRef: 'openai/sim-1',
    storePath: '/s/store.sqlite',
    counters: COUNTERS,
    meanReward: { optimize: 0.25, validate: null },
    best: {
      resources_id: 'resources-2',
      resources_version: 2,
      system_prompt: 'Line one.\nLine two.',
      validate_reward: 0.75,
      library: { name: 'x', version: 1 },
    },
    rounds: [ROUND],
    calls: 14,
    costUsd,
  });

describe('optimize report, status.json and snapshot', () => {
  it("the report has Tau's keys first, in Tau's order, then ours", () => {
    const r = report(null);
    assert.deepEqual(Object.keys(r), [
      'model_ref',
      'store_path',
      'total_rollouts',
      'succeeded',
      'failed',
      'cancelled',
      'run_id',
      'mean_reward',
      'best',
      'rounds',
      'calls',
      'cost_usd',
    ]);
    assert.deepEqual(
      r.best,
      { resources_version: 2, system_prompt: 'Line one.\nLine two.', validate_reward: 0.75 },
      'the library link is not part of the report',
    );
  });

  it("the text starts with Tau's line; unknown cost is unknown, never $0.00", () => {
    const lines = reportLines(report(null)).split('\n');
    assert.equal(
      lines[0],
      'prompt optimization complete: model=openai/sim-1 store=/s/store.sqlite total=10 succeeded=8 failed=2 cancelled=0',
    );
    assert.ok(lines.includes('mean reward of the initial prompt: optimize 0.250, validate n/a'));
    assert.ok(lines.includes('round 1: 2 candidates (2 scored, 1 with regressions), leader version 2 validate 0.750'));
    assert.ok(lines.includes('best: version 2, validate reward 0.750'));
    assert.ok(lines.includes('best prompt: Line one. ⏎ Line two.'));
    assert.equal(lines.at(-1), 'model calls: 14, cost: unknown');
    assert.equal(reportLines(report(0.0123)).split('\n').at(-1), 'model calls: 14, cost: $0.01');
    assert.equal(formatCost(0.00042), '$0.0004');
    assert.equal(formatCost(0), '$0.00');
  });

  it('status.json: atomic write beside the store, read back, diagnostics when missing or invalid', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pt-status-'));
    const p = statusPathFor(path.join(dir, 'store.sqlite'));
    assert.equal(p, path.join(dir, 'status.json'));
    assert.deepEqual(readStatusFile(p), { status: null, diagnostics: [`training_status_missing:${p}`] });
    const status: StatusFile = {
      schema_version: 1,
      updated_unix_ms: 1,
      run_state: 'running',
      model_ref: 'm',
      store_path: 's',
      total_rollouts: 3,
      succeeded: 1,
      failed: 0,
      cancelled: 0,
    };
    writeStatusFile(p, status);
    assert.deepEqual(readStatusFile(p), { status, diagnostics: [] });
    assert.deepEqual(readdirSync(dir), ['status.json'], 'no temp file left');
    writeFileSync(p, '{"schema_version": 1');
    assert.match(
      readStatusFile(p).diagnostics[0]!,
      new RegExp(`^training_status_invalid:${p.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: not JSON`),
    );
    writeFileSync(p, JSON.stringify({ ...status, run_state: 'exploded' }));
    assert.match(readStatusFile(p).diagnostics[0]!, /training_status_invalid:.*: run_state: /);
  });

  it('the snapshot folds a run from start to complete', () => {
    const base = { runId: 'r1', at: '2026-01-01T00:00:00.000Z' };
    let s = initialOptimizeSnapshot({
      runId: 'r1',
      model_ref: 'm',
      store_path: 's',
      items: { optimize: 4, validate: 2 },
      rounds_total: 1,
      startedAt: base.at,
    });
    const events: OptimizeEvent[] = [
      {
        ...base,
        type: 'optimize_start',
        model_ref: 'm',
        store_path: 's',
        items: { optimize: 4, validate: 2 },
        rounds_total: 1,
        resumed: false,
      },
      { ...base, type: 'progress', counters: { ...COUNTERS, running: 2 } },
      { ...base, type: 'baseline_scored', mean_reward: { optimize: 0.5, validate: 0.5 }, validate_passed: [0] },
      { ...base, type: 'round_start', round: 1 },
      { ...base, type: 'round_complete', round: ROUND },
      { ...base, type: 'round_complete', round: ROUND },
      {
        ...base,
        type: 'best_saved',
        best: {
          resources_id: 'resources-2',
          resources_version: 2,
          system_prompt: 'p2',
          validate_reward: 0.75,
          library: null,
        },
      },
      { ...base, type: 'optimize_complete', report: report(null) },
    ];
    const phases: string[] = [];
    for (const e of events) {
      s = foldOptimizeEvent(s, e);
      phases.push(s.phase);
    }
    assert.deepEqual(phases, ['baseline', 'baseline', 'apo', 'apo', 'apo', 'apo', 'apo', 'done']);
    assert.equal(s.status, 'completed');
    assert.deepEqual(s.validate_passed, [0]);
    assert.equal(s.rounds.length, 1, 'a round completed again (resume) replaces its record');
    assert.equal(s.best?.resources_version, 2);
    assert.deepEqual([s.counters.succeeded, s.counters.failed, s.counters.running], [8, 2, 0]);
    assert.equal(s.endedAt, base.at);
    const failed = foldOptimizeEvent(s, { ...base, type: 'optimize_error', message: 'boom' });
    assert.deepEqual([failed.status, failed.error], ['failed', 'boom']);
    const cancelled = foldOptimizeEvent(s, { ...base, type: 'optimize_cancelled', message: 'stop' });
    assert.deepEqual([cancelled.status, cancelled.error], ['cancelled', 'stop']);
  });
});
