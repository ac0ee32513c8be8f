// Pub-sub through Redis, so that every instance sees every event (graphql-redis-subscriptions on ioredis).
// ioredis reconnects by itself and re-subscribes its channels when Redis comes back. The connections
// are redis/clients.ts's: it opens, awaits and closes them.
//
// An event published here reaches this instance's own listeners at once, in process, and other
// instances through Redis. Each message carries the publishing instance's tag, so the echo of our own
// events coming back from Redis is dropped before it is parsed: the round trip, the parse and a
// second offer to every feed are saved, and this instance's subscribers get its events even while
// Redis is away.
import { randomUUID } from 'node:crypto';
import { RedisPubSub } from 'graphql-redis-subscriptions';
import type { RedisClients } from '../redis/clients.ts';
import { createInProcessPubSub } from './in-process.ts';
import type { PubSub, Topic, Unsubscribe } from './pubsub.ts';

/** What a message of this instance's own deserialises to: dropped before any listener. */
const OWN_ECHO = Symbol('own echo');

/** Every instance's tag is a UUID: the same length, so another instance's is cut off unread. */
const TAG_BYTES = 36;

export function createRedisPubSub(clients: Pick<RedisClients, 'publisher' | 'subscriber'>, onListenerError: (error: unknown) => void): PubSub {
  const tag = randomUUID();
  const tagBytes = Buffer.from(tag);
  const local = createInProcessPubSub(onListenerError);
  const redis = new RedisPubSub({
    publisher: clients.publisher,
    subscriber: clients.subscriber,
    serializer: (payload) => tag + JSON.stringify(payload),
    // ioredis decodes each message to a string and graphql-redis-subscriptions (2.7) encodes it back,
    // handing over Buffer.from(message); its type allows a string too, which is read the same way.
    deserializer: (message) => {
      const bytes = typeof message === 'string' ? Buffer.from(message) : message;
      return bytes.compare(tagBytes, 0, TAG_BYTES, 0, TAG_BYTES) === 0 ? OWN_ECHO : JSON.parse(bytes.toString('utf8', TAG_BYTES));
    },
  });
  const { subscriber } = clients;
  const resumed = new Set<() => void>();
  // After a lost connection ioredis subscribes every channel again before it emits 'ready'; a PING
  // behind those SUBSCRIBEs answers once they apply, so that nothing published after it is missed.
  let lost = false;
  subscriber.on('close', () => (lost = true));
  subscriber.on('ready', () => {
    if (!lost) return;
    lost = false;
    subscriber.ping().then(
      () => resumed.forEach((listener) => listener()),
      () => undefined, // the connection dropped again: its next 'ready' tries once more
    );
  });
  return {
    async publish<T>(topic: Topic<T>, payload: T) {
      await local.publish(topic, payload);
      await redis.publish(topic.channel, payload);
    },
    async subscribe<T>(topic: Topic<T>, listener: (payload: T) => void): Promise<Unsubscribe> {
      const unsubscribeLocal = await local.subscribe(topic, listener);
      try {
        const id = await redis.subscribe<T | typeof OWN_ECHO>(topic.channel, (payload) => payload !== OWN_ECHO && listener(payload));
        return () => {
          unsubscribeLocal();
          redis.unsubscribe(id);
        };
      } catch (error) {
        unsubscribeLocal();
        throw error;
      }
    },
    onResumed: (listener) => void resumed.add(listener),
  };
}
