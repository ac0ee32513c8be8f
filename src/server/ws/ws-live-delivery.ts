// Live delivery on the WebSocket: a subscription's events go straight from its source to its socket.
//
// The generic path runs, per event and per subscriber: an async iterator step, graphql's execution of
// the selection, envelop's and graphql-ws's wrappers, and JSON.stringify of the whole message. Here
// each event's payload comes from SharedResults (one execution and one serialisation per event and
// operation shape, for every socket of this instance), and the subscriber's own work is to splice
// it into its `next` frame and write that. Envelop's per-subscription wrappers are skipped too: a
// refused subscription's errors (not a member, bad arguments) get what its plugins would do to them,
// through `finishErrors` (masked, counted, logged when unexpected).
import { createSourceEventStream, GraphQLError, type ExecutionArgs, type ExecutionResult } from 'graphql';
import { DomainError } from '../../errors.ts';
import { LiveStream } from '../../resolvers/live-stream.ts';
import type { CompiledOperations } from '../graphql/compiled-operations.ts';
import type { FinishErrors } from '../errors/error-reporting.ts';
import { SharedResults, type SerialisedPayload } from './ws-shared-results.ts';

/** Where one WebSocket operation's frames go: graphql-ws's operation id, and its socket's send. */
export interface SocketDelivery {
  readonly id: string;
  send(frame: string | Buffer): void;
}

/** Subscribes WebSocket operations; one per app, so that every socket's subscriptions share results. */
export class LiveDelivery {
  readonly #finishErrors: FinishErrors;
  readonly #shared: SharedResults;

  constructor(finishErrors: FinishErrors, compiled: CompiledOperations) {
    this.#finishErrors = finishErrors;
    this.#shared = new SharedResults(finishErrors, compiled);
  }

  /** What graphql-ws iterates (it yields nothing: events go to `delivery`), or the refusal to answer. */
  async subscribe(args: ExecutionArgs, delivery: SocketDelivery): Promise<ExecutionResult | AsyncIterableIterator<never>> {
    const source = await createSourceEventStream(args);
    if (!(Symbol.asyncIterator in source)) {
      return source.errors ? { ...source, errors: this.#finishErrors(source.errors) } : source;
    }
    return new SocketFeed(source, delivery, this.#shared.shapeOf(args), args, this);
  }

  /** The serialised payload of `event` for a subscription of shape `shape` (SharedResults). */
  payloadFor(event: unknown, shape: string, args: ExecutionArgs): SerialisedPayload {
    return this.#shared.payloadFor(event, shape, args);
  }

  /** The last result of a subscription its source ended with `error`. */
  ending(error: DomainError): Buffer {
    return Buffer.from(JSON.stringify({ errors: this.#finishErrors([new GraphQLError(error.message, { originalError: error })]) }));
  }
}

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };
const CLOSING_BRACE = 0x7d;

/**
 * What graphql-ws iterates for a live subscription: it yields nothing, since it writes each event's
 * frame itself, and is done when the source ends (graphql-ws then sends `complete`). Its `return()`
 * (the client's `complete`, or the socket closing) ends the source.
 *
 * A source that ends with a domain error (the subscriber's membership of the room ended) gets one
 * last result, that error and no data, and then is done: graphql-ws sends `complete` and the
 * socket and its other operations go on. graphql-ws has no server call that ends one operation;
 * ending the iterator it iterates is that call. (Were the error thrown to graphql-ws instead, it
 * would answer an `error` message, which the protocol keeps for operations refused before they run.)
 */
class SocketFeed implements AsyncIterableIterator<never, undefined> {
  readonly #source: AsyncIterable<unknown> & Partial<AsyncIterator<unknown>>;
  readonly #delivery: SocketDelivery;
  /**
   * `{"id":<id>,"type":"next","payload":` as a string, written into each frame: a Buffer of its own
   * would take a slice of Buffer's shared pool, whose whole slab (64 KiB) each live prefix keeps
   * alive; at 10,000 idle subscriptions that was about 0.9 KiB of memory each. Joined rather than
   * concatenated: V8 concatenates into a tree of string pieces, larger than the one flat string.
   */
  readonly #framePrefix: string;
  readonly #framePrefixBytes: number;
  readonly #shape: string;
  readonly #args: ExecutionArgs;
  /** The app's LiveDelivery, rather than closures of this subscription's own. */
  readonly #live: LiveDelivery;
  #running: Promise<IteratorResult<never, undefined>> | undefined;
  #returned = false;
  /** Frames waiting on an earlier payload that is still resolving, so that frames keep the events' order. */
  #pending: Promise<void> | undefined;

  constructor(source: AsyncIterable<unknown>, delivery: SocketDelivery, shape: string, args: ExecutionArgs, live: LiveDelivery) {
    this.#source = source;
    this.#delivery = delivery;
    this.#framePrefix = ['{"id":', JSON.stringify(delivery.id), ',"type":"next","payload":'].join('');
    this.#framePrefixBytes = Buffer.byteLength(this.#framePrefix);
    this.#shape = shape;
    this.#args = args;
    this.#live = live;
  }

  next(): Promise<IteratorResult<never, undefined>> {
    // graphql-ws asks once it has registered the operation: only then may frames for it go out.
    this.#running ??= this.#run();
    return this.#running;
  }

  async return(): Promise<IteratorResult<never, undefined>> {
    this.#returned = true;
    await this.#source.return?.();
    return DONE;
  }

  throw(): Promise<IteratorResult<never, undefined>> {
    return this.return();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** One promise, settled by the source's end: no async function waiting on it, whose frame would stay as long as the subscription. */
  #run(): Promise<IteratorResult<never, undefined>> {
    const deliver = (event: unknown) => this.#deliver(event);
    if (!(this.#source instanceof LiveStream)) return this.#iterate(deliver);
    const source = this.#source;
    return new Promise((resolve, reject) =>
      source.drainTo(deliver, (failure) => {
        if (!failure) return resolve(this.#afterPending());
        if (!(failure.error instanceof DomainError)) return reject(failure.error);
        resolve(this.#afterPending(this.#live.ending(failure.error)));
      }),
    );
  }

  async #iterate(deliver: (event: unknown) => void): Promise<IteratorResult<never, undefined>> {
    try {
      for await (const event of this.#source) deliver(event);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      return this.#afterPending(this.#live.ending(error));
    }
    return this.#afterPending();
  }

  /** Done once the frames still pending are written, and then `last`. */
  async #afterPending(last?: Buffer): Promise<IteratorResult<never, undefined>> {
    await this.#pending;
    if (last) this.#write(last);
    return DONE;
  }

  #deliver(event: unknown): void {
    if (this.#returned) return;
    const payload = this.#live.payloadFor(event, this.#shape, this.#args);
    if (Buffer.isBuffer(payload) && !this.#pending) return this.#write(payload);
    const pending: Promise<void> = (this.#pending ?? Promise.resolve())
      .then(() => payload)
      .then((resolved) => {
        this.#write(resolved);
        if (this.#pending === pending) this.#pending = undefined;
      });
    this.#pending = pending;
  }

  /** The frame is the subscription's own prefix, the shared payload and a brace: one copy, no re-encoding. */
  #write(payload: Buffer): void {
    if (this.#returned) return;
    const prefixBytes = this.#framePrefixBytes;
    const frame = Buffer.allocUnsafe(prefixBytes + payload.length + 1);
    frame.write(this.#framePrefix);
    payload.copy(frame, prefixBytes);
    frame[frame.length - 1] = CLOSING_BRACE;
    this.#delivery.send(frame);
  }
}
