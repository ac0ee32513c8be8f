// The group commit under sends: how items are grouped into batches, and that each item
// gets its own outcome.
import { createBatcher, type RunBatch } from '../src/db/batcher.ts';
import { range } from './helpers/waits.ts';

interface Item {
  room: string;
  n: number;
}

/** A batch runner whose batches finish when the test says so. */
function controlledRunner() {
  const batches: { items: number[]; finish: (outcomes?: PromiseSettledResult<string>[]) => void; fail: (error: Error) => void }[] = [];
  const run: RunBatch<Item, string> = (items) =>
    new Promise((resolve, reject) => {
      batches.push({
        items: items.map((item) => item.n),
        finish: (outcomes) => resolve(outcomes ?? items.map((item) => ({ status: 'fulfilled', value: `stored ${item.n}` }))),
        fail: reject,
      });
    });
  return { run, batches };
}

const settled = () => new Promise((resolve) => setImmediate(resolve));
const byRoom = (item: Item) => item.room;
const inRoom = (room: string) => (n: number) => ({ room, n });
const unbounded = { maxQueued: 1_000_000, waiting: 'items waiting' };

describe('batcher', () => {
  it('sends an item at once and alone while a statement is free', async () => {
    const { run, batches } = controlledRunner();
    const store = createBatcher(run, { maxInFlight: 1, maxBatch: 10, keyOf: byRoom, ...unbounded });
    const first = store(inRoom('a')(1));
    expect(batches.map((batch) => batch.items)).toEqual([[1]]);
    batches[0]!.finish();
    await expect(first).resolves.toBe('stored 1');
  });

  it('groups what arrives while every statement is busy, in arrival order, up to maxBatch', async () => {
    const { run, batches } = controlledRunner();
    const store = createBatcher(run, { maxInFlight: 1, maxBatch: 3, keyOf: byRoom, ...unbounded });
    const answers = [1, 2, 3, 4, 5, 6].map(inRoom('a')).map(store);
    expect(batches.map((batch) => batch.items)).toEqual([[1]]);
    batches[0]!.finish();
    await settled();
    expect(batches.map((batch) => batch.items)).toEqual([[1], [2, 3, 4]]);
    batches[1]!.finish();
    await settled();
    expect(batches.map((batch) => batch.items)).toEqual([[1], [2, 3, 4], [5, 6]]);
    batches[2]!.finish();
    await expect(Promise.all(answers)).resolves.toEqual([1, 2, 3, 4, 5, 6].map((n) => `stored ${n}`));
  });

  it('never writes one key in two statements at once, and writes other keys meanwhile', async () => {
    const { run, batches } = controlledRunner();
    const store = createBatcher(run, { maxInFlight: 8, maxBatch: 100, keyOf: byRoom, ...unbounded });
    const first = store(inRoom('a')(1));
    const [second, third] = [store(inRoom('a')(2)), store(inRoom('a')(3))];
    const other = store(inRoom('b')(4));
    expect(batches.map((batch) => batch.items)).toEqual([[1], [4]]);
    batches[1]!.finish();
    await expect(other).resolves.toBe('stored 4');
    expect(batches).toHaveLength(2);
    batches[0]!.finish();
    await settled();
    expect(batches[2]!.items).toEqual([2, 3]);
    batches[2]!.finish();
    await expect(Promise.all([first, second, third])).resolves.toEqual(['stored 1', 'stored 2', 'stored 3']);
  });

  it('leaves an item behind its key while taking later items of other keys', async () => {
    const { run, batches } = controlledRunner();
    const store = createBatcher(run, { maxInFlight: 2, maxBatch: 100, keyOf: byRoom, ...unbounded });
    void [store(inRoom('a')(1)), store(inRoom('b')(2)), store(inRoom('a')(3)), store(inRoom('c')(4)), store(inRoom('b')(5))];
    expect(batches.map((batch) => batch.items)).toEqual([[1], [2]]);
    batches[1]!.finish();
    await settled();
    expect(batches[2]!.items).toEqual([4, 5]);
  });

  it("takes a key's waiting items together, in arrival order, the key with the oldest item first", async () => {
    const { run, batches } = controlledRunner();
    const store = createBatcher(run, { maxInFlight: 1, maxBatch: 100, keyOf: byRoom, ...unbounded });
    void [store(inRoom('b')(1)), store(inRoom('a')(2)), store(inRoom('c')(3)), store(inRoom('a')(4)), store(inRoom('c')(5))];
    batches[0]!.finish();
    await settled();
    expect(batches[1]!.items).toEqual([2, 4, 3, 5]);
  });

  it('keeps the rest of a key cut off at maxBatch until its statement has run, and takes other keys meanwhile', async () => {
    const { run, batches } = controlledRunner();
    const store = createBatcher(run, { maxInFlight: 2, maxBatch: 2, keyOf: byRoom, ...unbounded });
    void [store(inRoom('x')(0)), store(inRoom('y')(1))];
    void [2, 3, 4].map(inRoom('a')).map(store);
    void store(inRoom('b')(5));
    batches[0]!.finish();
    await settled();
    expect(batches[2]!.items).toEqual([2, 3]);
    batches[1]!.finish();
    await settled();
    expect(batches[3]!.items).toEqual([5]);
    batches[2]!.finish();
    await settled();
    expect(batches[4]!.items).toEqual([4]);
  });

  it('never runs more statements at once than maxInFlight', async () => {
    const { run, batches } = controlledRunner();
    const store = createBatcher(run, { maxInFlight: 3, maxBatch: 100, keyOf: byRoom, ...unbounded });
    void Array.from({ length: 50 }, (_, index) => store(inRoom(`room-${index}`)(index)));
    expect(batches.map((batch) => batch.items)).toEqual([[0], [1], [2]]);
    batches[0]!.finish();
    await settled();
    expect(batches).toHaveLength(4);
    expect(batches[3]!.items).toEqual(range(3, 49));
  });

  it('gives each item its own outcome: one refused item fails alone', async () => {
    const { run, batches } = controlledRunner();
    const store = createBatcher(run, { maxInFlight: 1, maxBatch: 10, keyOf: byRoom, ...unbounded });
    const first = store(inRoom('a')(1));
    const [second, third] = [store(inRoom('a')(2)), store(inRoom('b')(3))];
    batches[0]!.finish();
    await settled();
    batches[1]!.finish([{ status: 'rejected', reason: new Error('refused 2') }, { status: 'fulfilled', value: 'stored 3' }]);
    await expect(first).resolves.toBe('stored 1');
    await expect(second).rejects.toThrow('refused 2');
    await expect(third).resolves.toBe('stored 3');
  });

  it('fails every item of a batch that failed as a whole, and goes on with the next', async () => {
    const { run, batches } = controlledRunner();
    const store = createBatcher(run, { maxInFlight: 1, maxBatch: 10, keyOf: byRoom, ...unbounded });
    const first = store(inRoom('a')(1));
    const later = store(inRoom('a')(2));
    batches[0]!.fail(new Error('connection lost'));
    await expect(first).rejects.toThrow('connection lost');
    await settled();
    batches[1]!.finish();
    await expect(later).resolves.toBe('stored 2');
  });

  it('refuses an item over maxQueued at once with RATE_LIMITED and retryAfterMs, and takes items again once the queue drains', async () => {
    const { run, batches } = controlledRunner();
    const store = createBatcher(run, { maxInFlight: 1, maxBatch: 10, keyOf: byRoom, maxQueued: 2, waiting: 'items waiting' });
    const running = store(inRoom('a')(1));
    const queued = [store(inRoom('b')(2)), store(inRoom('c')(3))];
    const refused = store(inRoom('d')(4)).catch((error: unknown) => error);
    const error = (await refused) as { code: string; details: { retryAfterMs: number }; message: string };
    expect(error.code).toBe('RATE_LIMITED');
    expect(error.message).toMatch(/busy \(items waiting\)/);
    expect(error.details.retryAfterMs).toBeGreaterThan(0);
    expect(batches.map((batch) => batch.items)).toEqual([[1]]);
    batches[0]!.finish();
    await settled();
    expect(batches[1]!.items).toEqual([2, 3]);
    const accepted = store(inRoom('d')(4));
    batches[1]!.finish();
    await settled();
    batches[2]!.finish();
    await expect(Promise.all([running, ...queued, accepted])).resolves.toEqual(['stored 1', 'stored 2', 'stored 3', 'stored 4']);
  });
});
