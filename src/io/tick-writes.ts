// What one tick writes to a stream leaves in one write at the tick's end: the stream is corked at its
// first write of the tick and uncorked, with every stream corked in that tick, by one process.nextTick.
// A socket's frames of one tick (a result's `next` and its `complete`, the sender's answer and its
// own delivery) then cost one system call, and so do the Redis publishes of the sends that one
// statement stored, whose answers all resume in the same tick.
import type { Writable } from 'node:stream';

/** Streams corked in this tick, in the order they were first written. */
const corked: Writable[] = [];

/** Call before writing to `stream`: its writes until the end of this tick leave together. */
export function corkUntilTickEnd(stream: Writable): void {
  if (stream.writableCorked) return;
  stream.cork();
  if (corked.push(stream) === 1) process.nextTick(uncorkAll);
}

function uncorkAll(): void {
  for (const stream of corked) stream.uncork();
  corked.length = 0;
}
