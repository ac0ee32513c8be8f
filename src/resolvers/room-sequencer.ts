// Turns one room's live events into the exact sequence seq+1, seq+2 ... for one subscriber.
//
// Events may arrive twice (a replay overlapping live), out of order (two senders' publishes race
// after their commits) or not at all (Redis was away). Since seq N+1 commits only after N, an event
// with a gap before it proves the missing messages are stored: they are read back from storage.
import type { MessagePayload } from '../pubsub/topics.ts';
import type { SequencedFeed } from './feed-catch-up.ts';

/** Reads stored messages of the room with afterSeq < seq < beforeSeq, oldest first, at most `limit`. */
export type ReadStored = (afterSeq: number, beforeSeq: number | undefined, limit: number) => Promise<MessagePayload[]>;

const READ_BATCH = 500;

export class RoomSequencer implements SequencedFeed<MessagePayload> {
  #delivered: number;
  readonly #pending = new Map<number, MessagePayload>();
  readonly #readStored: ReadStored;
  readonly #emit: (message: MessagePayload) => void;
  readonly #onReadError: (error: unknown) => void;
  #reading = false;

  /** `deliveredSeq`: the last seq the subscriber has (or must not get); it gets everything after. */
  constructor(deliveredSeq: number, readStored: ReadStored, emit: (message: MessagePayload) => void, onReadError: (error: unknown) => void) {
    this.#delivered = deliveredSeq;
    this.#readStored = readStored;
    this.#emit = emit;
    this.#onReadError = onReadError;
  }

  /** The last seq delivered. */
  get position(): number {
    return this.#delivered;
  }

  /** A live event, or a stored one (feed-catch-up.ts). */
  offer(message: MessagePayload): void {
    if (message.seq <= this.#delivered) return;
    // The common case, the next message with nothing waiting: straight through.
    if (message.seq === this.#delivered + 1 && this.#pending.size === 0) {
      this.#delivered = message.seq;
      return this.#emit(message);
    }
    this.#pending.set(message.seq, message);
    this.#drain();
    if (this.#pending.size > 0) void this.#fillGaps();
  }

  /** Delivers every stored message after the current position (a replay), in batches. */
  async catchUp(): Promise<void> {
    for (;;) {
      const batch = await this.#readStored(this.#delivered, undefined, READ_BATCH);
      for (const message of batch) this.#accept(message);
      this.#drain();
      if (batch.length < READ_BATCH) return;
    }
  }

  #accept(message: MessagePayload): void {
    if (message.seq > this.#delivered) this.#pending.set(message.seq, message);
  }

  #drain(): void {
    for (let next = this.#pending.get(this.#delivered + 1); next; next = this.#pending.get(this.#delivered + 1)) {
      this.#pending.delete(next.seq);
      this.#delivered = next.seq;
      this.#emit(next);
    }
  }

  async #fillGaps(): Promise<void> {
    if (this.#reading) return;
    this.#reading = true;
    try {
      while (this.#pending.size > 0) {
        const firstPending = Math.min(...this.#pending.keys());
        const before = this.#delivered;
        const missing = await this.#readStored(before, firstPending, READ_BATCH);
        for (const message of missing) this.#accept(message);
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
