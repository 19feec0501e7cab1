// Select: rank the candidates of a generation and carry the best into the next one unchanged (their
// scores carry over; survivors are never evaluated again).
import type { Candidate } from './candidate';
import { betterCandidate } from './snapshot';

/** Evaluated candidates ranked best first: score, then the shorter prompt, then creation order. */
export function rank(cands: Candidate[]): Candidate[] {
  return cands
    .filter((c) => c.score !== null)
    .map((c, i) => ({ c, i }))
    .sort((a, b) => {
      if (betterCandidate({ score: a.c.score!, text: a.c.text }, { score: b.c.score!, text: b.c.text })) return -1;
      if (betterCandidate({ score: b.c.score!, text: b.c.text }, { score: a.c.score!, text: a.c.text })) return 1;
      return a.i - b.i;
    })
    .map((x) => x.c);
}

/** The top `count` of the population as the first candidates of generation `generation`. */
export function carrySurvivors(population: Candidate[], count: number, generation: number): Candidate[] {
  return rank(population)
    .slice(0, count)
    .map((s, i) => ({
      ...s,
      id: `g${generation}-p${i + 1}`,
      generation,
      origin: 'survivor',
      parentIds: [s.evaluatedAs],
      note: `survivor of ${s.evaluatedAs}, score carried over`,
    }));
}
