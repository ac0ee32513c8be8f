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
    const shared = this.#shared;
    const ending = (error: DomainError) =>
      Buffer.from(JSON.stringify({ errors: this.#finishErrors([new GraphQLError(error.message, { originalError: error })]) }));
    return new SocketFeed(source, delivery, shared.shapeOf(args), (event, shape) => shared.payloadFor(event, shape, args), ending);
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
  readonly #framePrefix: Buffer;
  readonly #shape: string;
  readonly #payloadFor: (event: unknown, shape: string) => SerialisedPayload;
  #running: Promise<IteratorResult<never, undefined>> | undefined;
  #returned = false;
  /** Frames waiting on an earlier payload that is still resolving, so that frames keep the events' order. */
  #pending: Promise<void> | undefined;
  readonly #ending: (error: DomainError) => Buffer;

  constructor(
    source: AsyncIterable<unknown>,
    delivery: SocketDelivery,
    shape: string,
    payloadFor: (event: unknown, shape: string) => SerialisedPayload,
    ending: (error: DomainError) => Buffer,
  ) {
    this.#ending = ending;
    this.#source = source;
    this.#delivery = delivery;
    this.#framePrefix = Buffer.from(`{"id":${JSON.stringify(delivery.id)},"type":"next","payload":`);
    this.#shape = shape;
    this.#payloadFor = payloadFor;
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

  async #run(): Promise<IteratorResult<never, undefined>> {
    const deliver = (event: unknown) => this.#deliver(event);
    try {
      if (this.#source instanceof LiveStream) await this.#source.drainTo(deliver);
      else for await (const event of this.#source) deliver(event);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      await this.#pending;
      this.#write(this.#ending(error));
      return DONE;
    }
    await this.#pending;
    return DONE;
  }

  #deliver(event: unknown): void {
    if (this.#returned) return;
    const payload = this.#payloadFor(event, this.#shape);
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
    const prefix = this.#framePrefix;
    const frame = Buffer.allocUnsafe(prefix.length + payload.length + 1);
    prefix.copy(frame, 0);
    payload.copy(frame, prefix.length);
    frame[frame.length - 1] = CLOSING_BRACE;
    this.#delivery.send(frame);
  }
}
