// PostgreSQL store locations: which `--store` values are URLs rather than file paths, and the URL as it may be
// shown (the store's `location`, status.json, logs): its password masked. The password itself is only ever used
// to connect; PGPASSWORD, the other PG* variables and .pgpass work too (node-postgres reads them).

const PG_SCHEMES = /^postgres(?:ql)?:\/\//i;

/** True for `postgres://…` and `postgresql://…` (any case): a PostgreSQL store, not a file. */
export function isPostgresUrl(s: string): boolean {
  return PG_SCHEMES.test(s.trim());
}

/**
 * The URL with its password (in the user part or a `password=` parameter) replaced by `***`:
 * `postgres://user:***@host:5432/db`. A URL without a password is returned as given. Never throws: a string that
 * does not parse has everything between `://` and the last `@` masked but the user name.
 */
export function maskUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return url.replace(/^([a-z]+:\/\/)([^:@/]*):[^@]*@/i, '$1$2:***@');
  }
  let masked = false;
  if (u.password !== '') {
    u.password = '***';
    masked = true;
  }
  for (const key of [...u.searchParams.keys()]) {
    if (key.toLowerCase() === 'password') {
      u.searchParams.set(key, '***');
      masked = true;
    }
  }
  if (!masked) return url;
  // URL percent-encodes the asterisks it was given; the mask reads better as written.
  return u.toString().replace(/%2A%2A%2A/gi, '***');
}

/**
 * The URL with no password at all (a masked one included), for a command the user can paste: `***` pasted back
 * would be sent as the password, while without one node-postgres takes PGPASSWORD or ~/.pgpass.
 */
export function withoutPassword(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return url.replace(/^([a-z]+:\/\/)([^:@/]*):[^@]*@/i, '$1$2@');
  }
  u.password = '';
  for (const key of [...u.searchParams.keys()]) if (key.toLowerCase() === 'password') u.searchParams.delete(key);
  return u.toString();
}

/** Removes `secret` (a password) from a message that may quote it, e.g. a driver's error naming the connection string. */
export function scrubSecret(message: string, secret: string | undefined): string {
  if (!secret) return message;
  let out = message.split(secret).join('***');
  const encoded = encodeURIComponent(secret);
  if (encoded !== secret) out = out.split(encoded).join('***');
  return out;
}

/** The password a URL carries (user part, else a `password=` parameter); undefined when none. */
export function urlPassword(url: string): string | undefined {
  try {
    const u = new URL(url);
    if (u.password !== '') return decodeURIComponent(u.password);
    for (const [k, v] of u.searchParams) if (k.toLowerCase() === 'password') return v;
  } catch {
    // Not parseable: the driver will say so; there is no password to scrub that we can find.
  }
  return undefined;
}
