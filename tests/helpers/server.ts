// Starts the real app on an ephemeral loopback port, on the database and pub-sub the environment
// names, and registers its disposal. Several may run in one test file.
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApp, type RunningApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { databaseUrl, redisUrl } from './env.ts';

export interface TestServer extends RunningApp {
  readonly httpUrl: string;
  readonly wsUrl: string;
}

const running = new Set<TestServer>();

/** Environment overrides go through the same config parser as production. */
export async function startServer(env: Record<string, string | undefined> = {}): Promise<TestServer> {
  const pgliteDir = databaseUrl || env.PGLITE_DIR ? undefined : await freshPgliteDir();
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    PGLITE_DIR: pgliteDir,
    // Every test connects from 127.0.0.1, and with Redis all files share that address's bucket:
    // only the tests about this limit set it low.
    RATE_CONNECTIONS_PER_IP_BURST: '100000',
    RATE_CONNECTIONS_PER_IP_PER_SECOND: '100000',
    ...env,
  });
  const app = await startApp(config);
  const server: TestServer = {
    ...app,
    httpUrl: `${app.url}/graphql`,
    wsUrl: `${app.url.replace('http', 'ws')}/graphql`,
    async stop() {
      running.delete(server);
      await app.stop();
      if (pgliteDir) await rm(pgliteDir, { recursive: true, force: true });
    },
  };
  running.add(server);
  return server;
}

/** An empty PGlite directory of its own: a copy of the run's initialised template when there is one. */
async function freshPgliteDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'chat-test-pglite-'));
  const template = process.env.CHAT_TEST_PGLITE_TEMPLATE;
  if (template) await cp(template, dir, { recursive: true });
  return dir;
}

/** Stops every server the file started; call from afterAll. */
export async function stopAllServers(): Promise<void> {
  await Promise.all([...running].map((server) => server.stop()));
}
