// Errors of the rollout store that callers act on: a worker drops a lost attempt's result; a read-only command
// reports a missing store instead of creating one.

/** The watchdog (or a cancel) already ended this attempt: its result must not be recorded. */
export class AttemptLostError extends Error {
  constructor(
    readonly attemptId: string,
    readonly status: string,
  ) {
    super(`attempt '${attemptId}' is no longer running (it is ${status}); its result is dropped`);
    this.name = 'AttemptLostError';
  }
}

/** No store at the path (read-only commands do not create one). */
export class StoreMissingError extends Error {
  constructor(readonly path: string) {
    super(`no prompt-optimization store at '${path}'`);
    this.name = 'StoreMissingError';
  }
}

/** The file at the path is not a Prompt Tuner store (another program's SQLite file, e.g. Tau's, or no SQLite at all); it was left as it is. */
export class ForeignStoreError extends Error {
  constructor(
    readonly path: string,
    why: string,
  ) {
    super(
      `'${path}' is not a prompt-optimization store of Prompt Tuner (${why}); nothing was changed: give another store path`,
    );
    this.name = 'ForeignStoreError';
  }
}
