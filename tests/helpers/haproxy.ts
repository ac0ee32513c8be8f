// A real load balancer (HAProxy, from Debian's package) on loopback in front of instance processes,
// routing HTTP and WebSocket upgrades round-robin, as an operator's would.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { disposeLater } from './disposal.ts';
import { freePort } from './free-port.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { until } from './waits.ts';

export const haproxyAvailable = spawnSync('haproxy', ['-v'], { stdio: 'ignore' }).status === 0;

export interface LoadBalancer {
  readonly httpUrl: string;
  readonly wsUrl: string;
  stop(): Promise<void>;
}

export async function startHaproxy(backendPorts: number[]): Promise<LoadBalancer> {
  const port = await freePort();
  const config = [
    'defaults',
    '  mode http',
    '  timeout connect 2s',
    '  timeout client 30s',
    '  timeout server 30s',
    // WebSockets stay open long after the upgrade: the tunnel timeout governs them.
    '  timeout tunnel 1h',
    'frontend chat',
    `  bind 127.0.0.1:${port}`,
    '  default_backend instances',
    'backend instances',
    '  balance roundrobin',
    '  option httpchk GET /health',
    ...backendPorts.map((backend, i) => `  server app${i + 1} 127.0.0.1:${backend} check inter 1s`),
    '',
  ].join('\n');
  const dir = await mkdtemp(join(tmpdir(), 'chat-haproxy-'));
  const file = join(dir, 'haproxy.cfg');
  await writeFile(file, config);
  const child = spawn('haproxy', ['-db', '-f', file], { stdio: 'ignore' });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const stop = disposeLater('HAProxy', async () => {
    child.kill('SIGTERM');
    await exited;
    await rm(dir, { recursive: true, force: true });
  });
  await until(() => fetch(`http://127.0.0.1:${port}/health`).then((r) => r.ok, () => false), 'haproxy to route /health');
  return { httpUrl: `http://127.0.0.1:${port}/graphql`, wsUrl: `ws://127.0.0.1:${port}/graphql`, stop };
}
