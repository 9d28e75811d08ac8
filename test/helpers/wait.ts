/**
 * The one way tests wait: poll a condition until it holds, with a deadline, and fail saying what was
 * awaited. Used where no event exists to wait on (a port opening, a row appearing in another
 * process's database); never a fixed sleep.
 */
export async function waitUntil<T>(
  what: string,
  condition: () => T | undefined | false | null | Promise<T | undefined | false | null>,
  opts: { timeoutMs?: number; everyMs?: number; abortIf?: () => string | undefined } = {},
): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  for (;;) {
    const v = await condition();
    if (v) return v;
    const abort = opts.abortIf?.();
    if (abort) throw new Error(`${abort} while waiting for ${what}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, opts.everyMs ?? 25));
  }
}
