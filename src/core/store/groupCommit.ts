// Process-wide bookkeeping of store commits, kept apart from store.ts so the CLI's entry point can read it
// (and flush on a hard exit) without loading the store: how many durable commits this process made, and the
// stores that hold writes queued for their next group commit.

let commits = 0;
const pending = new Set<{ flush(): void }>();

/** Durable commits (journal appends, each with an fdatasync) this process has made. */
export function storeCommitCount(): number {
  return commits;
}

/** Called by the store after each journal append. */
export function countStoreCommit(): void {
  commits += 1;
}

/** A store with queued writes registers here until they are committed. */
export function trackPendingWrites(store: { flush(): void }, queued: boolean): void {
  if (queued) pending.add(store);
  else pending.delete(store);
}

/** Commits every store's queued writes now: for an exit that will not wait for the stores to close. */
export function flushAllStores(): void {
  for (const store of [...pending]) {
    try {
      store.flush();
    } catch {
      // Exiting anyway; the store told its onNotice when it could.
    }
  }
}
