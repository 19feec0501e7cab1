// The extension's services load modules with import() (lazily, as in the bundled extension). Under mocha that
// goes to the ESM loader, which does not know extensionless .ts paths: this hook resolves them and hands them
// to require() (tsx/cjs compiles them there), so the lazily loaded modules are the very ones the test imported.
import { register } from 'node:module';

const TS_IMPORTS = `
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
export async function resolve(specifier, context, next) {
  if (specifier.startsWith('.') && context.parentURL?.endsWith('.ts')) {
    const file = fileURLToPath(new URL(specifier, context.parentURL));
    if (existsSync(file + '.ts')) return { url: pathToFileURL(file + '.ts').href, format: 'commonjs', shortCircuit: true };
  }
  return next(specifier, context);
}
export async function load(url, context, next) {
  if (url.endsWith('.ts')) return { format: 'commonjs', shortCircuit: true };
  return next(url, context);
}`;

/** Registers the hook on the ESM loader; call it at the top of a test file whose code under test uses import(). */
export function registerTsImportHook(): void {
  register(`data:text/javascript,${encodeURIComponent(TS_IMPORTS)}`);
}
