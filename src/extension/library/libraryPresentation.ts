// How library records read in the tree, pickers, tooltips and the status bar. No `vscode` import, so the
// wording users see is unit-tested (test/unit/extensionLibraryPresentation.test.ts).
import type { PromptSource, PromptSummary, PromptVersion } from '../../core/library/types';

/** Codicon per source, shown on each version in the tree. */
export const SOURCE_ICONS: Record<PromptSource, string> = {
  manual: 'edit',
  tuned: 'beaker',
  optimized: 'rocket',
  scale: 'graph',
  imported: 'cloud-download',
};

/** URI scheme of the read-only documents (Open, Compare). */
export const PROMPT_SCHEME = 'prompt-tuner';

/** "NAME v3": how a version is named everywhere a user picks or reads one. */
export function versionTitle(v: Pick<PromptVersion, 'promptName' | 'version'>): string {
  return `${v.promptName} v${v.version}`;
}

export function formatScore(score: number | null): string | undefined {
  return score === null || !Number.isFinite(score) ? undefined : `${Math.round(score * 100)}%`;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** Local calendar date, `YYYY-MM-DD`; the raw text when it is not a date. */
export function formatDate(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** Local date and minute, `YYYY-MM-DD HH:MM`. */
export function formatDateTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${formatDate(iso)} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** Tree description of a prompt: its latest version and how many it has. */
export function promptDescription(p: Pick<PromptSummary, 'latestVersion' | 'versionCount'>): string {
  return `v${p.latestVersion} · ${p.versionCount} ${p.versionCount === 1 ? 'version' : 'versions'}`;
}

/** Tree description of a version: "label · source · date · score%" (absent parts left out). */
export function versionDescription(v: PromptVersion, options: { active?: boolean } = {}): string {
  const parts = [
    options.active ? 'active' : undefined,
    v.label ?? undefined,
    v.source,
    formatDate(v.createdAt),
    formatScore(v.score),
  ];
  return parts.filter((p): p is string => !!p).join(' · ');
}

/** QuickPick description of a version: "label · source · date". */
export function pickDescription(v: PromptVersion): string {
  return [v.label ?? undefined, v.source, formatDate(v.createdAt)].filter((p): p is string => !!p).join(' · ');
}

/**
 * Tree item context value, matched by the menus in package.json:
 * `version` plus `:previous` when an older version exists and `:active` when it is the active context.
 */
export function versionContextValue(options: { hasPrevious: boolean; active: boolean }): string {
  return ['version', options.hasPrevious ? 'previous' : '', options.active ? 'active' : ''].filter(Boolean).join(':');
}

export const PROMPT_CONTEXT_VALUE = 'prompt';

const MARKDOWN_SPECIAL = /[\\`*_{}[\]()#+\-.!|<>~&]/g;

/** Escapes text so Markdown shows it literally (names and labels are user text). */
export function escapeMarkdown(text: string): string {
  return text.replace(MARKDOWN_SPECIAL, (c) => `\\${c}`);
}

/** A fenced code block that the text cannot close early, however many backticks it holds. */
export function codeBlock(text: string, language = 'text'): string {
  const longestRun = Math.max(0, ...Array.from(text.matchAll(/`+/g), (m) => m[0].length));
  const fence = '`'.repeat(Math.max(3, longestRun + 1));
  return `${fence}${language}\n${text}\n${fence}`;
}

/** Cuts long text for a hover, saying how much was left out. */
export function truncateText(text: string, maxLines = 40, maxChars = 4000): string {
  const lines = text.split('\n');
  let kept = lines.slice(0, maxLines).join('\n');
  if (kept.length > maxChars) kept = kept.slice(0, maxChars);
  if (kept.length === text.length) return text;
  const hiddenLines = lines.length - kept.split('\n').length;
  const rest = hiddenLines > 0 ? `${hiddenLines} more ${hiddenLines === 1 ? 'line' : 'lines'}` : 'more text';
  return `${kept}\n… (${rest})`;
}

/** Markdown for a version's hover: title, label, facts, then the text in a code block. */
export function versionTooltipMarkdown(v: PromptVersion, options: { active?: boolean } = {}): string {
  const title = `**${escapeMarkdown(versionTitle(v))}**` + (v.label ? ` — ${escapeMarkdown(v.label)}` : '');
  const facts = [
    options.active ? 'active system prompt' : undefined,
    `source: ${v.source}`,
    `saved ${formatDateTime(v.createdAt)}`,
    formatScore(v.score) ? `score ${formatScore(v.score)}` : undefined,
    v.runId ? `run ${escapeMarkdown(v.runId)}` : undefined,
  ].filter((p): p is string => !!p);
  return `${title}\n\n${facts.join(' · ')}\n\n${codeBlock(truncateText(v.text))}`;
}

/** Status-bar text of the active context; `$(…)` is a codicon. */
export function statusBarText(v: Pick<PromptVersion, 'promptName' | 'version'>): string {
  return `$(symbol-keyword) ${versionTitle(v)}`;
}

/** Plain-text status-bar tooltip: starts "Active system prompt", then the first lines of the text. */
export function statusBarTooltip(v: PromptVersion, maxLines = 6): string {
  const head = `Active system prompt: ${versionTitle(v)}${v.label ? ` (${v.label})` : ''}`;
  const lines = v.text.split('\n');
  const shown = lines.slice(0, maxLines).map((l) => (l.length > 120 ? `${l.slice(0, 119)}…` : l));
  if (lines.length > maxLines) shown.push('…');
  return `${head}\n\n${shown.join('\n')}\n\nClick to open it.`;
}

/** Diff editor title: "NAME v2 ↔ v3", or both names when the prompts differ. */
export function diffTitle(left: PromptVersion, right: PromptVersion): string {
  return left.promptId === right.promptId
    ? `${left.promptName} v${left.version} ↔ v${right.version}`
    : `${versionTitle(left)} ↔ ${versionTitle(right)}`;
}

/** Path and query of a version's read-only document: `prompt-tuner:/NAME/v3.md?id=12`. */
export function versionDocumentParts(v: Pick<PromptVersion, 'id' | 'promptName' | 'version'>): {
  path: string;
  query: string;
} {
  // The name is only for the tab and breadcrumbs; the id in the query is what the provider reads.
  const safeName = v.promptName.replace(/[/\\]/g, '-') || 'prompt';
  return { path: `/${safeName}/v${v.version}.md`, query: `id=${v.id}` };
}

/** The version id in a read-only document's query, or undefined when there is none. */
export function versionIdFromQuery(query: string): number | undefined {
  const raw = new URLSearchParams(query).get('id');
  if (raw === null || !/^\d+$/.test(raw)) return undefined;
  const id = Number(raw);
  return Number.isSafeInteger(id) ? id : undefined;
}

/** Input-box check of a new prompt's name; undefined when acceptable. */
export function promptNameProblem(name: string): string | undefined {
  const trimmed = name.trim();
  if (trimmed.length === 0) return 'Type a name for the prompt.';
  if (trimmed.length > 200) return `The name is ${trimmed.length} characters long; at most 200 are allowed.`;
  // The CLI reads a trailing "@3" as a version (parseVersionRef), so such a name could not be referred to.
  if (/@([\s\d.+-]*|v\d+)$/i.test(trimmed))
    return 'The name cannot end in "@" and a number: NAME@3 means version 3 of NAME.';
  return undefined;
}

/** Text to save from an editor's selections: the non-empty ones, in document order, joined by newlines. */
export function selectedText(selections: { text: string; start: number }[]): string {
  return [...selections]
    .filter((s) => s.text.length > 0)
    .sort((a, b) => a.start - b.start)
    .map((s) => s.text)
    .join('\n');
}
