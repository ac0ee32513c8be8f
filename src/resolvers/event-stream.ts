// A subscription's LiveStream fed by callbacks, with cleanup that runs as soon as the consumer stops
// (the client's complete, or its socket closing), even while no event is pending,
// and also when set-up fails half-way. Every stream is tracked so that a graceful stop can wait
// for the cleanups (presence OFFLINE announcements) before it closes pub-sub and the database.
import type { OperationContext } from '../context.ts';
import { LiveStream } from './live-stream.ts';

export type Cleanup = () => void | Promise<void>;

/**
 * What a stream's set-up uses: `push` delivers in order; `defer` registers a cleanup once the
 * resource exists; `end` ends the stream with an error after what was pushed (a membership ended).
 */
export interface StreamScope<T> {
  push(value: T): void;
  defer(cleanup: Cleanup): void;
  end(error: Error): void;
}

/** The app's open streams: counted from their start to the end of their cleanups. */
export class OpenStreams {
  #open = 0;
  readonly #whenNone = new Set<() => void>();

  opened(): void {
    this.#open++;
  }

  closed(): void {
    if (--this.#open > 0) return;
    for (const resolve of this.#whenNone) resolve();
    this.#whenNone.clear();
  }

  /** Resolves when every stream has ended and run its cleanups, or after `timeoutMs`. */
  async drained(timeoutMs: number): Promise<void> {
    if (this.#open === 0) return;
    let timer: NodeJS.Timeout | undefined;
    let resolveNone: (() => void) | undefined;
    await Promise.race([
      new Promise<void>((resolve) => this.#whenNone.add((resolveNone = resolve))),
      new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs))),
    ]);
    clearTimeout(timer);
    this.#whenNone.delete(resolveNone!);
  }
}

/**
 * `field` names the subscription in the metrics. The cleanups run once both the set-up has settled
 * and the stream has ended (or the set-up failed), whichever comes last. Callbacks, not an async
 * function awaiting the end: that would keep its frame and a chain of promises per subscription.
 */
export function eventStream<T>(
  ctx: OperationContext,
  field: string,
  setUp: (scope: StreamScope<T>) => Promise<void>,
): LiveStream<T> {
  const { streams, logger, metrics } = ctx.services;
  return new LiveStream<T>((stream) => {
    const cleanups: Cleanup[] = [];
    streams.opened();
    metrics.subscriptions.inc({ field });
    const cleanUp = async () => {
      for (const cleanup of cleanups.reverse()) {
        try {
          await cleanup();
        } catch (error) {
          logger.warn({ err: error }, 'a subscription cleanup failed');
        }
      }
      metrics.subscriptions.dec({ field });
      streams.closed();
    };
    // The set-up and the end: cleanups follow the second (never inside the call that ended the stream).
    let waiting = 2;
    const settled = () => void (--waiting === 0 && queueMicrotask(() => void cleanUp()));
    stream.onEnd(settled);
    setUp({ push: (value) => stream.push(value), defer: (cleanup) => cleanups.push(cleanup), end: (error) => stream.endWith(error) }).then(
      settled,
      (error: unknown) => {
        stream.fail(error);
        settled();
      },
    );
  });
}
