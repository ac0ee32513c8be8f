// Process entry: read the config, start, say where things are, stop cleanly on SIGINT/SIGTERM.
import { startApp } from './app.ts';
import { ConfigError, loadConfig } from './config.ts';
import { describeStart } from './server/start-banner.ts';

try {
  const config = loadConfig();
  const app = await startApp(config);
  console.log(describeStart(config, app.url));
  const stop = async (signal: string) => {
    console.log(`${signal}: stopping`);
    const forced = setTimeout(() => process.exit(1), 10_000).unref();
    await app.stop();
    clearTimeout(forced);
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (error) {
  console.error(error instanceof ConfigError ? `Configuration error: ${error.message}` : error);
  process.exit(1);
}
