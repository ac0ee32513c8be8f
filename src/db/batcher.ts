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
  /** Arrival order. */
  readonly serial: number;
  readonly item: T;
  readonly key: string;
  readonly resolve: (result: R) => void;
  readonly reject: (error: unknown) => void;
}

/** Answers one item's outcome when the batch that carried it has run. */
export function createBatcher<T, R>(runBatch: RunBatch<T, R>, options: BatcherOptions<T>): (item: T) => Promise<R> {
  const { maxInFlight, maxBatch, keyOf, maxQueued } = options;
  const drained = new DrainRate();
  /** Items not yet in a statement, by key, in arrival order. */
  const waitingByKey = new Map<string, Waiting<T, R>[]>();
  let queued = 0;
  let arrived = 0;
  /** Keys with items waiting and no statement running. */
  const ready = new Set<string>();
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

  const oldestOf = (key: string) => waitingByKey.get(key)![0]!.serial;

  /**
   * The waiting items of the keys not being written, the key with the oldest item first and a key's
   * items together in arrival order, up to maxBatch. It costs the ready keys and the batch, not the
   * queue: under a backlog most waiting items are of keys being written, and a scan of all of them
   * at each arrival was quadratic (README, Performance).
   */
  const takeBatch = (): Waiting<T, R>[] => {
    const batch: Waiting<T, R>[] = [];
    const keys = ready.size === 1 ? ready : [...ready].sort((a, b) => oldestOf(a) - oldestOf(b));
    for (const key of keys) {
      if (batch.length >= maxBatch) break;
      const items = waitingByKey.get(key)!;
      const taken = items.length <= maxBatch - batch.length ? items : items.splice(0, maxBatch - batch.length);
      if (taken === items) waitingByKey.delete(key);
      for (const waiting of taken) batch.push(waiting);
      ready.delete(key);
    }
    queued -= batch.length;
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
        for (const key of keys) {
          writing.delete(key);
          if (waitingByKey.has(key)) ready.add(key);
        }
        inFlight -= 1;
        dispatch();
      });
  };

  const dispatch = () => {
    while (inFlight < maxInFlight && ready.size > 0) run(takeBatch());
  };

  return (item) =>
    new Promise<R>((resolve, reject) => {
      if (queued >= maxQueued) return reject(new Overloaded(options.waiting, drained.retryAfterMs(queued)));
      const key = keyOf(item);
      const items = waitingByKey.get(key);
      const waiting = { serial: arrived++, item, key, resolve, reject };
      if (items) items.push(waiting);
      else waitingByKey.set(key, [waiting]);
      queued++;
      if (!writing.has(key)) ready.add(key);
      dispatch();
    });
}
