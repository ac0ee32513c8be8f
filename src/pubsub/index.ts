// Chooses the pub-sub for a configuration: Redis when REDIS_URL is set, in-process otherwise.
import type { Config } from '../config.ts';
import { createInProcessPubSub } from './in-process.ts';
import { createRedisPubSub } from './redis.ts';
import type { PubSub } from './pubsub.ts';

export function createPubSub(config: Config, onError: (error: unknown) => void): PubSub {
  return config.redisUrl ? createRedisPubSub(config.redisUrl, onError) : createInProcessPubSub(onError);
}

export type { PubSub, Topic, Unsubscribe } from './pubsub.ts';
export * from './topics.ts';
