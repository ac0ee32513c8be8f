// Events of one subscription as a test receives them, with waits that expire and say what they
// awaited (and what had arrived). Every client helper (graphql-ws, Apollo, urql) collects into one.

/** Events of one subscription, with waits that expire and say what they awaited. */
export interface Feed<T> {
  readonly events: T[];
  readonly errors: unknown[];
  ended: boolean;
  push(event: T): void;
  fail(error: unknown): void;
  end(): void;
  waitFor(predicate: (event: T) => boolean, what: string, timeoutMs?: number): Promise<T>;
  waitForCount(count: number, what: string, timeoutMs?: number): Promise<T[]>;
  waitForError(what: string, timeoutMs?: number): Promise<unknown>;
}

export function feed<T>(): Feed<T> {
  const waiters = new Set<() => void>();
  const notify = () => [...waiters].forEach((check) => check());
  const whenSeen = <R>(check: () => R | undefined, what: string, timeoutMs: number) =>
    new Promise<R>((resolve, reject) => {
      const attempt = () => {
        const value = check();
        if (value === undefined) return;
        waiters.delete(attempt);
        clearTimeout(timer);
        resolve(value);
      };
      const timer = setTimeout(() => {
        waiters.delete(attempt);
        const seen = JSON.stringify(self.events).slice(0, 600);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; got ${self.events.length} events: ${seen}; errors: ${String(self.errors)}`));
      }, timeoutMs);
      waiters.add(attempt);
      attempt();
    });
  const self: Feed<T> = {
    events: [],
    errors: [],
    ended: false,
    push: (event) => void (self.events.push(event), notify()),
    fail: (error) => void (self.errors.push(error), notify()),
    end: () => void ((self.ended = true), notify()),
    waitFor: (predicate, what, timeoutMs = 10_000) => whenSeen(() => self.events.find(predicate), what, timeoutMs),
    waitForCount: (count, what, timeoutMs = 10_000) =>
      whenSeen(() => (self.events.length >= count ? self.events.slice(0, count) : undefined), what, timeoutMs),
    waitForError: (what, timeoutMs = 10_000) => whenSeen(() => self.errors[0], what, timeoutMs),
  };
  return self;
}
