// Waits that expire and say what they awaited, and the one `range` of the tests.

/** The whole numbers from `from` to `to`, both included (none when `to` is below `from`). */
export const range = (from: number, to: number) => Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Asks `check` again and again until it answers something other than undefined or false, and answers
 * that; fails after `timeoutMs` naming `what`. For states that send no event (a count on the server,
 * another instance's view); events are awaited on their feed (feed.ts).
 */
export async function until<R>(
  check: () => Promise<R | undefined | false> | R | undefined | false,
  what: string,
  timeoutMs = 10_000,
): Promise<Exclude<R, undefined | false>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value as Exclude<R, undefined | false>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await pause(20);
  }
}

/**
 * Does `action` again until `arrived` holds, giving each attempt `attemptMs` to show: for a
 * subscription that gives no sign of being live (a second one of the same user, an all-rooms feed),
 * what the action sends reaches it once it is. Fails after `timeoutMs` naming `what`.
 */
export async function repeatUntil(action: () => Promise<unknown>, arrived: () => boolean, what: string, timeoutMs = 5000, attemptMs = 200) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    await action();
    const attemptEnds = Date.now() + attemptMs;
    while (Date.now() < attemptEnds) {
      if (arrived()) return;
      await pause(10);
    }
  }
  throw new Error(`timed out after ${timeoutMs} ms repeating until ${what}`);
}

/** Resolves with `promise`, or rejects after `timeoutMs` naming what was awaited. */
export function withTimeout<T>(promise: Promise<T>, what: string, timeoutMs = 5000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
    }),
  ]).finally(() => clearTimeout(timer));
}
