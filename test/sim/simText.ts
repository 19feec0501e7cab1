// Small text and seed helpers shared by the simulator's roles: tag reading, a stable hash, and the seed
// a request's choices are drawn from (so every role's answer is a pure function of request + seed).
import type { SimMessage } from './behaviour';

/** Content of the last complete <name>…</name> (instructions may mention a tag before the real one), or null. */
export function lastTag(text: string, name: string): string | null {
  const all = [...text.matchAll(new RegExp(`<${name}>((?:(?!<${name}>)[\\s\\S])*?)</${name}>`, 'g'))];
  const m = all[all.length - 1];
  return m?.[1] !== undefined ? m[1].trim() : null;
}

/** FNV-1a, 32 bit: a stable hash for picking rules and phrasings. */
export function stableHash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/**
 * The seed behind a request's choices: the wire `seed` when one was sent (OpenAI), else one derived from the
 * system prompt and the first message, so it stays the same for the whole conversation (Anthropic has no seed).
 */
export function seedOf(request: { seed?: number; system: string; messages: SimMessage[] }): number {
  if (request.seed !== undefined) return request.seed;
  return stableHash(`${request.system}\n${request.messages[0]?.text ?? ''}`);
}

/** A number in [0, 1) drawn from a seed and a salt (what the choice is for). */
export function unitDraw(seed: number, salt: string): number {
  return stableHash(`${seed}\u0000${salt}`) / 4294967296;
}

/** One of `options`, chosen by seed and salt. */
export function pickSeeded<T>(options: readonly T[], seed: number, salt: string): T {
  return options[stableHash(`${seed}\u0000${salt}`) % options.length]!;
}

/** A text with its first letter in upper case. */
export function capitalise(text: string): string {
  return text.length > 0 ? text[0]!.toUpperCase() + text.slice(1) : text;
}
