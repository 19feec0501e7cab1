// How numbers, money and times read in the report panel. An unknown cost reads "unknown", never "$0.00".

/** USD with enough digits for cheap calls. */
export function usd(value: number): string {
  if (value === 0) return '$0.00';
  const text = value < 0.01 ? value.toFixed(4) : value < 1 ? value.toFixed(3) : value.toFixed(2);
  return `$${text}`;
}

/** A run's cost: known, a known part plus an unknown one, or unknown. */
export function costText(costUsd: number, incomplete: boolean): string {
  if (!incomplete) return usd(costUsd);
  return costUsd === 0 ? 'unknown' : `${usd(costUsd)} + unknown`;
}

/** One call's cost; null → "unknown". */
export function callCost(costUsd: number | null): string {
  return costUsd === null ? 'unknown' : usd(costUsd);
}

/** Milliseconds → "850 ms" / "1.4 s". */
export function duration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** 12345 → "12,345". */
export function count(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** "1 case" / "3 cases". */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

/** 0.0215 → "0.021"; tiny values as "< 0.001" (the host's verdict uses the same rule). */
export function pValueText(p: number): string {
  if (p < 0.001) return '< 0.001';
  if (p >= 0.9995) return '1';
  return p.toFixed(3);
}
