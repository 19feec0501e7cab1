// How estimates and money read in the tuning panel (percentages, times left and dates: shared/format.ts).

/** The estimate line: "X API calls, ~Ys" (and minutes beside long ones). */
export function estimateText(calls: number, seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds));
  const long = s >= 90 ? ` (about ${Math.round(s / 60)} min)` : '';
  return `${calls} API call${calls === 1 ? '' : 's'}, ~${s}s${long}`;
}

/** USD with enough digits for small runs. */
export function usd(value: number): string {
  return value < 1 ? `$${value.toFixed(4)}` : `$${value.toFixed(2)}`;
}
