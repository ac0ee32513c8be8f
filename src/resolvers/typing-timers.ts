// The server side of typing expiry: a `true` not renewed in time is followed by a `false`.
export interface TypingTimers {
  /** (Re)starts the expiry of one user's typing in one room. */
  start(key: string, onExpire: () => void): void;
  /** Cancels it; true when one was running. */
  cancel(key: string): boolean;
  stop(): void;
}

export function createTypingTimers(timeoutMs: number): TypingTimers {
  const timers = new Map<string, NodeJS.Timeout>();
  return {
    start(key, onExpire) {
      clearTimeout(timers.get(key));
      const timer = setTimeout(() => {
        timers.delete(key);
        onExpire();
      }, timeoutMs);
      timer.unref();
      timers.set(key, timer);
    },
    cancel(key) {
      const timer = timers.get(key);
      clearTimeout(timer);
      return timers.delete(key);
    },
    stop() {
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
    },
  };
}
