// The server side of typing expiry: a `true` not renewed in time is followed by a `false`, once,
// by whichever instance holds the latest renewal.
export interface TypingTimers {
  /** (Re)starts the expiry of one user's typing in one room. */
  start(key: string, onExpire: () => void): Promise<void>;
  /** Cancels it (on every instance). */
  cancel(key: string): Promise<void>;
  stop(): void;
}
