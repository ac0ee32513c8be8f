// Waiting for ioredis clients to connect: an instance starts serving only once Redis answers, or
// after a bounded wait (it then serves degraded and the clients keep reconnecting by themselves).
import type { Redis } from 'ioredis';

export async function redisReady(clients: Redis[], timeoutMs: number): Promise<boolean> {
  const ready = (client: Redis) =>
    client.status === 'ready' ? Promise.resolve() : new Promise<void>((resolve) => client.once('ready', () => resolve()));
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
  const result = await Promise.race([Promise.all(clients.map(ready)).then(() => true as const), timedOut]);
  clearTimeout(timer);
  return result;
}
