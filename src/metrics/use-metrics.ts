// GET /metrics in Prometheus's text format, and a count of every GraphQL error answered, by code.
import { useErrorHandler, type Plugin } from 'graphql-yoga';
import { answeredCode } from '../server/errors/graphql-errors.ts';
import type { Metrics } from './metrics.ts';

/** Counts errors answered, by the code the client gets. */
export function countErrors(metrics: Metrics, errors: readonly unknown[]): void {
  for (const error of errors) metrics.operationErrors.inc({ code: answeredCode(error) });
}

export function useMetrics(metrics: Metrics): Plugin {
  return {
    onPluginInit({ addPlugin }) {
      addPlugin(useErrorHandler(({ errors }) => countErrors(metrics, errors)));
    },
    async onRequest({ url, endResponse, fetchAPI }) {
      if (url.pathname !== '/metrics') return;
      endResponse(
        new fetchAPI.Response(await metrics.registry.metrics(), {
          headers: { 'content-type': metrics.registry.contentType, 'cache-control': 'no-store' },
        }),
      );
    },
  };
}
