// Chooses the pub-sub: Redis when REDIS_URL is set (its clients given), in-process otherwise.
import type { RedisClients } from '../redis/clients.ts';
import { createInProcessPubSub } from './in-process.ts';
import { createRedisPubSub } from './redis.ts';
import type { PubSub } from './pubsub.ts';

export function createPubSub(redis: RedisClients | undefined, onError: (error: unknown) => void): PubSub {
  return redis ? createRedisPubSub(redis, onError) : createInProcessPubSub(onError);
}

export type { PubSub, Topic, Unsubscribe } from './pubsub.ts';
export * from './topics.ts';
