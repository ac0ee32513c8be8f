// A subscription's source of events, read one of two ways:
// - as an async iterator (GraphQL over SSE, and anything generic): events wait in a bounded queue
//   until `next()` takes them;
// - handed to a sink as they come (`drainTo`): the WebSocket's live delivery writes each event to its
//   socket at once, with no promise per event (see server/ws/ws-live-delivery.ts).
// Its producer starts on first use, not before, and its end (the consumer's `return()`, or the
// producer's own) is what the producer waits on to release its resources. Both ends are told by
// callbacks, not promises: an idle subscription then holds no chain of pending promises.

/** Queued events a consumer may leave unread before the stream ends (it can resume with afterSeq). */
const MAX_QUEUED_EVENTS = 1024;

/** Starts producing into `stream`; a failure is the producer's to report (`fail`). */
export type Producer<T> = (stream: LiveStream<T>) => void;

/** How a stream ended: `failure` when its producer failed. */
export type EndListener = (failure: { error: unknown } | undefined) => void;

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

/**
 * The last item an iterating consumer reads from a stream ended by `endWith`: the subscription
 * field's resolver throws its error (`liveEvent`), so that the consumer gets one result with that
 * error and then the end, as a WebSocket subscriber does (see server/ws/ws-live-delivery.ts).
 */
export class StreamEnding {
  readonly error: Error;
  constructor(error: Error) {
    this.error = error;
  }
}

/** A subscription field's resolver: the event, or the error of a StreamEnding thrown as its result. */
export function liveEvent<T>(event: T | StreamEnding): T {
  if (event instanceof StreamEnding) throw event.error;
  return event;
}

export class LiveStream<T> implements AsyncIterableIterator<T | StreamEnding, undefined> {
  readonly #produce: Producer<T>;
  readonly #queue: (T | StreamEnding)[] = [];
  #waiting: { resolve: (result: IteratorResult<T | StreamEnding, undefined>) => void; reject: (error: unknown) => void } | undefined;
  #sink: ((value: T) => void) | undefined;
  #started = false;
  #ended = false;
  #failure: { error: unknown } | undefined;
  /** The producer's listener for the end (onEnd). */
  #onEnd: (() => void) | undefined;
  /** The sink's listener for the end (drainTo). */
  #onDrained: EndListener | undefined;

  constructor(produce: Producer<T>) {
    this.#produce = produce;
  }

  /** Calls `listener` once the stream has ended, by either side (at once if it has): what the producer waits on before cleaning up. */
  onEnd(listener: () => void): void {
    if (this.#ended) return listener();
    this.#onEnd = listener;
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
    this.#ending(undefined);
  }

  /**
   * Ends the stream after what was pushed with one last result, the error: handed to a sink as the
   * end's rejection (drainTo), read by an iterator as a StreamEnding.
   */
  endWith(error: Error): void {
    if (this.#ended) return;
    if (this.#sink) return this.fail(error);
    this.push(new StreamEnding(error) as T);
    this.stop();
  }

  /** The producer failed: the consumer's next read rejects with `error`. */
  fail(error: unknown): void {
    if (this.#ended) return;
    this.#failure = { error };
    this.#ended = true;
    this.#waiting?.reject(error);
    this.#waiting = undefined;
    this.#ending({ error });
  }

  #ending(failure: { error: unknown } | undefined): void {
    const onEnd = this.#onEnd;
    const onDrained = this.#onDrained;
    this.#onEnd = this.#onDrained = undefined;
    onDrained?.(failure);
    onEnd?.();
  }

  next(): Promise<IteratorResult<T | StreamEnding, undefined>> {
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
  return(): Promise<IteratorResult<T | StreamEnding, undefined>> {
    this.#queue.length = 0;
    this.#failure = undefined;
    this.#started = true;
    this.stop();
    return Promise.resolve(DONE);
  }

  throw(): Promise<IteratorResult<T | StreamEnding, undefined>> {
    return this.return();
  }

  /** Hands every event to `sink` as it is pushed (queued ones first), then tells `onEnd` how the stream ended. */
  drainTo(sink: (value: T) => void, onEnd: EndListener): void {
    // Nothing is queued before the producer starts, which drainTo does: no StreamEnding among these.
    for (const value of this.#queue.splice(0)) sink(value as T);
    if (this.#ended) return onEnd(this.#failure);
    this.#sink = sink;
    this.#onDrained = onEnd;
    this.#start();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  #start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#produce(this);
  }
}
