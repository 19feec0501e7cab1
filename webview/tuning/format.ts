// How numbers and times read in the panel.

/** 0.853 → "85%"; null → "—". */
export function percent(score: number | null | undefined): string {
  if (score === null || score === undefined || !Number.isFinite(score)) return '—';
  return `${Math.round(score * 100)}%`;
}

/** The estimate line: "X API calls, ~Ys" (and minutes beside long ones). */
export function estimateText(calls: number, seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds));
  const long = s >= 90 ? ` (about ${Math.round(s / 60)} min)` : '';
  return `${calls} API call${calls === 1 ? '' : 's'}, ~${s}s${long}`;
}

/** Seconds left → "about 40s left" / "about 3 min left"; null → "". */
export function etaText(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '';
  const s = Math.max(0, Math.round(seconds));
  return s < 90 ? `about ${s}s left` : `about ${Math.round(s / 60)} min left`;
}

/** ISO time → local short date and time. */
export function dateText(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

/** USD with enough digits for small runs. */
export function usd(value: number): string {
  return value < 1 ? `$${value.toFixed(4)}` : `$${value.toFixed(2)}`;
}
