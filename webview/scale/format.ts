// How numbers, money and times read in the scale panel (percentages, times left and dates: shared/format.ts).
// An unknown amount reads "unknown", never "$0".

/** A 95% interval as "62–91%"; null → "". */
export function intervalText(i: { low: number; high: number } | null | undefined): string {
  if (!i) return '';
  return `${Math.round(i.low * 100)}–${Math.round(i.high * 100)}%`;
}

/** USD with enough digits for small runs; null → "unknown". */
export function usd(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return 'unknown';
  if (value === 0) return '$0.00';
  const abs = Math.abs(value);
  const text = abs < 0.01 ? abs.toFixed(4) : abs < 1 ? abs.toFixed(3) : abs.toFixed(2);
  return `${value < 0 ? '−' : ''}$${text}`;
}

/** A signed USD difference ("+$0.012"); null → "". */
export function usdDelta(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '';
  return value >= 0 ? `+${usd(value)}` : usd(value);
}

/** Milliseconds → "850 ms" / "1.4 s". */
export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** Rough wall time of an estimate: "~25s" / "~3 min". */
export function secondsText(seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds));
  return s < 90 ? `~${s}s` : `~${Math.round(s / 60)} min`;
}

/** 12345 → "12,345". */
export function count(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** One decimal unless whole: 3 → "3", 3.25 → "3.3". */
export function oneDecimal(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

/** "1 conversation" / "3 conversations". */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
