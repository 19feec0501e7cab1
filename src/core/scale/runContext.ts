// What every phase of a scale run works with: the run's config and agent, the gateway, and the job runtime's
// signal, events and progress, with call options and the cost ledger applied the same way in every phase.
import type { Agent } from '../agents/agentSchema';
import type { CallOptions, ModelGateway, ModelResult } from '../models/types';
import type { ScaleBudget } from './budget';
import type { ScaleConfig, ScaleEvent, ScaleRole, ScaleRunSnapshot } from './types';

type WithoutStamp<E> = E extends ScaleEvent ? Omit<E, 'runId' | 'at'> : never;

/** A scale event before the run id and time are stamped on it. */
export type ScaleEventBody = WithoutStamp<ScaleEvent>;

/** What a progress event may say besides the detail: the phase entered, the verification's progress. */
export type ProgressExtra = Pick<Extract<ScaleEvent, { type: 'progress' }>, 'phase' | 'verification'>;

export interface RunContext {
  runId: string;
  config: ScaleConfig;
  agent: Agent;
  gateway: ModelGateway;
  /** The run's caps: per conversation, and in total (shared with the parent run for a verification inside it). */
  budget: ScaleBudget;
  /** The job's signal: cancel, a store failure, or the parent run's cancel. Pass it to every call. */
  signal: AbortSignal;
  /** True once the job has ended: late callbacks must not emit. */
  isFinished(): boolean;
  snapshot(): ScaleRunSnapshot;
  /** Stamps the run id and time and hands the event to the job runtime (stored before anyone hears it). */
  emit(event: ScaleEventBody): void;
  /** What is happening now, with the ledger (an ephemeral progress event); nothing once the job has ended. */
  progress(detail: string, extra?: ProgressExtra): void;
  /** Options for one call: the job's signal, no response cache, and the cap that applies. */
  callOptions(budget: CallOptions['budget']): CallOptions;
  /** Records a call's cost in the run's ledger (and the parent run's, for a verification inside it). */
  record(role: ScaleRole, result: ModelResult): void;
}
