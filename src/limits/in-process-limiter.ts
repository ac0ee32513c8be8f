// Rate limits counted in this process: right for one instance (no REDIS_URL).
import { takeToken, type RateLimiter } from './rate-limiter.ts';

/** Buckets idle this long are full again and can be forgotten. */
const FORGET_AFTER_MS = 10 * 60_000;

export function createInProcessRateLimiter(now: () => number = Date.now): RateLimiter {
  const buckets = new Map<string, { tokens: number; atMs: number }>();
  let lastSweep = now();
  return {
    async take(name, subject, limit) {
      const key = `${name}:${subject}`;
      const nowMs = now();
      const { bucket, decision } = takeToken(buckets.get(key), limit, nowMs);
      buckets.set(key, bucket);
      if (nowMs - lastSweep > FORGET_AFTER_MS) {
        for (const [each, value] of buckets) if (nowMs - value.atMs > FORGET_AFTER_MS) buckets.delete(each);
        lastSweep = nowMs;
      }
      return decision;
    },
    async stop() {
      buckets.clear();
    },
  };
}
