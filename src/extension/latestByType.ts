// Messages held while the webview cannot receive them: only the newest of each type matters, because every
// host→webview message is a whole state (snapshots, option lists), never a delta.
export class LatestByType<M extends { type: string }> {
  private readonly byType = new Map<string, M>();

  /** Keeps M, replacing an older message of its type (which keeps its place in the order). */
  set(message: M): void {
    this.byType.set(message.type, message);
  }

  /** The message of this type held; a type M does not have gives undefined. */
  get<T extends string>(type: T): Extract<M, { type: T }> | undefined {
    return this.byType.get(type) as Extract<M, { type: T }> | undefined;
  }

  /** Everything held, in first-queued order, and empties the queue. */
  drain(): M[] {
    const out = [...this.byType.values()];
    this.byType.clear();
    return out;
  }

  get size(): number {
    return this.byType.size;
  }
}
