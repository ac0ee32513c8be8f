// The catch-up after pub-sub lost events (feed-catch-up.ts): every feed checks storage once and gets
// what it missed in order, with no duplicate; feeds of one source share a read; a few reads at a time.
import { FeedCatchUp, type SequencedFeed, type SequencedSource } from '../src/resolvers/feed-catch-up.ts';

interface Event {
  seq: number;
}

/** A feed that keeps what it is offered past its position, as RoomSequencer does for a contiguous read. */
function feedAt(position: number): SequencedFeed<Event> & { received: number[] } {
  const received: number[] = [];
  return {
    received,
    get position() {
      return received.at(-1) ?? position;
    },
    offer(event) {
      if (event.seq === (received.at(-1) ?? position) + 1) received.push(event.seq);
    },
  };
}

/** A source of `count` stored events whose reads wait for `gate`, counting reads and the most at once. */
function sourceOf(key: string, count: number, stats: { reads: number; inFlight: number; most: number }, gate: Promise<void>): SequencedSource<Event> {
  return {
    key,
    async read(afterSeq, limit) {
      stats.reads++;
      stats.most = Math.max(stats.most, ++stats.inFlight);
      await gate;
      stats.inFlight--;
      return Array.from({ length: Math.max(0, Math.min(limit, count - afterSeq)) }, (_, i) => ({ seq: afterSeq + 1 + i }));
    },
    seqOf: (event) => event.seq,
  };
}

const noErrors = (error: unknown) => {
  throw error;
};

it('200 sources are read once each, never more than 4 at the same instant', async () => {
  const catchUp = new FeedCatchUp(noErrors);
  const stats = { reads: 0, inFlight: 0, most: 0 };
  const feeds = Array.from({ length: 200 }, (_, i) => {
    const feed = feedAt(0);
    catchUp.follow(sourceOf(`room-${i}`, 1, stats, Promise.resolve()), feed);
    return feed;
  });
  expect(await catchUp.resume()).toBe(200);
  expect(stats.reads).toBe(200);
  expect(stats.most).toBe(4);
  for (const feed of feeds) expect(feed.received).toEqual([1]);
});

it('feeds of one source share one read from the lowest position, and each gets only what follows its own', async () => {
  const catchUp = new FeedCatchUp(noErrors);
  const stats = { reads: 0, inFlight: 0, most: 0 };
  const behind = feedAt(2);
  const ahead = feedAt(4);
  catchUp.follow(sourceOf('room', 6, stats, Promise.resolve()), behind);
  catchUp.follow(sourceOf('room', 6, stats, Promise.resolve()), ahead);
  await catchUp.resume();
  expect(stats.reads).toBe(1);
  expect(behind.received).toEqual([3, 4, 5, 6]);
  expect(ahead.received).toEqual([5, 6]);
});

it('more than a batch is read in batches, in order', async () => {
  const catchUp = new FeedCatchUp(noErrors);
  const stats = { reads: 0, inFlight: 0, most: 0 };
  const feed = feedAt(0);
  catchUp.follow(sourceOf('room', 1200, stats, Promise.resolve()), feed);
  await catchUp.resume();
  expect(stats.reads).toBe(3);
  expect(feed.received).toEqual(Array.from({ length: 1200 }, (_, i) => i + 1));
});

it('a feed that stopped following is not read for, and a resume during a run runs once more after it', async () => {
  const catchUp = new FeedCatchUp(noErrors);
  const stats = { reads: 0, inFlight: 0, most: 0 };
  const gate = Promise.withResolvers<void>();
  const stop = catchUp.follow(sourceOf('gone', 1, stats, Promise.resolve()), feedAt(0));
  stop();
  catchUp.follow(sourceOf('room', 1, stats, gate.promise), feedAt(0));
  const first = catchUp.resume();
  const second = catchUp.resume();
  gate.resolve();
  expect(await first).toBe(2);
  expect(await second).toBe(2);
  expect(stats.reads).toBe(2);
});
