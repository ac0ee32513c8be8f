// GET /health, the one health endpoint, answered by Yoga's readiness check (useReadinessCheck): 200
// when the database (and Redis, where configured) answer, 503 naming what is down. Yoga's liveness
// check, which it always serves, answers on the same path as /health?live: 200 while the process
// serves, nothing checked.
import { useReadinessCheck, type Plugin } from 'graphql-yoga';

export const HEALTH_ENDPOINT = '/health';

/** For Yoga's `healthCheckEndpoint`: it answers the URLs that end with this, ahead of every plugin. */
export const LIVENESS_ENDPOINT = `${HEALTH_ENDPOINT}?live`;

export type HealthChecks = Record<string, () => Promise<boolean>>;

export function useHealth(checks: HealthChecks): Plugin {
  return useReadinessCheck({
    endpoint: HEALTH_ENDPOINT,
    async check({ fetchAPI }) {
      const names = Object.keys(checks);
      const results = await Promise.all(names.map((name) => checks[name]!().catch(() => false)));
      const status = Object.fromEntries(names.map((name, index) => [name, results[index] ? 'up' : 'down']));
      const healthy = results.every(Boolean);
      return new fetchAPI.Response(JSON.stringify({ status: healthy ? 'ok' : 'unavailable', checks: status }), {
        status: healthy ? 200 : 503,
        headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
      });
    },
  });
}
