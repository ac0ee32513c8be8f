// The group commit under sends: how items are grouped into lanes and batches, and that each item
// gets its own outcome.
import { createBatcher, type RunBatch } from '../src/db/batcher.ts';

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

describe('batcher', () => {
  it('sends an item at once and alone while its lane is idle', async () => {
    const { run, batches } = controlledRunner();
    const store = createBatcher(run, { lanes: 1, maxBatch: 10, keyOf: byRoom });
    const first = store(inRoom('a')(1));
    expect(batches.map((batch) => batch.items)).toEqual([[1]]);
    batches[0]!.finish();
    await expect(first).resolves.toBe('stored 1');
  });

  it("groups what arrives while its lane's statement runs, in arrival order, up to maxBatch", async () => {
    const { run, batches } = controlledRunner();
    const store = createBatcher(run, { lanes: 1, maxBatch: 3, keyOf: byRoom });
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

  it('never runs two statements for one key at once, and runs other lanes meanwhile', async () => {
    const { run, batches } = controlledRunner();
    const store = createBatcher(run, { lanes: 64, maxBatch: 100, keyOf: byRoom });
    const rooms = Array.from({ length: 20 }, (_, index) => `room-${index}`);
    const answers = [...rooms.map((room, index) => store(inRoom(room)(index))), store(inRoom('room-0')(100)), store(inRoom('room-0')(101))];
    // One statement per lane in use: at most one holds room-0's first item, its later ones wait.
    const running = batches.map((batch) => batch.items).flat();
    expect(running).toContain(0);
    expect(running).not.toContain(100);
    expect(batches.length).toBeGreaterThan(1);
    expect(batches.length).toBeLessThanOrEqual(20);
    const first = batches.length;
    for (const batch of batches) batch.finish();
    await settled();
    // room-0's later items left together once its first statement was done.
    expect(batches.slice(first).find((batch) => batch.items.includes(100))?.items).toEqual(expect.arrayContaining([100, 101]));
    for (const batch of batches.slice(first)) batch.finish();
    await expect(Promise.all(answers)).resolves.toHaveLength(22);
  });

  it('never runs more statements at once than it has lanes', async () => {
    const { run, batches } = controlledRunner();
    const store = createBatcher(run, { lanes: 3, maxBatch: 100, keyOf: byRoom });
    void Array.from({ length: 50 }, (_, index) => store(inRoom(`room-${index}`)(index)));
    expect(batches.length).toBeLessThanOrEqual(3);
    expect(batches.map((batch) => batch.items).flat()).toHaveLength(batches.length);
  });

  it('gives each item its own outcome: one refused item fails alone', async () => {
    const { run, batches } = controlledRunner();
    const store = createBatcher(run, { lanes: 1, maxBatch: 10, keyOf: byRoom });
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
    const store = createBatcher(run, { lanes: 1, maxBatch: 10, keyOf: byRoom });
    const first = store(inRoom('a')(1));
    const later = store(inRoom('a')(2));
    batches[0]!.fail(new Error('connection lost'));
    await expect(first).rejects.toThrow('connection lost');
    await settled();
    batches[1]!.finish();
    await expect(later).resolves.toBe('stored 2');
  });
});
