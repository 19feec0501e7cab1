// The one place that touches acquireVsCodeApi(): typed send/receive and view state behind an interface,
// so a panel can run against a fake host (tests replace the global or pass their own HostApi).
import type { WebviewReady } from '../../src/protocol/panelMessages';

/** A panel's side of the channel: Out is what it posts, In what the host posts, S its saved view state. */
export interface HostApi<S, Out extends { type: string }, In extends { type: string }> {
  /** Post a message to the extension host. */
  post(message: Out | WebviewReady): void;
  /** Listen to host messages; returns the unsubscribe function. */
  onMessage(listener: (message: In) => void): () => void;
  /** View state saved with setState (survives hide and reload), or undefined. */
  getState(): S | undefined;
  setState(state: S): void;
}

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

/** Connects to the real (or a test's fake) host. Call once: acquireVsCodeApi throws on a second call. */
export function connectToHost<S, Out extends { type: string }, In extends { type: string }>(
  isState: (value: unknown) => value is S,
): HostApi<S, Out, In> {
  const api = acquireVsCodeApi();
  return {
    post: (message) => api.postMessage(message),
    onMessage(listener) {
      const handler = (event: MessageEvent): void => {
        const data: unknown = event.data;
        // Only the host posts to this window; anything without a string `type` is not ours.
        if (typeof data === 'object' && data !== null && typeof (data as { type?: unknown }).type === 'string') {
          listener(data as In);
        }
      };
      window.addEventListener('message', handler);
      return () => window.removeEventListener('message', handler);
    },
    getState() {
      const s = api.getState();
      return isState(s) ? s : undefined;
    },
    setState: (state) => api.setState(state),
  };
}

/** A fresh idempotency key per submission (crypto, never Math.random). */
export function newIdempotencyKey(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
