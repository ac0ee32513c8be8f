// Every Redis connection the service holds, made in one place with one set of options: this module
// says when they are all connected and closes them. One connection per use, as each store had its
// own before they were gathered here (fewer was not measured); the subscriber must stand apart in
// any case, since Redis takes no other commands on a subscribed connection. ioredis reconnects each
// by itself when Redis comes back.
import { Redis, type RedisOptions } from 'ioredis';

/**
 * Commands fail at once while Redis is away (no offline queue, one retry): their callers fall back
 * or answer an error rather than hang. No auto-pipelining: its pipeline objects were 40% of what a
 * send left for full GCs, for no CPU saved.
 */
const COMMAND_OPTIONS: RedisOptions = { maxRetriesPerRequest: 1, enableOfflineQueue: false };

/** The subscriber keeps its offline queue so that subscriptions made while Redis is away apply on return. */
const SUBSCRIBER_OPTIONS: RedisOptions = { ...COMMAND_OPTIONS, enableOfflineQueue: true, maxRetriesPerRequest: null };

export interface RedisClients {
  /** Publishes events (pubsub/redis.ts). */
  readonly publisher: Redis;
  /** Receives events (pubsub/redis.ts). */
  readonly subscriber: Redis;
  /** Counts presence (presence/redis-store.ts). */
  readonly presence: Redis;
  /** Expires typing (typing/redis-timers.ts). */
  readonly typing: Redis;
  /** Leases rate-limit tokens (limits/redis-limiter.ts). */
  readonly rateLimits: Redis;
  /**
   * Resolves true once every client is connected, false after `timeoutMs`: an instance starts
   * serving only once Redis answers, or after a bounded wait (then degraded, still reconnecting).
   */
  ready(timeoutMs: number): Promise<boolean>;
  /** True when every client is connected and Redis answers a ping now. */
  healthy(): Promise<boolean>;
  /** Closes every connection: call it after every user of them has stopped (their stops may still write). */
  stop(): void;
}

export function createRedisClients(url: string, onError: (error: unknown, client: string) => void): RedisClients {
  const connect = (client: string, options: RedisOptions) => new Redis(url, options).on('error', (error) => onError(error, client));
  const clients = {
    publisher: connect('publisher', COMMAND_OPTIONS),
    subscriber: connect('subscriber', SUBSCRIBER_OPTIONS),
    presence: connect('presence', COMMAND_OPTIONS),
    typing: connect('typing', COMMAND_OPTIONS),
    rateLimits: connect('rateLimits', COMMAND_OPTIONS),
  };
  const all = Object.values(clients);
  return {
    ...clients,
    ready: (timeoutMs) => allReady(all, timeoutMs),
    async healthy() {
      try {
        return all.every((client) => client.status === 'ready') && (await clients.publisher.ping()) === 'PONG';
      } catch {
        return false;
      }
    },
    stop() {
      for (const client of all) client.disconnect();
    },
  };
}

async function allReady(clients: Redis[], timeoutMs: number): Promise<boolean> {
  const ready = (client: Redis) =>
    client.status === 'ready' ? Promise.resolve() : new Promise<void>((resolve) => client.once('ready', () => resolve()));
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
  const result = await Promise.race([Promise.all(clients.map(ready)).then(() => true as const), timedOut]);
  clearTimeout(timer);
  return result;
}
