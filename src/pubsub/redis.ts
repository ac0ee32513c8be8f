// Pub-sub through Redis, so that every instance sees every event (graphql-redis-subscriptions on ioredis).
// ioredis reconnects by itself and re-subscribes its channels when Redis comes back. The connections
// are redis/clients.ts's: it opens, awaits and closes them.
import { RedisPubSub } from 'graphql-redis-subscriptions';
import type { RedisClients } from '../redis/clients.ts';
import type { PubSub, Topic, Unsubscribe } from './pubsub.ts';

export function createRedisPubSub(clients: Pick<RedisClients, 'publisher' | 'subscriber'>): PubSub {
  const redis = new RedisPubSub({ publisher: clients.publisher, subscriber: clients.subscriber });
  return {
    async publish<T>(topic: Topic<T>, payload: T) {
      await redis.publish(topic.channel, payload);
    },
    async subscribe<T>(topic: Topic<T>, listener: (payload: T) => void): Promise<Unsubscribe> {
      const id = await redis.subscribe<T>(topic.channel, listener);
      return () => redis.unsubscribe(id);
    },
  };
}
