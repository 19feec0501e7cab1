// The shape of one durable job write, apart from the runtime so types that describe stored runs (read by the
// webviews too) can name it without pulling in Node.

/** One durable write: the latest snapshot and the events since the previous write, in order. */
export interface JobWrite<E, S> {
  snapshot: S;
  events: { seq: number; event: E }[];
}
