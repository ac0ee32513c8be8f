// Typing expiry timers in this process: right for one instance (no REDIS_URL).
import type { TypingTimers } from './typing-timers.ts';

export function createInProcessTypingTimers(timeoutMs: number): TypingTimers {
  const timers = new Map<string, NodeJS.Timeout>();
  return {
    async start(key, onExpire) {
      clearTimeout(timers.get(key));
      const timer = setTimeout(() => {
        timers.delete(key);
        onExpire();
      }, timeoutMs);
      timer.unref();
      timers.set(key, timer);
    },
    async cancel(key) {
      clearTimeout(timers.get(key));
      timers.delete(key);
    },
    stop() {
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
    },
  };
}
