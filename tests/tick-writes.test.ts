// A tick's writes to one stream leave in one write at its end: a socket's frames, and the Redis
// publisher's publishes of the sends one statement stored.
import { Writable } from 'node:stream';
import { corkUntilTickEnd } from '../src/io/tick-writes.ts';
import { createRedisClients } from '../src/redis/clients.ts';
import { createRedisPubSub } from '../src/pubsub/redis.ts';
import { topics, type TypingPayload } from '../src/pubsub/topics.ts';
import { describeWithRedis, redisUrl } from './helpers/env.ts';

/** A stream that records each write it is handed: one entry per write or writev, with its chunks. */
function recordingStream() {
  const writes: string[][] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      writes.push([String(chunk)]);
      done();
    },
    writev(chunks, done) {
      writes.push(chunks.map(({ chunk }) => String(chunk)));
      done();
    },
  });
  return { stream, writes };
}

const nextTick = () => new Promise<void>((resolve) => process.nextTick(resolve));
const afterIo = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('writes of one tick', () => {
  it('leave a stream in one write, at the end of the tick', async () => {
    const { stream, writes } = recordingStream();
    for (const frame of ['a', 'b', 'c']) {
      corkUntilTickEnd(stream);
      stream.write(frame);
    }
    expect(writes).toEqual([]);
    await afterIo();
    expect(writes).toEqual([['a', 'b', 'c']]);
  });

  it('of two streams leave each stream in its own write, and the next tick writes anew', async () => {
    const first = recordingStream();
    const second = recordingStream();
    corkUntilTickEnd(first.stream);
    first.stream.write('1a');
    corkUntilTickEnd(second.stream);
    second.stream.write('2a');
    corkUntilTickEnd(first.stream);
    first.stream.write('1b');
    await nextTick();
    corkUntilTickEnd(first.stream);
    first.stream.write('1c');
    await afterIo();
    expect(first.writes).toEqual([['1a', '1b'], ['1c']]);
    expect(second.writes).toEqual([['2a']]);
  });
});

describeWithRedis('Redis publishes of one tick', () => {
  it('leave in one write and each reaches another instance', async () => {
    const clients = (['publishing', 'receiving'] as const).map(() => createRedisClients(redisUrl!, () => undefined));
    try {
      await Promise.all(clients.map((each) => each.ready(5_000)));
      const [publishing, receiving] = clients.map((each) => createRedisPubSub(each, () => undefined));
      const topic = topics.typing(`tick-writes-${process.pid}`);
      const received: string[] = [];
      let allReceived!: () => void;
      const receivedThree = new Promise<void>((resolve) => (allReceived = resolve));
      await receiving!.subscribe(topic, (payload) => received.push(payload.userId) === 3 && allReceived());
      const socket = clients[0]!.publisher.stream;
      const writes: number[] = [];
      const write = socket._write.bind(socket);
      const writev = socket._writev!.bind(socket);
      socket._write = (chunk, encoding, done) => (writes.push(1), write(chunk, encoding, done));
      socket._writev = (chunks, done) => (writes.push(chunks.length), writev(chunks, done));
      const typing = (userId: string): TypingPayload => ({ roomId: 'r', userId, userName: null, isTyping: true, at: new Date().toISOString() });
      await Promise.all(['u1', 'u2', 'u3'].map((userId) => publishing!.publish(topic, typing(userId))));
      await receivedThree;
      expect(writes).toEqual([3]);
      expect(received).toEqual(['u1', 'u2', 'u3']);
    } finally {
      for (const each of clients) each.stop();
    }
  });
});
