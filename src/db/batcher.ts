// Group commit for one kind of write. At most `maxInFlight` statements run at once; what arrives while
// all of them are busy waits, then leaves together as one batch (up to `maxBatch` items).
// - At a low rate an item finds a statement free and leaves at once on its own, so a quiet server
//   answers as fast as it would without batching.
// - Under load a batch costs one round trip and one commit for many items, which is what lets
//   PostgreSQL (and this process's socket writes to it) keep up.
// - Items with the same key (a send's room) are never in two running statements: this instance's
//   statements never wait on each other's row locks, and a key's items are written in arrival order.
//   An item whose key is being written waits for that statement, and only for it.
// - At most `maxQueued` items wait: one more is refused at once (Overloaded, RATE_LIMITED with the
//   time the queue took lately to drain that much), rather than wait longer than its client will.

import { Overloaded } from '../errors.ts';
import { DrainRate } from '../limits/drain-rate.ts';

/** Runs a batch; answers each item's outcome in the items' order. */
export type RunBatch<T, R> = (items: T[]) => Promise<PromiseSettledResult<R>[]>;

export interface BatcherOptions<T> {
  /** Statements running at once at most (each holds one pooled connection). */
  readonly maxInFlight: number;
  /** Items in one batch at most. */
  readonly maxBatch: number;
  /** Items with the same key are never written by two statements at once. */
  readonly keyOf: (item: T) => string;
  /** Items waiting at most; more are refused with Overloaded. */
  readonly maxQueued: number;
  /** What waits, as a refusal names it ("sends waiting for storage"). */
  readonly waiting: string;
}

interface Waiting<T, R> {
  readonly item: T;
  readonly key: string;
  readonly resolve: (result: R) => void;
  readonly reject: (error: unknown) => void;
}

/** Answers one item's outcome when the batch that carried it has run. */
export function createBatcher<T, R>(runBatch: RunBatch<T, R>, options: BatcherOptions<T>): (item: T) => Promise<R> {
  const { maxInFlight, maxBatch, keyOf, maxQueued } = options;
  let queue: Waiting<T, R>[] = [];
  const drained = new DrainRate();
  /** Keys in the statements running now. */
  const writing = new Set<string>();
  let inFlight = 0;

  const settle = (batch: Waiting<T, R>[], outcomes: PromiseSettledResult<R>[]) => {
    batch.forEach((waiting, index) => {
      const outcome = outcomes[index];
      if (outcome?.status === 'fulfilled') waiting.resolve(outcome.value);
      else waiting.reject(outcome ? outcome.reason : new Error('the batch answered no outcome for this item'));
    });
  };

  /** The queued items whose keys are not being written, oldest first, up to maxBatch; the rest stay queued. */
  const takeBatch = (): Waiting<T, R>[] => {
    const batch: Waiting<T, R>[] = [];
    const left: Waiting<T, R>[] = [];
    for (const waiting of queue) {
      if (batch.length < maxBatch && !writing.has(waiting.key)) batch.push(waiting);
      else left.push(waiting);
    }
    queue = left;
    return batch;
  };

  const run = (batch: Waiting<T, R>[]) => {
    const keys = new Set(batch.map((waiting) => waiting.key));
    for (const key of keys) writing.add(key);
    inFlight += 1;
    runBatch(batch.map((waiting) => waiting.item))
      .then(
        (outcomes) => settle(batch, outcomes),
        (error: unknown) => batch.forEach((waiting) => waiting.reject(error)),
      )
      .finally(() => {
        drained.done(batch.length);
        for (const key of keys) writing.delete(key);
        inFlight -= 1;
        dispatch();
      });
  };

  const dispatch = () => {
    while (inFlight < maxInFlight && queue.length > 0) {
      const batch = takeBatch();
      if (batch.length === 0) return;
      run(batch);
    }
  };

  return (item) =>
    new Promise<R>((resolve, reject) => {
      if (queue.length >= maxQueued) return reject(new Overloaded(options.waiting, drained.retryAfterMs(queue.length)));
      queue.push({ item, key: keyOf(item), resolve, reject });
      dispatch();
    });
}
