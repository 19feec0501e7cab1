// What the APO optimizer (apo/apo.ts) gets from the trainer (trainer.ts): the store-backed way to score a prompt
// as rollouts, to make a candidate an immutable resources version, and to report a round. Keeping it an
// interface lets APO run in a unit test without workers, and the trainer stay free of APO's logic.
import type { ModelGateway } from '../models/types';
import type { ApoConfig, ApoRound, OptimizeConfig, ResourcesRow, RolloutMetadata, RolloutRow } from './types';

export interface ApoContext {
  config: OptimizeConfig;
  apo: ApoConfig;
  /** Model ids (`provider/model`) for the critique and the edit. */
  gradientModel: string;
  editModel: string;
  gateway: ModelGateway;
  /** Aborted on cancel; pass it to every call. */
  signal: AbortSignal;
  /** Seed for the batch sampling (the run number), so a resumed run picks the same batches. */
  seed: number;
  /** The initial resources version (the baseline prompt). */
  initial: ResourcesRow;
  /** The baseline's reward per validate item_index (1 = passed). */
  baselineValidate: Map<number, number>;
  /** Validate item indexes a candidate must not lose: those marked must_not_regress, else those the baseline passed. */
  mustNotRegress: number[];
  /** Rounds a previous process of this run completed (resume skips them); [] on a fresh run. */
  completedRounds: ApoRound[];
  /**
   * Scores RESOURCES on items of a set as rollouts of this run (mode train for optimize, val for validate) and
   * waits until all have ended. A rollout already made in this run for the same resources, item, purpose and
   * round is reused, not made again (resume). Throws when the completion timeout passes.
   */
  evaluate(
    resources: ResourcesRow,
    set: 'optimize' | 'validate',
    itemIndexes: number[],
    purpose: RolloutMetadata['purpose'],
    round: number,
  ): Promise<RolloutRow[]>;
  /** A candidate as a new resources version labelled `apo r<round> c<k>`; an existing row of this run with that label is returned instead (resume). */
  newCandidate(systemPrompt: string, parent: ResourcesRow, round: number, k: number): Promise<ResourcesRow>;
  roundStart(round: number): void;
  roundComplete(round: ApoRound): void;
}

/** What APO found. */
export interface ApoResult {
  best: ResourcesRow;
  /** Mean reward of `best` on the full validate set (null when there is no validate set). */
  bestReward: number | null;
  rounds: ApoRound[];
}
