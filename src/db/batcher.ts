// Group commit for one kind of write. Items are spread over `lanes` by a key (a send's room); each
// lane runs one statement at a time, and what arrives in a lane while its statement runs waits, then
// leaves together as one batch (up to `maxBatch` items), in arrival order.
// - At a low rate an item finds its lane idle and leaves at once on its own, so a quiet server
//   answers as fast as it would without batching.
// - Under load a batch costs one round trip and one commit for many items, which is what lets
//   PostgreSQL (and this process's socket writes to it) keep up.
// - Items with the same key never run in two statements at once: two batches of this instance never
//   wait on each other's row locks (a room's), and a key's items are written in arrival order.

/** Runs a batch; answers each item's outcome in the items' order. */
export type RunBatch<T, R> = (items: T[]) => Promise<PromiseSettledResult<R>[]>;

export interface BatcherOptions<T> {
  /** Statements running at once at most (each holds one pooled connection). */
  readonly lanes: number;
  /** Items in one batch at most. */
  readonly maxBatch: number;
  /** Items with the same key go through the same lane. */
  readonly keyOf: (item: T) => string;
}

interface Waiting<T, R> {
  readonly item: T;
  readonly resolve: (result: R) => void;
  readonly reject: (error: unknown) => void;
}

interface Lane<T, R> {
  readonly queue: Waiting<T, R>[];
  running: boolean;
}

/** Answers one item's outcome when the batch that carried it has run. */
export function createBatcher<T, R>(runBatch: RunBatch<T, R>, options: BatcherOptions<T>): (item: T) => Promise<R> {
  const { maxBatch, keyOf } = options;
  const lanes: Lane<T, R>[] = Array.from({ length: options.lanes }, () => ({ queue: [], running: false }));

  const settle = (batch: Waiting<T, R>[], outcomes: PromiseSettledResult<R>[]) => {
    batch.forEach((waiting, index) => {
      const outcome = outcomes[index];
      if (outcome?.status === 'fulfilled') waiting.resolve(outcome.value);
      else waiting.reject(outcome ? outcome.reason : new Error('the batch answered no outcome for this item'));
    });
  };

  const drain = (lane: Lane<T, R>) => {
    if (lane.running || lane.queue.length === 0) return;
    lane.running = true;
    const batch = lane.queue.splice(0, maxBatch);
    runBatch(batch.map((waiting) => waiting.item))
      .then(
        (outcomes) => settle(batch, outcomes),
        (error: unknown) => batch.forEach((waiting) => waiting.reject(error)),
      )
      .finally(() => {
        lane.running = false;
        drain(lane);
      });
  };

  return (item) =>
    new Promise<R>((resolve, reject) => {
      const lane = lanes[hash(keyOf(item)) % lanes.length]!;
      lane.queue.push({ item, resolve, reject });
      drain(lane);
    });
}

/** FNV-1a: spreads keys (room ids) evenly over the lanes. */
function hash(key: string): number {
  let value = 0x811c9dc5;
  for (let index = 0; index < key.length; index += 1) value = Math.imul(value ^ key.charCodeAt(index), 0x01000193);
  return value >>> 0;
}
