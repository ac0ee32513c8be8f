// What the process prints on start: where GraphiQL is, which mode it runs in, how to get a token.
import type { Config } from '../config.ts';

export function describeStart(config: Config, url: string): string {
  const database = config.databaseUrl ? 'PostgreSQL (DATABASE_URL)' : `embedded PGlite in ${config.pgliteDir}`;
  const pubsub = config.redisUrl ? 'Redis (REDIS_URL)' : 'in-process (one instance)';
  const lines = [
    `Chat API listening on ${url}/graphql (HTTP and WebSocket graphql-transport-ws)`,
    config.production ? '  GraphiQL: off in production' : `  GraphiQL: open ${url}/graphql in a browser (served from here; no internet needed)`,
    ...(config.production ? [] : [`  demo:     open ${url}/ (a small browser chat; pick any user id)`]),
    `  database: ${database}`,
    `  pub-sub:  ${pubsub}`,
    `  health:   ${url}/health`,
  ];
  if (config.jwt.key.kind === 'secret' && config.jwt.key.development) {
    lines.push(
      '  auth:     DEVELOPMENT MODE, tokens signed with the built-in development secret (never in production)',
      '  token:    npm run -s token -- alice Alice   then send   Authorization: Bearer <token>',
    );
  }
  return lines.join('\n');
}
