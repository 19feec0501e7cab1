// Which suite cases select the survivors (train) and which are held out to check them (validation).

/** The two case sets of a run; validation is empty without a split. */
export interface CaseSplit {
  train: Set<string>;
  validation: Set<string>;
}

/** FNV-1a: a stable hash so the validation split depends only on the case ids. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** Deterministic split: ⌊n × ratio⌋ cases (at most n − 1) with the lowest hashes are held out for validation. */
export function splitCases(caseIds: string[], ratio: number | undefined): { train: string[]; validation: string[] } {
  const k = Math.min(caseIds.length - 1, Math.floor(caseIds.length * (ratio ?? 0) + 1e-9));
  if (k <= 0) return { train: [...caseIds], validation: [] };
  const held = new Set([...caseIds].sort((a, b) => fnv1a(a) - fnv1a(b) || (a < b ? -1 : a > b ? 1 : 0)).slice(0, k));
  return { train: caseIds.filter((id) => !held.has(id)), validation: caseIds.filter((id) => held.has(id)) };
}
