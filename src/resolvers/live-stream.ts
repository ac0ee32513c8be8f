// A subscription's source of events, read one of two ways:
// - as an async iterator (GraphQL over SSE, and anything generic): events wait in a bounded queue
//   until `next()` takes them;
// - handed to a sink as they come (`drainTo`): the WebSocket's live delivery writes each event to its
//   socket at once, with no promise per event (see server/ws/ws-live-delivery.ts).
// Its producer starts on first use, not before, and its end (the consumer's `return()`, or the
// producer's own) is what the producer waits on to release its resources.

/** Queued events a consumer may leave unread before the stream ends (it can resume with afterSeq). */
const MAX_QUEUED_EVENTS = 1024;

export type Producer<T> = (stream: LiveStream<T>) => Promise<void>;

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

export class LiveStream<T> implements AsyncIterableIterator<T, undefined> {
  readonly #produce: Producer<T>;
  readonly #queue: T[] = [];
  #waiting: { resolve: (result: IteratorResult<T, undefined>) => void; reject: (error: unknown) => void } | undefined;
  #sink: ((value: T) => void) | undefined;
  #started = false;
  #ended = false;
  #failure: { error: unknown } | undefined;
  readonly #end = Promise.withResolvers<void>();

  constructor(produce: Producer<T>) {
    this.#produce = produce;
    // Nobody may await the end (a stream returned before it started): its rejection is read through next().
    this.#end.promise.catch(() => undefined);
  }

  /** Resolves when the stream has ended, by either side; what the producer awaits before cleaning up. */
  get ended(): Promise<void> {
    return this.#end.promise.catch(() => undefined);
  }

  /** The producer's side: delivers one event in order. Over MAX_QUEUED_EVENTS unread, the stream ends. */
  push(value: T): void {
    if (this.#ended) return;
    if (this.#sink) return this.#sink(value);
    if (this.#waiting) {
      const { resolve } = this.#waiting;
      this.#waiting = undefined;
      return resolve({ done: false, value });
    }
    if (this.#queue.length >= MAX_QUEUED_EVENTS) return this.stop();
    this.#queue.push(value);
  }

  /** Ends the stream; queued events are still read, then the iterator is done. */
  stop(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#waiting?.resolve(DONE);
    this.#waiting = undefined;
    this.#end.resolve();
  }

  /** The producer failed: the consumer's next read rejects with `error`. */
  fail(error: unknown): void {
    if (this.#ended) return;
    this.#failure = { error };
    this.#ended = true;
    this.#waiting?.reject(error);
    this.#waiting = undefined;
    this.#end.reject(error);
  }

  next(): Promise<IteratorResult<T, undefined>> {
    this.#start();
    if (this.#queue.length > 0) return Promise.resolve({ done: false, value: this.#queue.shift()! });
    if (this.#failure) {
      const { error } = this.#failure;
      this.#failure = undefined;
      return Promise.reject(error);
    }
    if (this.#ended) return Promise.resolve(DONE);
    return new Promise((resolve, reject) => (this.#waiting = { resolve, reject }));
  }

  /** The consumer is done: unread events are dropped and the producer released. */
  return(): Promise<IteratorResult<T, undefined>> {
    this.#queue.length = 0;
    this.#failure = undefined;
    this.#started = true;
    this.stop();
    return Promise.resolve(DONE);
  }

  throw(): Promise<IteratorResult<T, undefined>> {
    return this.return();
  }

  /** Hands every event to `sink` as it is pushed (queued ones first). Resolves at the end; rejects if the producer failed. */
  drainTo(sink: (value: T) => void): Promise<void> {
    for (const value of this.#queue.splice(0)) sink(value);
    this.#sink = sink;
    this.#start();
    return this.#end.promise;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  #start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#produce(this).catch((error: unknown) => this.fail(error));
  }
}
