// The GraphQL engine: Yoga over the Pothos schema, with error masking, error logging, query limits and /health.
import { randomUUID } from 'node:crypto';
import { createYoga, useErrorHandler } from 'graphql-yoga';
import type { Logger } from 'pino';
import type { Config, Limits } from '../../config.ts';
import type { OperationContext } from '../../context.ts';
import type { Metrics } from '../../metrics/metrics.ts';
import { useMetrics } from '../../metrics/use-metrics.ts';
import { schema } from '../../schema/index.ts';
import { requestIdOf, type InitialContext } from './context-factory.ts';
import { createMaskError } from '../errors/graphql-errors.ts';
import { useContractErrorCodes } from '../errors/use-error-codes.ts';
import { useDemoPage } from '../http/use-demo-page.ts';
import { useFavicon } from '../http/use-favicon.ts';
import { useDevTokens } from '../http/use-dev-tokens.ts';
import { logUnexpected, yogaLogging } from '../errors/error-reporting.ts';
import { CompiledOperations } from './compiled-operations.ts';
import { useCompiledExecution } from './use-compiled-execution.ts';
import { createGraphiQLRenderer, GRAPHIQL_OPTIONS } from './graphiql.ts';
import { useHealth, type HealthChecks } from '../http/use-health.ts';
import { useQueryLimits } from '../../limits/use-query-limits.ts';
import { useSchemaPrivacy } from './use-schema-privacy.ts';

/**
 * The request id of the operation an error handler is told about. In the execution phase envelop's
 * useErrorHandler (5.x) passes the execution arguments as "context", the context being their
 * `contextValue`; in the context phase there is only Yoga's initial context, with the request, and
 * the id is the client's or a new one.
 */
function requestIdFor(context: unknown): string {
  const operation = ((context as { contextValue?: unknown }).contextValue ?? context) as Partial<OperationContext> & InitialContext;
  return operation.requestId ?? requestIdOf(operation.request) ?? randomUUID();
}

export function createYogaServer(options: {
  production: boolean;
  introspection: boolean;
  queryLimits: Limits['query'];
  logger: Logger;
  context: (initial: InitialContext) => Promise<OperationContext>;
  health: HealthChecks;
  metrics: Metrics;
  jwt: Config['jwt'];
}) {
  const { production, logger } = options;
  return createYoga<InitialContext, OperationContext>({
    schema,
    context: options.context,
    graphqlEndpoint: '/graphql',
    healthCheckEndpoint: '/yoga-health',
    landingPage: false,
    // GraphiQL runs subscriptions as server-sent events, which carry the Authorization header it shows.
    graphiql: production ? false : GRAPHIQL_OPTIONS,
    renderGraphiQL: createGraphiQLRenderer(),
    maskedErrors: { maskError: createMaskError(production) },
    logging: yogaLogging(logger),
    plugins: [
      useHealth(options.health),
      useFavicon(),
      useDemoPage({ production }),
      useDevTokens({ production, jwt: options.jwt }),
      useMetrics(options.metrics),
      useContractErrorCodes(),
      useSchemaPrivacy({ introspection: options.introspection, suggestions: !production }),
      useQueryLimits(options.queryLimits),
      useCompiledExecution(logger, new CompiledOperations(schema)),
      useErrorHandler(({ errors, context, phase }) => logUnexpected(logger, errors, phase, requestIdFor(context))),
    ],
  });
}

export type YogaServer = ReturnType<typeof createYogaServer>;
