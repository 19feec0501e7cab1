// The rollout and attempt status machines against the table in Tau's notes (written out here independently of
// transitions.ts): every allowed pair passes, every other pair throws an error naming the id, from and to.
import { strict as assert } from 'node:assert';
import {
  assertAttemptTransition,
  assertRolloutTransition,
  canTransitionAttempt,
  canTransitionRollout,
  IllegalTransitionError,
} from '../../src/core/optimize/store/transitions';
import {
  ATTEMPT_STATUSES,
  ROLLOUT_STATUSES,
  type AttemptStatus,
  type RolloutStatus,
} from '../../src/core/optimize/types';

const ROLLOUT_ALLOWED = new Set([
  'queuing>preparing',
  'queuing>running',
  'queuing>cancelled',
  'queuing>requeuing',
  'preparing>running',
  'preparing>failed',
  'preparing>cancelled',
  'preparing>requeuing',
  'running>succeeded',
  'running>failed',
  'running>cancelled',
  'running>requeuing',
  'failed>requeuing',
  'failed>cancelled',
  'requeuing>preparing',
  'requeuing>running',
  'requeuing>cancelled',
]);

const ATTEMPT_ALLOWED = new Set([
  'preparing>running',
  'preparing>failed',
  'preparing>succeeded',
  'preparing>timeout',
  'preparing>unresponsive',
  'running>failed',
  'running>succeeded',
  'running>timeout',
  'running>unresponsive',
]);

describe('optimize store transitions', () => {
  it('allows exactly the rollout transitions of the table (all 49 pairs)', () => {
    let checked = 0;
    for (const from of ROLLOUT_STATUSES) {
      for (const to of ROLLOUT_STATUSES) {
        const allowed = ROLLOUT_ALLOWED.has(`${from}>${to}`);
        assert.equal(canTransitionRollout(from, to), allowed, `${from} → ${to}`);
        if (allowed) assert.doesNotThrow(() => assertRolloutTransition(from, to, 'train-1-1'));
        else
          assert.throws(
            () => assertRolloutTransition(from, to, 'train-1-1'),
            (e: unknown) =>
              e instanceof IllegalTransitionError &&
              e.message === `illegal rollout transition for 'train-1-1': ${from} → ${to}`,
          );
        checked++;
      }
    }
    assert.equal(checked, 49);
  });

  it('allows exactly the attempt transitions of the table (all 36 pairs)', () => {
    let checked = 0;
    for (const from of ATTEMPT_STATUSES) {
      for (const to of ATTEMPT_STATUSES) {
        const allowed = ATTEMPT_ALLOWED.has(`${from}>${to}`);
        assert.equal(canTransitionAttempt(from, to), allowed, `${from} → ${to}`);
        if (allowed) assert.doesNotThrow(() => assertAttemptTransition(from, to, 'val-2-3:attempt-1'));
        else
          assert.throws(
            () => assertAttemptTransition(from, to, 'val-2-3:attempt-1'),
            (e: unknown) =>
              e instanceof IllegalTransitionError &&
              e.kind === 'attempt' &&
              e.id === 'val-2-3:attempt-1' &&
              e.message === `illegal attempt transition for 'val-2-3:attempt-1': ${from} → ${to}`,
          );
        checked++;
      }
    }
    assert.equal(checked, 36);
  });

  it('treats succeeded and cancelled rollouts and ended attempts as terminal', () => {
    for (const from of ['succeeded', 'cancelled'] as RolloutStatus[]) {
      assert.deepEqual(
        ROLLOUT_STATUSES.filter((to) => canTransitionRollout(from, to)),
        [],
        from,
      );
    }
    for (const from of ['succeeded', 'failed', 'unresponsive', 'timeout'] as AttemptStatus[]) {
      assert.deepEqual(
        ATTEMPT_STATUSES.filter((to) => canTransitionAttempt(from, to)),
        [],
        from,
      );
    }
  });

  it('rejects a status that is not in the table', () => {
    assert.equal(canTransitionRollout('bogus' as RolloutStatus, 'running'), false);
    assert.throws(() => assertAttemptTransition('bogus' as AttemptStatus, 'running', 'x'), IllegalTransitionError);
  });
});
