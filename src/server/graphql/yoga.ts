// The GraphQL engine: Yoga over the Pothos schema, with error masking, error logging, query limits and /health.
//
// Adding a plugin? HTTP operations run through every envelop hook. WebSocket operations pass through
// onParse and onValidate only: their context is built and they execute outside envelop
// (ws-execution.ts, ws-live-delivery.ts), measured and kept for speed (README, Performance). A plugin
// with onContextBuilding, onExecute or onSubscribe would silently skip sockets, so the start is
// refused (socket-blind-hooks.ts) unless the plugin is in `handledOnBothPaths` below, which only a
// plugin whose work the socket path also does may join.
import { randomUUID } from 'node:crypto';
import { createYoga, useErrorHandler } from 'graphql-yoga';
import type { Logger } from 'pino';
import type { Config, Limits } from '../../config.ts';
import type { OperationContext } from '../../context.ts';
import type { Metrics } from '../../metrics/metrics.ts';
import { useMetrics } from '../../metrics/use-metrics.ts';
import { schema } from '../../schema/index.ts';
import { requestIdOf, type InitialContext } from './context-factory.ts';
import type { MaskError } from '../errors/graphql-errors.ts';
import { useContractErrorCodes } from '../errors/use-error-codes.ts';
import { useDemoPage } from '../http/use-demo-page.ts';
import { useFavicon } from '../http/use-favicon.ts';
import { useDevTokens } from '../http/use-dev-tokens.ts';
import { logUnexpected, yogaLogging } from '../errors/error-reporting.ts';
import { CompiledOperations } from './compiled-operations.ts';
import { useCompiledExecution } from './use-compiled-execution.ts';
import { createGraphiQLRenderer, GRAPHIQL_OPTIONS } from './graphiql.ts';
import { LIVENESS_ENDPOINT, useHealth, type HealthChecks } from '../http/health.ts';
import { useQueryLimits } from '../../limits/use-query-limits.ts';
import { useSchemaPrivacy } from './use-schema-privacy.ts';
import { refuseSocketBlindPlugins } from './socket-blind-hooks.ts';

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
  maskError: MaskError;
  context: (initial: InitialContext) => Promise<OperationContext>;
  health: HealthChecks;
  metrics: Metrics;
  jwt: Config['jwt'];
}) {
  const { production, logger } = options;
  // Plugins that hook execution, each with what does its work for sockets.
  /** Sockets run compiled too (ws-execution.ts, ws-shared-results.ts through compiled-operations.ts). */
  const compiledExecution = useCompiledExecution(logger, new CompiledOperations(schema));
  /** Counts errors by code; sockets count theirs in finishErrors (error-reporting.ts). */
  const metrics = useMetrics(options.metrics);
  /** Logs unexpected errors; sockets log theirs in finishErrors (error-reporting.ts). */
  const errorLogging = useErrorHandler(({ errors, context, phase }) =>
    logUnexpected(logger, errors, phase, requestIdFor(context)),
  );
  const handledOnBothPaths = new Set<object>([compiledExecution, metrics, errorLogging]);
  return createYoga<InitialContext, OperationContext>({
    schema,
    context: options.context,
    graphqlEndpoint: '/graphql',
    healthCheckEndpoint: LIVENESS_ENDPOINT,
    landingPage: false,
    // GraphiQL runs subscriptions as server-sent events, which carry the Authorization header it shows.
    graphiql: production ? false : GRAPHIQL_OPTIONS,
    renderGraphiQL: createGraphiQLRenderer(),
    maskedErrors: { maskError: options.maskError },
    logging: yogaLogging(logger),
    plugins: refuseSocketBlindPlugins(
      [
        useHealth(options.health),
        useFavicon(),
        useDemoPage({ production }),
        useDevTokens({ production, jwt: options.jwt }),
        metrics,
        useContractErrorCodes(),
        useSchemaPrivacy({ introspection: options.introspection, suggestions: !production }),
        useQueryLimits(options.queryLimits),
        compiledExecution,
        errorLogging,
      ],
      handledOnBothPaths,
    ),
  });
}

export type YogaServer = ReturnType<typeof createYogaServer>;
