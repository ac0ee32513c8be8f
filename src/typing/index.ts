// Chooses where typing expiry is kept: in Redis when REDIS_URL is set (all instances agree), else in memory.
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { RedisClients } from '../redis/clients.ts';
import { createInProcessTypingTimers } from './in-process-timers.ts';
import { createRedisTypingTimers } from './redis-timers.ts';
import type { TypingTimers } from './typing-timers.ts';

export function createTypingTimers(redis: RedisClients | undefined, config: Config, logger: Logger): TypingTimers {
  if (!redis) return createInProcessTypingTimers(config.typingTimeoutMs);
  return createRedisTypingTimers(redis.typing, config.typingTimeoutMs, (error) =>
    logger.warn({ err: error }, 'typing expiry store error'),
  );
}

export type { TypingTimers } from './typing-timers.ts';
