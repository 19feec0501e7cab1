// The status machines of rollouts and attempts (Agent Lightning v0.3 / Tau): every status change the store makes
// is checked here, so an illegal one fails loudly instead of corrupting a run.
import type { AttemptStatus, RolloutStatus } from '../types';

/** Allowed next statuses of a rollout; succeeded and cancelled are terminal. */
export const ROLLOUT_TRANSITIONS: Readonly<Record<RolloutStatus, readonly RolloutStatus[]>> = {
  queuing: ['preparing', 'running', 'cancelled', 'requeuing'],
  preparing: ['running', 'failed', 'cancelled', 'requeuing'],
  running: ['succeeded', 'failed', 'cancelled', 'requeuing'],
  failed: ['requeuing', 'cancelled'],
  requeuing: ['preparing', 'running', 'cancelled'],
  succeeded: [],
  cancelled: [],
};

/** Allowed next statuses of an attempt; everything but preparing and running is terminal. */
export const ATTEMPT_TRANSITIONS: Readonly<Record<AttemptStatus, readonly AttemptStatus[]>> = {
  preparing: ['running', 'failed', 'succeeded', 'timeout', 'unresponsive'],
  running: ['failed', 'succeeded', 'timeout', 'unresponsive'],
  succeeded: [],
  failed: [],
  unresponsive: [],
  timeout: [],
};

/** A status change the table does not allow; names what, which one, from and to. */
export class IllegalTransitionError extends Error {
  constructor(
    readonly kind: 'rollout' | 'attempt',
    readonly id: string,
    readonly from: string,
    readonly to: string,
  ) {
    super(`illegal ${kind} transition for '${id}': ${from} → ${to}`);
    this.name = 'IllegalTransitionError';
  }
}

/**
 * The allowed next statuses, or undefined for a status the table lacks: `from` is read back from the store, where
 * a newer or foreign writer may have put one (own keys only, so `constructor` is not a status either).
 */
function nextStatuses<S extends string>(
  table: Readonly<Record<S, readonly S[]>>,
  from: string,
): readonly S[] | undefined {
  return Object.hasOwn(table, from) ? table[from as S] : undefined;
}

export function canTransitionRollout(from: RolloutStatus, to: RolloutStatus): boolean {
  return nextStatuses(ROLLOUT_TRANSITIONS, from)?.includes(to) ?? false;
}

export function canTransitionAttempt(from: AttemptStatus, to: AttemptStatus): boolean {
  return nextStatuses(ATTEMPT_TRANSITIONS, from)?.includes(to) ?? false;
}

export function assertRolloutTransition(from: RolloutStatus, to: RolloutStatus, id: string): void {
  if (!canTransitionRollout(from, to)) throw new IllegalTransitionError('rollout', id, from, to);
}

export function assertAttemptTransition(from: AttemptStatus, to: AttemptStatus, id: string): void {
  if (!canTransitionAttempt(from, to)) throw new IllegalTransitionError('attempt', id, from, to);
}
