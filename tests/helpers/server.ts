// Starts the real app on an ephemeral loopback port, on the database and pub-sub the environment
// names, and registers its disposal (disposal.ts). Several may run in one test file.
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApp, type RunningApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { disposeOpened, disposeLater } from './disposal.ts';
import { databaseUrl, redisUrl } from './env.ts';

const SERVER = 'a test server';

export interface TestServer extends RunningApp {
  readonly httpUrl: string;
  readonly wsUrl: string;
}

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
  return {
    ...app,
    httpUrl: `${app.url}/graphql`,
    wsUrl: `${app.url.replace('http', 'ws')}/graphql`,
    stop: disposeLater(SERVER, async () => {
      await app.stop();
      if (pgliteDir) await rm(pgliteDir, { recursive: true, force: true });
    }),
  };
}

/** An empty PGlite directory of its own: a copy of the run's initialised template when there is one. */
async function freshPgliteDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'chat-test-pglite-'));
  const template = process.env.CHAT_TEST_PGLITE_TEMPLATE;
  if (template) await cp(template, dir, { recursive: true });
  return dir;
}

/** Stops every server still running (disposal.ts does it after the file anyway). */
export const stopAllServers = (): Promise<void> => disposeOpened({ kind: SERVER });
