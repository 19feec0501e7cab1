// Tau's command line, unchanged with `prompt-tuner` in front: its legacy aliases are rewritten (with Tau's
// deprecation line) and its top-level flags become `optimize run`, before any command is looked up.
import { UsageError } from './cliTypes';

const CONFIG = '--prompt-optimization-config';
const STORE = '--prompt-optimization-store-sqlite';
const JSON_FLAG = '--prompt-optimization-json';

/** Tau's legacy spellings and what they mean now. */
export const TAU_LEGACY_ALIASES: Record<string, string> = {
  '--train-config': CONFIG,
  '--train-store-sqlite': STORE,
  '--train-json': JSON_FLAG,
};

export interface TauRewrite {
  /** argv as the command table reads it. */
  argv: string[];
  /** Tau's stderr lines for the legacy aliases used, one per use, each without a newline. */
  deprecations: string[];
}

export function deprecationLine(alias: string): string {
  return `deprecated CLI alias '${alias}' detected; use '${TAU_LEGACY_ALIASES[alias]}' instead.`;
}

/** `--flag=value` → [flag, value]; `--flag` → [flag, undefined]. */
function split(arg: string): [string, string | undefined] {
  const eq = arg.indexOf('=');
  return arg.startsWith('--') && eq > 0 ? [arg.slice(0, eq), arg.slice(eq + 1)] : [arg, undefined];
}

function renameLegacy(argv: string[], deprecations: string[]): string[] {
  return argv.map((arg) => {
    const [name, value] = split(arg);
    const current = TAU_LEGACY_ALIASES[name];
    if (!current) return arg;
    deprecations.push(deprecationLine(name));
    return value === undefined ? current : `${current}=${value}`;
  });
}

/**
 * Rewrites Tau's flags; argv without them comes back as it was. Tau's flags are read only in front of any
 * command word (`prompt-tuner --model M --prompt-optimization-config F …`), anywhere among the flags there.
 * Throws UsageError (exit 2) for the store or JSON flag without the config flag, a missing value, a repeat.
 */
export function rewriteTauFlags(argv: string[]): TauRewrite {
  const deprecations: string[] = [];
  const renamed = renameLegacy(argv, deprecations);
  if (renamed.length === 0 || !renamed[0]!.startsWith('-'))
    return { argv: deprecations.length ? renamed : argv, deprecations };

  let config: string | undefined;
  let store: string | undefined;
  let json = false;
  const rest: string[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < renamed.length; i++) {
    const arg = renamed[i]!;
    const [name, inline] = split(arg);
    if (name !== CONFIG && name !== STORE && name !== JSON_FLAG) {
      rest.push(arg);
      continue;
    }
    if (seen.has(name)) throw new UsageError(`${name} was given more than once`);
    seen.add(name);
    if (name === JSON_FLAG) {
      if (inline !== undefined) throw new UsageError(`${JSON_FLAG} takes no value, got "${inline}"`);
      json = true;
      continue;
    }
    let value = inline;
    if (value === undefined) {
      const next = renamed[i + 1];
      if (next === undefined || next.startsWith('--'))
        throw new UsageError(`${name} requires a value (${name === CONFIG ? 'the config file' : 'the store file'})`);
      value = next;
      i += 1;
    }
    if (value.trim() === '')
      throw new UsageError(`${name} requires a value (${name === CONFIG ? 'the config file' : 'the store file'})`);
    if (name === CONFIG) config = value;
    else store = value;
  }
  if (config === undefined) {
    const orphans = [store !== undefined ? STORE : '', json ? JSON_FLAG : ''].filter(Boolean);
    if (orphans.length)
      throw new UsageError(`${orphans.join(' and ')} require${orphans.length === 1 ? 's' : ''} ${CONFIG}`);
    return { argv: renamed, deprecations };
  }
  return {
    argv: [
      'optimize',
      'run',
      '--config',
      config,
      ...(store !== undefined ? ['--store', store] : []),
      ...(json ? ['--json'] : []),
      ...rest,
    ],
    deprecations,
  };
}
