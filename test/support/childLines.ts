// A child process's output read line by line (the process fixtures report "ready", "ack …", "claim …" lines).
import type { Readable } from 'node:stream';

/** Calls ON_LINE for each whole line of STREAM as it arrives, then AFTER_CHUNK (if any) once per chunk. */
export function onLines(stream: Readable, onLine: (line: string) => void, afterChunk?: () => void): void {
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    pending += chunk;
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      onLine(line);
    }
    afterChunk?.();
  });
}
