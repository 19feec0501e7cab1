// The tuning job's persist callback: each JobRuntime write also carries the case results buffered since the
// last one and the candidate and generation rows the written events changed, in one transaction.
import type { JobWrite } from '../jobs/runtime';
import type { StoredCaseResult, TuneRunsRepository } from './runsRepository';
import type { TuneEvent, TuneRunSnapshot } from './types';

export class TuneRunWriter {
  private results: StoredCaseResult[] = [];

  constructor(private readonly runs: TuneRunsRepository) {}

  /** Rides on the next write (the runtime makes one at most flushIntervalMs after flushSoon). */
  keepResult(result: StoredCaseResult): void {
    this.results.push(result);
  }

  persist(write: JobWrite<TuneEvent, TuneRunSnapshot>): void {
    const { snapshot } = write;
    const candidateIds = new Set<string>();
    const generationNumbers = new Set<number>();
    for (const { event } of write.events) {
      if ('promptId' in event && event.promptId) candidateIds.add(event.promptId);
      if ('generation' in event) generationNumbers.add(event.generation);
      if (event.type === 'generation_complete') {
        // Selection marks every candidate of the generation (survived or not).
        for (const c of snapshot.generations.find((g) => g.number === event.generation)?.candidates ?? [])
          candidateIds.add(c.id);
      }
    }
    const results = this.results;
    this.results = [];
    this.runs.write({
      snapshot,
      events: write.events,
      results,
      candidates: snapshot.generations.flatMap((g) => g.candidates).filter((c) => candidateIds.has(c.id)),
      generations: snapshot.generations.filter((g) => generationNumbers.has(g.number)),
    });
  }
}
