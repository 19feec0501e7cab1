// The ids of the rollout store's rows. Rollout ids carry the run number, so a second run on the same store never
// collides with the first (Tau's process-wide counter did: `rollout 'train-1-1' already exists`).
import type { RolloutMode } from '../types';

/** `<mode>-<runNumber>-<n>`, n counting from 1 per run and mode. */
export function rolloutId(mode: RolloutMode, runNumber: number, n: number): string {
  return `${mode}-${runNumber}-${n}`;
}

/** `<rolloutId>:attempt-<seq>`, seq counting from 1 per rollout. */
export function attemptId(rolloutIdValue: string, seq: number): string {
  return `${rolloutIdValue}:attempt-${seq}`;
}

/** `resources-<version>`. */
export function resourcesId(version: number): string {
  return `resources-${version}`;
}
