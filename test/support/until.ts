// Waiting in the tests of asynchronous hosts: poll a probe until it yields something, or fail saying what for.

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The probe's first truthy value, polled every 20 ms; throws "timed out waiting for <what>" after timeoutMs. */
export async function until<T>(
  probe: () => T | undefined | null | false,
  what: string,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}
