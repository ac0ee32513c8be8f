// GET /metrics in Prometheus's text format, and a count of every GraphQL error answered, by code.
import { useErrorHandler, type Plugin } from 'graphql-yoga';
import { GraphQLError } from 'graphql';
import { DomainError } from '../errors.ts';
import { originalOf } from '../server/errors/graphql-errors.ts';
import type { Metrics } from './metrics.ts';

/** The code the client is answered with (see server/errors/graphql-errors.ts), from the error before masking. */
function codeOf(error: unknown): string {
  const original = originalOf(error);
  if (original instanceof DomainError) return original.code;
  if (original instanceof GraphQLError) {
    const code = original.extensions.code;
    return code === 'UNAUTHENTICATED' || code === 'INTERNAL_SERVER_ERROR' ? code : 'BAD_USER_INPUT';
  }
  return 'INTERNAL_SERVER_ERROR';
}

/** Counts errors answered, by the code the client gets. */
export function countErrors(metrics: Metrics, errors: readonly unknown[]): void {
  for (const error of errors) metrics.operationErrors.inc({ code: codeOf(error) });
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
