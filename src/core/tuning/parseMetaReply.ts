// The meta model's reply, read leniently: <prompt>…</prompt>, JSON {"prompt": …}, a fenced block, or bare text.

/** The new prompt in a meta reply, or null when there is none (empty, or only an unclosed tag). */
export function parseMetaReply(reply: string): string | null {
  const text = reply.replace(/\r\n/g, '\n').trim();
  if (!text) return null;

  // Last complete <prompt> block: models sometimes quote the format first.
  const tagged = [...text.matchAll(/<prompt>([\s\S]*?)<\/prompt>/gi)];
  if (tagged.length) return clean(tagged[tagged.length - 1]![1]!);
  const open = /<prompt>([\s\S]*)$/i.exec(text);
  if (open) return clean(open[1]!); // cut off by the token limit: keep what came

  const json = fromJson(text);
  if (json !== undefined) return json;

  const fence = /```[a-zA-Z0-9_-]*\n([\s\S]*?)```/.exec(text);
  if (fence) {
    const inner = fence[1]!;
    const asJson = fromJson(inner.trim());
    return asJson !== undefined ? asJson : clean(inner);
  }

  // Bare text: drop a chatty lead-in line such as "Here is the improved prompt:".
  const lines = text.split('\n');
  if (lines.length > 1 && /^(here('s| is)|sure|certainly|below is|improved prompt)\b.*:\s*$/i.test(lines[0]!.trim())) {
    return clean(lines.slice(1).join('\n'));
  }
  return clean(text);
}

function fromJson(text: string): string | null | undefined {
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  if (start < 0 || end <= start) return undefined;
  try {
    const v: unknown = JSON.parse(text.slice(start, end + 1));
    if (v && typeof v === 'object' && 'prompt' in v) {
      const p = v.prompt;
      return typeof p === 'string' ? clean(p) : null;
    }
  } catch {
    // not JSON: fall through to the other forms
  }
  return undefined;
}

function clean(s: string): string | null {
  const t = s
    .trim()
    .replace(/^"""|"""$/g, '')
    .trim();
  return t.length ? t : null;
}

/** Whitespace- and case-insensitive key used to spot a reply identical to a prompt we already have. */
export function promptKey(text: string): string {
  return text.replace(/\s+/g, ' ').trim().toLowerCase();
}
