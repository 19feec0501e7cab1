// Reads how long the extension took to activate from the logs code-server writes under the user
// data folder: the extension's own "activated in N ms" line in its "Prompt Tuner" log channel, and
// the extension host's "activating" line (when the activation started).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface ActivationReading {
  /** The extension's own measure of activate(), from its log channel. */
  activateMs: number | null;
  /** The log line it came from. */
  line: string | null;
  /** The event that activated it, from the extension host log. */
  activationEvent: string | null;
  /** From the host's "activating" line to the extension's "activated" line (code loading included). */
  hostToActivatedMs: number | null;
  /** The log files read. */
  files: string[];
}

function walk(dir: string, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

export function readActivation(userDataDir: string, extensionId: string, channel = 'Prompt Tuner'): ActivationReading {
  const files = walk(join(userDataDir, 'logs'));
  const channelLogs = files.filter((f) => f.endsWith(`${channel}.log`));
  const hostLogs = files.filter((f) => f.endsWith('exthost.log'));
  let activateMs: number | null = null;
  let line: string | null = null;
  let activatedAt: number | null = null;
  for (const f of channelLogs) {
    for (const l of readFileSync(f, 'utf8').split('\n')) {
      const m = /activated in (\d+(?:\.\d+)?)\s*ms/i.exec(l);
      if (m?.[1] && activateMs === null) {
        activateMs = Number(m[1]);
        line = l.trim();
        activatedAt = logTime(l);
      }
    }
  }
  let activationEvent: string | null = null;
  let activatingAt: number | null = null;
  for (const f of hostLogs) {
    for (const l of readFileSync(f, 'utf8').split('\n')) {
      if (l.includes('_doActivateExtension') && l.includes(extensionId) && activationEvent === null) {
        activationEvent = /activationEvent: '([^']*)'/.exec(l)?.[1] ?? l.trim();
        activatingAt = logTime(l);
      }
    }
  }
  const hostToActivatedMs = activatedAt !== null && activatingAt !== null ? activatedAt - activatingAt : null;
  return { activateMs, line, activationEvent, hostToActivatedMs, files: [...channelLogs, ...hostLogs] };
}

/** VS Code log lines start with `YYYY-MM-DD HH:MM:SS.mmm` (local time; only differences are used). */
function logTime(line: string): number | null {
  const m = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}\.\d{3})/.exec(line);
  return m ? Date.parse(`${m[1]}T${m[2]}`) : null;
}

/**
 * Error entries of the extension-host log that come from the extension (its id or its install folder in
 * the entry, stack traces included): uncaught exceptions, rejected activations, API misuse VS Code reports.
 * The extension's own log channel is not read here: it may log errors a flow provokes on purpose.
 */
export function hostLogErrors(userDataDir: string, extensionId: string): string[] {
  const hostLogs = walk(join(userDataDir, 'logs')).filter((f) => f.endsWith('exthost.log'));
  const errors: string[] = [];
  for (const f of hostLogs) {
    const entries: string[] = [];
    for (const l of readFileSync(f, 'utf8').split('\n')) {
      if (logTime(l) !== null || entries.length === 0) entries.push(l);
      else entries[entries.length - 1] += `\n${l}`;
    }
    for (const e of entries) {
      if (/^\S+ \S+ \[error\]/.test(e) && (e.includes(`/${extensionId}-`) || e.includes(extensionId))) errors.push(e);
    }
  }
  return errors;
}
