// Turns one room's live events into the exact sequence eventSeq+1, eventSeq+2 ... for one subscriber.
//
// Events may arrive twice (a replay overlapping live), out of order (two writers' publishes race
// after their commits) or not at all (Redis was away). Since eventSeq N+1 commits only after N, an
// event with a gap before it proves the missing events are stored: they are read back from the log.
import type { RoomEventPayload } from '../pubsub/topics.ts';
import type { SequencedFeed } from './feed-catch-up.ts';

/** Reads stored events of the room with afterEventSeq < eventSeq < beforeEventSeq, oldest first, at most `limit`. */
export type ReadStored = (afterEventSeq: number, beforeEventSeq: number | undefined, limit: number) => Promise<RoomEventPayload[]>;

const READ_BATCH = 500;

export class RoomSequencer implements SequencedFeed<RoomEventPayload> {
  #delivered: number;
  /** Events ahead of a gap, by eventSeq; made at the first such event (most feeds never see one). */
  #pending: Map<number, RoomEventPayload> | undefined;
  readonly #readStored: ReadStored;
  readonly #emit: (event: RoomEventPayload) => void;
  readonly #onReadError: (error: unknown) => void;
  #reading = false;
  #stopped = false;

  /** `deliveredEventSeq`: the last eventSeq the subscriber has (or must not get); it gets everything after. */
  constructor(
    deliveredEventSeq: number,
    readStored: ReadStored,
    emit: (event: RoomEventPayload) => void,
    onReadError: (error: unknown) => void,
  ) {
    this.#delivered = deliveredEventSeq;
    this.#readStored = readStored;
    this.#emit = emit;
    this.#onReadError = onReadError;
  }

  /** The last eventSeq emitted (or skipped as already had). */
  get position(): number {
    return this.#delivered;
  }

  /** Emits nothing more, from this call on (even within a drain): the subscriber is no longer a member. */
  stop(): void {
    this.#stopped = true;
    this.#pending = undefined;
  }

  /** A live event, or a stored one (feed-catch-up.ts). */
  offer(event: RoomEventPayload): void {
    if (this.#stopped || event.eventSeq <= this.#delivered) return;
    // The common case, the next event with nothing waiting: straight through.
    if (event.eventSeq === this.#delivered + 1 && !this.#pending?.size) {
      this.#delivered = event.eventSeq;
      return this.#emit(event);
    }
    this.#accept(event);
    this.#drain();
    if (this.#pending?.size) void this.#fillGaps();
  }

  /** Delivers every stored event after the current position (a replay), in batches. */
  async catchUp(): Promise<void> {
    while (!this.#stopped) {
      const batch = await this.#readStored(this.#delivered, undefined, READ_BATCH);
      for (const event of batch) this.#accept(event);
      this.#drain();
      if (batch.length < READ_BATCH) return;
    }
  }

  #accept(event: RoomEventPayload): void {
    if (!this.#stopped && event.eventSeq > this.#delivered) (this.#pending ??= new Map()).set(event.eventSeq, event);
  }

  #drain(): void {
    const pending = this.#pending;
    if (!pending) return;
    for (let next = pending.get(this.#delivered + 1); next && !this.#stopped; next = pending.get(this.#delivered + 1)) {
      pending.delete(next.eventSeq);
      this.#delivered = next.eventSeq;
      this.#emit(next);
    }
  }

  async #fillGaps(): Promise<void> {
    if (this.#reading) return;
    this.#reading = true;
    try {
      while (this.#pending?.size && !this.#stopped) {
        const firstPending = Math.min(...this.#pending.keys());
        const before = this.#delivered;
        const missing = await this.#readStored(before, firstPending, READ_BATCH);
        for (const event of missing) this.#accept(event);
        this.#drain();
        if (this.#delivered === before) return; // storage had nothing new: wait for the next event
      }
    } catch (error) {
      this.#onReadError(error);
    } finally {
      this.#reading = false;
    }
  }
}
