// The queries and mutations an instance runs at once, over every socket and HTTP request together.
// Past MAX_OPERATIONS_IN_FLIGHT one more is refused before it runs (Overloaded: RATE_LIMITED with
// how long the running ones lately took to drain): an instance whose CPU cannot keep up otherwise
// holds every operation offered, answers each one later than the last (seconds, then tens of
// seconds) and grows its memory with them. Live subscriptions are not counted: they are held, not run.
import { Overloaded } from '../errors.ts';
import { DrainRate } from './drain-rate.ts';

export class OperationsInFlight {
  readonly #max: number;
  readonly #finished = new DrainRate();
  #running = 0;

  constructor(max: number) {
    this.#max = max;
  }

  /** Counts one more operation, or answers its refusal (and counts nothing) when `max` already run. */
  enter(): Overloaded | undefined {
    if (this.#running >= this.#max) {
      return new Overloaded('operations running on this instance', this.#finished.retryAfterMs(this.#running));
    }
    this.#running++;
    return undefined;
  }

  /** One counted operation has finished. */
  leave(): void {
    this.#running--;
    this.#finished.done(1);
  }
}
