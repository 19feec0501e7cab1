// How percentages, times left and dates read in every panel.

/** 0.853 → "85%"; null → "—". */
export function percent(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return `${Math.round(value * 100)}%`;
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
  return d.toLocaleString(undefined, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  });
}
