// GET /health: 200 when the database (and Redis, where configured) answer, 503 naming what is down.
import type { Plugin } from 'graphql-yoga';

export type HealthChecks = Record<string, () => Promise<boolean>>;

export function useHealth(checks: HealthChecks): Plugin {
  return {
    async onRequest({ url, endResponse, fetchAPI }) {
      if (url.pathname !== '/health') return;
      const names = Object.keys(checks);
      const results = await Promise.all(names.map((name) => checks[name]!().catch(() => false)));
      const status = Object.fromEntries(names.map((name, index) => [name, results[index] ? 'up' : 'down']));
      const healthy = results.every(Boolean);
      endResponse(
        new fetchAPI.Response(JSON.stringify({ status: healthy ? 'ok' : 'unavailable', checks: status }), {
          status: healthy ? 200 : 503,
          headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
        }),
      );
    },
  };
}
