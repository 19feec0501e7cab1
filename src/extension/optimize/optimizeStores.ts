// How the editor names a prompt-optimization store: a .sqlite file by its absolute path, a PostgreSQL store by
// its URL with the password masked. The masked form is the store's id everywhere the editor keeps or shows one
// (panel, webview, notifications, document URIs, logs); a URL typed with a password is kept whole only in this
// window's memory (OptimizeService's session map), never in settings, workspace state or a document URI.
import * as path from 'node:path';
import { isPostgresUrl, maskUrl } from '../../core/optimize/store/pg/pgUrl';

export { isPostgresUrl };

/** The id of a store: the absolute path, or the masked URL. */
export function storeIdOf(location: string): string {
  return isPostgresUrl(location) ? maskUrl(location) : path.resolve(location);
}

/** Two names of one store (a path relative or not; a URL whole or masked). */
export function sameStore(a: string, b: string): boolean {
  return storeIdOf(a) === storeIdOf(b);
}
