// Rate limits shared by every instance: the same token bucket, kept in Redis and updated by one
// atomic script on Redis's clock, taken in leases (leased-limiter.ts). With Redis unreachable, the
// instance falls back to counting in its own memory rather than refusing honest users or letting
// floods through unchecked.
import type { Redis } from 'ioredis';
import { createLeasedRateLimiter, type TokenStore } from './leased-limiter.ts';
import type { RateLimiter } from './rate-limiter.ts';

// KEYS: bucket. ARGV: perSecond, burst, want, giveBack. Returns {granted, retryAfterMs}.
const LEASE = `
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local rate, burst = tonumber(ARGV[1]), tonumber(ARGV[2])
local want, giveBack = tonumber(ARGV[3]), tonumber(ARGV[4])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now
tokens = math.min(burst, tokens + (now - at) / 1000 * rate + giveBack)
local granted, retry = 0, 0
if tokens >= 1 then
  granted = math.min(want, math.floor(tokens))
  tokens = tokens - granted
else
  retry = math.ceil((1 - tokens) / rate * 1000)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', now)
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return {granted, retry}`;

type LeaseCommand = (key: string, perSecond: number, burst: number, want: number, giveBack: number) => Promise<[number, number]>;

function createRedisTokenStore(redis: Redis): TokenStore {
  // A defined command runs by its SHA (EVALSHA), so a lease does not ship the script every time.
  redis.defineCommand('leaseTokens', { numberOfKeys: 1, lua: LEASE });
  const leaseTokens = (redis as Redis & { leaseTokens: LeaseCommand }).leaseTokens.bind(redis);
  return {
    async lease(key, limit, want, giveBack) {
      const [granted, retryAfterMs] = await leaseTokens(`chat:rate:${key}`, limit.perSecond, limit.burst, want, giveBack);
      return { granted, retryAfterMs };
    },
  };
}

/** `redis` is redis/clients.ts's rate-limit connection, which it closes after this limiter stops. */
export function createRedisRateLimiter(redis: Redis, fallback: RateLimiter, onError: (error: unknown) => void): RateLimiter {
  const leased = createLeasedRateLimiter(createRedisTokenStore(redis));
  return {
    async take(name, subject, limit) {
      try {
        return await leased.take(name, subject, limit);
      } catch (error) {
        onError(error);
        return fallback.take(name, subject, limit);
      }
    },
    async stop() {
      await leased.stop();
      await fallback.stop();
    },
  };
}
