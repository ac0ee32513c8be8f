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

/** The app's open streams. */
export class OpenStreams {
  readonly #running = new Set<Promise<void>>();

  track(done: Promise<void>): void {
    this.#running.add(done);
    void done.finally(() => this.#running.delete(done)).catch(() => undefined);
  }

  /** Resolves when every stream that is ending has run its cleanups, or after `timeoutMs`. */
  async drained(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.#running]),
      new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs))),
    ]);
    clearTimeout(timer);
  }
}

/** `field` names the subscription in the metrics. */
export function eventStream<T>(
  ctx: OperationContext,
  field: string,
  setUp: (scope: StreamScope<T>) => Promise<void>,
): LiveStream<T> {
  const { streams, logger } = ctx.services;
  const open = ctx.services.metrics.subscriptions.labels({ field });
  return new LiveStream<T>((stream) => {
    const done = (async () => {
      const cleanups: Cleanup[] = [() => open.dec()];
      open.inc();
      try {
        await setUp({ push: (value) => stream.push(value), defer: (cleanup) => cleanups.push(cleanup), end: (error) => stream.endWith(error) });
        await stream.ended;
      } finally {
        for (const cleanup of cleanups.reverse()) {
          try {
            await cleanup();
          } catch (error) {
            logger.warn({ err: error }, 'a subscription cleanup failed');
          }
        }
      }
    })();
    streams.track(done);
    return done;
  });
}
