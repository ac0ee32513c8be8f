// A loopback TCP proxy a test can cut and restore, to play a network fault between the service and
// PostgreSQL or Redis: `cut()` drops every open connection and refuses new ones until `restore()`;
// `hold()` keeps what the client sends from reaching the server (a server too busy to answer) until
// `release()` delivers it.
import { createServer, connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { disposeLater } from './disposal.ts';

export interface TcpProxy {
  readonly port: number;
  cut(): void;
  restore(): void;
  hold(): void;
  release(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const open = new Set<Socket>();
  let isCut = false;
  let held: { upstream: Socket; chunk: Buffer }[] | undefined;
  const server = createServer((client) => {
    if (isCut) return void client.destroy();
    const upstream = connect(targetPort, targetHost);
    open.add(client).add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.on('data', (chunk: Buffer) => (held ? held.push({ upstream, chunk }) : upstream.write(chunk)));
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    cut() {
      isCut = true;
      for (const socket of open) socket.destroy();
      open.clear();
    },
    restore() {
      isCut = false;
    },
    hold() {
      held ??= [];
    },
    release() {
      const chunks = held ?? [];
      held = undefined;
      for (const { upstream, chunk } of chunks) if (!upstream.destroyed) upstream.write(chunk);
    },
    close: disposeLater(
      'a TCP proxy',
      () =>
        new Promise<void>((resolve) => {
          for (const socket of open) socket.destroy();
          server.close(() => resolve());
        }),
    ),
  };
}
