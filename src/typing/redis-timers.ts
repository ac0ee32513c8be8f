// Typing expiry shared by every instance through Redis. Each renewal writes a fresh token under the
// (room, user) key; the instance whose timer fires announces `false` only if its token is still the
// one stored (compare-and-delete), so a renewal or a `false` sent through another instance wins.
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { TypingTimers } from './typing-timers.ts';

const COMPARE_AND_DELETE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;
const redisKey = (key: string) => `chat:typing:${key}`;

/** `redis` is redis/clients.ts's typing connection, which it closes after these timers stop. */
export function createRedisTypingTimers(redis: Redis, timeoutMs: number, onError: (error: unknown) => void): TypingTimers {
  const timers = new Map<string, NodeJS.Timeout>();
  return {
    async start(key, onExpire) {
      const token = randomUUID();
      clearTimeout(timers.get(key));
      // With Redis away, this instance still expires what it started.
      const stored = await redis.set(redisKey(key), token, 'PX', timeoutMs * 2).then(() => true, () => false);
      const timer = setTimeout(async () => {
        timers.delete(key);
        const mine = stored ? await redis.eval(COMPARE_AND_DELETE, 1, redisKey(key), token).catch(() => 1) : 1;
        if (mine === 1) onExpire();
      }, timeoutMs);
      timer.unref();
      timers.set(key, timer);
    },
    async cancel(key) {
      clearTimeout(timers.get(key));
      timers.delete(key);
      await redis.del(redisKey(key)).catch(onError);
    },
    stop() {
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
    },
  };
}
