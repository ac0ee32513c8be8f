// Chooses where rate limits are counted: in Redis when REDIS_URL is set (shared by all instances), else in memory.
import type { Logger } from 'pino';
import type { RedisClients } from '../redis/clients.ts';
import { createInProcessRateLimiter } from './in-process-limiter.ts';
import type { RateLimiter } from './rate-limiter.ts';
import { createRedisRateLimiter } from './redis-limiter.ts';

export function createRateLimiter(redis: RedisClients | undefined, logger: Logger): RateLimiter {
  const local = createInProcessRateLimiter();
  if (!redis) return local;
  return createRedisRateLimiter(redis.rateLimits, local, (error) => logger.warn({ err: error }, 'rate limit store error'));
}

export type { RateDecision, RateLimiter } from './rate-limiter.ts';
