// Catching up after pub-sub lost events. While Redis is away (or this instance's subscription to it
// drops), events published meanwhile never arrive; a feed with a sequence would fill the gap only at
// its source's next event, which in a quiet room may never come. When pub-sub resumes, every open
// feed with a sequence checks storage once and gets what it missed, in order, with no duplicate:
// - feeds of one source (the messages of a room, however many subscribers follow it here) share one
//   read from the lowest position among them, whose events each feed takes from its own position;
// - at most CONCURRENT_READS reads run at once, so that 200 rooms do not take the whole pool
//   (10 connections) from the sends at the same instant.
// A feed joins with one line once its sequencer exists: `defer(catchUp.follow(source, sequencer))`.

/** Where a kind of feed reads what it missed: one room's messages, one room's events ... */
export interface SequencedSource<E> {
  /** Names the source: feeds with the same key share a read. */
  readonly key: string;
  /** Stored events with a sequence number above `afterSeq`, oldest first, at most `limit`. */
  read(afterSeq: number, limit: number): Promise<E[]>;
  seqOf(event: E): number;
}

/** One subscriber's ordering of a source's events (RoomSequencer for messages). */
export interface SequencedFeed<E> {
  /** The last sequence number delivered (or that the subscriber must not get). */
  readonly position: number;
  /** Takes an event, stored or live: delivers what follows its position in order, drops what it has. */
  offer(event: E): void;
}

/** Reads running at once during a catch-up: a few of the pool's 10 connections, not all of them. */
const CONCURRENT_READS = 4;
const READ_BATCH = 500;

interface Group {
  readonly source: SequencedSource<unknown>;
  readonly feeds: Set<SequencedFeed<unknown>>;
}

type Stop = () => void;

export class FeedCatchUp {
  readonly #groups = new Map<string, Group>();
  readonly #checks = new Set<() => Promise<void>>();
  readonly #onError: (error: unknown, what: string) => void;
  #running: Promise<number> | undefined;
  #again = false;

  constructor(onError: (error: unknown, what: string) => void) {
    this.#onError = onError;
  }

  /**
   * Catches `feed` up from `source` at each resume until the returned function is called. The group
   * keeps the first feed's source: a later feed's is not kept (one per room, not per subscriber).
   */
  follow<E>(source: SequencedSource<E>, feed: SequencedFeed<E>): Stop {
    let group = this.#groups.get(source.key);
    if (!group) this.#groups.set(source.key, (group = { source: source as SequencedSource<unknown>, feeds: new Set() }));
    const joined = group;
    joined.feeds.add(feed as SequencedFeed<unknown>);
    return () => {
      joined.feeds.delete(feed as SequencedFeed<unknown>);
      const { key } = joined.source;
      if (joined.feeds.size === 0 && this.#groups.get(key) === joined) this.#groups.delete(key);
    };
  }

  /** Runs `check` at each resume, with the reads: for what a feed follows that has no sequence (rooms joined). */
  onResume(check: () => Promise<void>): Stop {
    this.#checks.add(check);
    return () => this.#checks.delete(check);
  }

  /**
   * Events may have been lost: every feed checks storage once. Resolves with the number of sources
   * and checks run. A call while one runs makes it run once more when it ends (what it read may
   * predate the call).
   */
  resume(): Promise<number> {
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    const running = (async () => {
      let ran = 0;
      do {
        this.#again = false;
        ran += await this.#pass();
      } while (this.#again);
      return ran;
    })();
    this.#running = running;
    void running.finally(() => (this.#running = undefined));
    return running;
  }

  async #pass(): Promise<number> {
    const tasks: [string, () => Promise<void>][] = [
      ...[...this.#groups.values()].map((group): [string, () => Promise<void>] => [group.source.key, () => this.#catchUp(group)]),
      ...[...this.#checks].map((check): [string, () => Promise<void>] => ['a feed check', check]),
    ];
    let next = 0;
    const worker = async () => {
      while (next < tasks.length) {
        const [what, task] = tasks[next++]!;
        await task().catch((error: unknown) => this.#onError(error, what));
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENT_READS, tasks.length) }, worker));
    return tasks.length;
  }

  async #catchUp({ source, feeds }: Group): Promise<void> {
    if (feeds.size === 0) return;
    let after = Infinity;
    for (const feed of feeds) after = Math.min(after, feed.position);
    for (;;) {
      const events = await source.read(after, READ_BATCH);
      for (const event of events) for (const feed of feeds) feed.offer(event);
      if (events.length < READ_BATCH) return;
      after = source.seqOf(events.at(-1)!);
    }
  }
}
