// A Redis server of the test's own, on a free loopback port, that the test can stop and start again
// (the machine's shared Redis is never touched). Stopped after the test or file that started it.
import { spawn, type ChildProcess } from 'node:child_process';
import { disposeLater } from './disposal.ts';
import { freePort } from './free-port.ts';
import { Redis } from 'ioredis';
import { until } from './waits.ts';

export interface OwnRedis {
  readonly url: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export async function startOwnRedis(): Promise<OwnRedis> {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  const own: OwnRedis = {
    url,
    async start() {
      child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
        stdio: 'ignore',
      });
      await until(async () => {
        const probe = new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
        probe.on('error', () => undefined);
        const ready = await probe.connect().then(() => probe.ping(), () => undefined).catch(() => undefined);
        probe.disconnect();
        return ready === 'PONG';
      }, `redis-server on port ${port} to answer`);
    },
    async stop() {
      const running = child;
      child = undefined;
      if (!running || running.exitCode !== null) return;
      const exited = new Promise((resolve) => running.once('exit', resolve));
      running.kill('SIGKILL');
      await exited;
    },
  };
  // Not the disposal itself: a test may stop it and start it again.
  disposeLater('a Redis server', () => own.stop());
  await own.start();
  return own;
}
