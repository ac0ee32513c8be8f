// Chooses where rate limits are counted: in Redis when REDIS_URL is set (shared by all instances), else in memory.
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import { createInProcessRateLimiter } from './in-process-limiter.ts';
import type { RateLimiter } from './rate-limiter.ts';
import { createRedisRateLimiter } from './redis-limiter.ts';

export function createRateLimiter(config: Config, logger: Logger): RateLimiter {
  const local = createInProcessRateLimiter();
  if (!config.redisUrl) return local;
  return createRedisRateLimiter(config.redisUrl, local, (error) => logger.warn({ err: error }, 'rate limit store error'));
}

export type { RateDecision, RateLimiter } from './rate-limiter.ts';
