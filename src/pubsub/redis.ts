// Pub-sub through Redis, so that every instance sees every event (graphql-redis-subscriptions on ioredis).
// ioredis reconnects by itself and re-subscribes its channels when Redis comes back. The connections
// are redis/clients.ts's: it opens, awaits and closes them.
import { RedisPubSub } from 'graphql-redis-subscriptions';
import type { RedisClients } from '../redis/clients.ts';
import type { PubSub, Topic, Unsubscribe } from './pubsub.ts';

export function createRedisPubSub(clients: Pick<RedisClients, 'publisher' | 'subscriber'>): PubSub {
  const redis = new RedisPubSub({ publisher: clients.publisher, subscriber: clients.subscriber });
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
      await redis.publish(topic.channel, payload);
    },
    async subscribe<T>(topic: Topic<T>, listener: (payload: T) => void): Promise<Unsubscribe> {
      const id = await redis.subscribe<T>(topic.channel, listener);
      return () => redis.unsubscribe(id);
    },
    onResumed: (listener) => void resumed.add(listener),
  };
}
