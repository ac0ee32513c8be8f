// How soon a queue that is full now will have room: its length over the rate at which it was emptied
// lately (the last whole second). What an overload refusal answers as retryAfterMs.

const WINDOW_MS = 1000;
/** A retry sooner than this would mostly find the queue still full; later than this, the estimate is too old to trust. */
const MIN_RETRY_MS = 50;
const MAX_RETRY_MS = 10_000;
/** Before anything has left the queue there is no rate to go by. */
const UNKNOWN_RETRY_MS = 1000;

export class DrainRate {
  #windowStart = performance.now();
  #doneInWindow = 0;
  /** Items done per ms over the last whole window; 0 before one has passed. */
  #rate = 0;

  /** `count` items left the queue (done). */
  done(count: number): void {
    const now = performance.now();
    if (now - this.#windowStart >= WINDOW_MS) {
      this.#rate = this.#doneInWindow / (now - this.#windowStart);
      this.#windowStart = now;
      this.#doneInWindow = 0;
    }
    this.#doneInWindow += count;
  }

  /** Milliseconds until `queued` items ahead have left at the recent rate. */
  retryAfterMs(queued: number): number {
    const elapsed = performance.now() - this.#windowStart;
    const rate = this.#rate > 0 ? this.#rate : elapsed > 0 ? this.#doneInWindow / elapsed : 0;
    if (rate <= 0) return UNKNOWN_RETRY_MS;
    return Math.min(MAX_RETRY_MS, Math.max(MIN_RETRY_MS, Math.ceil(queued / rate)));
  }
}
