// How the optimization panel reads numbers: rewards, ages, durations, money (unknown is "unknown", never "$0").
import { percent } from '../shared/format';

/** A mean reward in [0,1] as a percentage; null → "—". */
export function reward(value: number | null | undefined): string {
  return percent(value);
}

/** The change from a baseline in percentage points ("+23 points"); "" when either is unknown. */
export function rewardDelta(after: number | null | undefined, before: number | null | undefined): string {
  if (after === null || after === undefined || before === null || before === undefined) return '';
  const d = Math.round((after - before) * 100);
  return `${d > 0 ? '+' : d < 0 ? '−' : '±'}${Math.abs(d)} point${Math.abs(d) === 1 ? '' : 's'}`;
}

/** Milliseconds since a heartbeat → "0.4 s ago" / "12 s ago" / "3 min ago". */
export function ageText(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return 'just now';
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s ago`;
  if (ms < 90_000) return `${Math.round(ms / 1000)} s ago`;
  if (ms < 90 * 60_000) return `${Math.round(ms / 60_000)} min ago`;
  return `${Math.round(ms / 3_600_000)} h ago`;
}

/** A span of time in ms → "45 s" / "3 min" / "1.5 h". */
export function spanText(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '0 s';
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 90 * 60_000) return `${Math.round(ms / 60_000)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

/** USD; null → "unknown". */
export function usd(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return 'unknown';
  if (value === 0) return '$0.00';
  return value < 0.01 ? `$${value.toFixed(4)}` : value < 1 ? `$${value.toFixed(3)}` : `$${value.toFixed(2)}`;
}

/** "1 rollout" / "3 rollouts". */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Validate items as users count them (item_index 0 → "#1"). */
export function itemList(indexes: number[]): string {
  return indexes.map((i) => `#${i + 1}`).join(', ');
}
