// Chooses where presence is counted: in Redis when REDIS_URL is set (all instances agree), else in memory.
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { RedisClients } from '../redis/clients.ts';
import { createInProcessPresenceStore } from './in-process-store.ts';
import type { PresenceStore } from './presence-store.ts';
import { createRedisPresenceStore } from './redis-store.ts';

export function createPresenceStore(
  redis: RedisClients | undefined,
  config: Config,
  logger: Logger,
  onExpired: (roomId: string, userId: string) => void,
): PresenceStore {
  if (!redis) return createInProcessPresenceStore();
  return createRedisPresenceStore(redis.presence, {
    expiryMs: config.presenceExpiryMs,
    onExpired,
    onError: (error) => logger.warn({ err: error }, 'presence store error'),
  });
}

export type { PresenceStore } from './presence-store.ts';
