// Calls and cost so far against the plan, which retries and skipped children correct as they happen;
// every change reaches the panel as a progress event.
import type { EmitTuneEvent } from './candidate';

export class CallTally {
  callsDone = 0;
  costUsd = 0;

  constructor(
    public callsPlanned: number,
    private readonly emit: EmitTuneEvent,
  ) {}

  /** One call finished (a provider call or a cache hit); an unknown price counts as 0. */
  recordCall(costUsd: number | null | undefined): void {
    this.callsDone += 1;
    this.costUsd += costUsd ?? 0;
  }

  /** A progress event; with a candidate, also its evaluations finished so far. */
  report(detail: string, promptId?: string, evaluated?: number): void {
    this.emit({
      type: 'progress',
      callsDone: this.callsDone,
      callsPlanned: this.callsPlanned,
      detail,
      costUsd: this.costUsd,
      ...(promptId !== undefined ? { promptId, evaluated } : {}),
    });
  }
}
