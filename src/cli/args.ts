// Argument parsing shared by every command: node's parseArgs, with errors that name the flag.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { resolve } from 'node:path';
import { UsageError } from './cliTypes';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Options every command takes. */
export const COMMON_OPTIONS = {
  workspace: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Options;

export function parse<O extends Options>(args: string[], options: O, allowPositionals = true) {
  try {
    return parseArgs({ args, options: { ...COMMON_OPTIONS, ...options }, allowPositionals, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/^TypeError: /, ''));
  }
}

/** The workspace folder a command works on: `--workspace DIR`, else the current folder. */
export function workspaceDir(value: string | undefined, cwd: string): string {
  return resolve(cwd, value ?? '.');
}

/** A numeric flag, checked against its range; the error names the flag. */
export function numberFlag(
  name: string,
  value: string | undefined,
  opts: { min?: number; max?: number; integer?: boolean } = {},
): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || value.trim() === '') throw new UsageError(`--${name}: expected a number, got "${value}"`);
  if (opts.integer && !Number.isInteger(n)) throw new UsageError(`--${name}: expected a whole number, got ${value}`);
  if (opts.min !== undefined && n < opts.min)
    throw new UsageError(`--${name}: must be at least ${opts.min}, got ${value}`);
  if (opts.max !== undefined && n > opts.max)
    throw new UsageError(`--${name}: must be at most ${opts.max}, got ${value}`);
  return n;
}

/** Every model flag names a provider the gateway knows; the error names the flag. */
export function assertKnownProviders(models: [flag: string, model: string][], known: string[]): void {
  for (const [flag, m] of models) {
    const provider = m.slice(0, Math.max(0, m.indexOf('/')));
    if (!known.includes(provider))
      throw new UsageError(
        `${flag}: unknown provider "${provider}" in ${m} (known: ${known.join(', ')}; endpoints come from .prompt-tuner/config.json)`,
      );
  }
}
