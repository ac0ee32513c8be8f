// An async iterator fed by callbacks, with cleanup that runs as soon as the consumer stops
// (graphql-ws calls return() on complete and on socket close), even while no event is pending.
import { Repeater } from '@repeaterjs/repeater';

export type Cleanup = () => void | Promise<void>;

/** `start` subscribes and returns its cleanup; events it pushes before the consumer stops are delivered in order. */
export function eventStream<T>(start: (push: (value: T) => void) => Promise<Cleanup>): AsyncIterableIterator<T> {
  return new Repeater<T>(async (push, stop) => {
    const cleanup = await start((value) => {
      void push(value);
    });
    await stop;
    await cleanup();
  });
}
