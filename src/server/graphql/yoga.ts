// The GraphQL engine: Yoga over the Pothos schema, with error masking, error logging, query limits and /health.
//
// Adding a plugin? HTTP operations run through every envelop hook. WebSocket operations pass through
// onParse and onValidate only: their context is built and they execute outside envelop
// (ws-execution.ts, ws-live-delivery.ts), measured and kept for speed (README, Performance). A plugin
// with onContextBuilding, onExecute or onSubscribe would silently skip sockets, so the start is
// refused (socket-blind-hooks.ts) unless the plugin is in `handledOnBothPaths` below, which only a
// plugin whose work the socket path also does may join.
import { createYoga, useErrorHandler } from 'graphql-yoga';
import type { Logger } from 'pino';
import type { Config, Limits } from '../../config.ts';
import type { OperationContext } from '../../context.ts';
import type { Metrics } from '../../metrics/metrics.ts';
import { useMetrics } from '../../metrics/use-metrics.ts';
import { schema } from '../../schema/index.ts';
import type { InitialContext } from './context-factory.ts';
import type { MaskError } from '../errors/graphql-errors.ts';
import { useContractErrorCodes } from '../errors/use-error-codes.ts';
import { useDemoPage } from '../http/use-demo-page.ts';
import { useDevTokens } from '../http/use-dev-tokens.ts';
import { logUnexpected } from '../errors/error-reporting.ts';
import { useCompiledExecution } from './use-compiled-execution.ts';
import { LIVENESS_ENDPOINT, useHealth, type HealthChecks } from '../http/health.ts';
import { useQueryLimits } from '../../limits/use-query-limits.ts';
import { useSchemaPrivacy } from './use-schema-privacy.ts';
import { refuseSocketBlindPlugins } from './socket-blind-hooks.ts';

const EXAMPLE_OPERATION = `# Set the Authorization header below ("Headers" tab):
#   { "Authorization": "Bearer <token from: npm run token -- alice Alice>" }

query MyRooms {
  me { id name }
  rooms(first: 10) {
    edges { node { id kind title members { id name } lastMessage { seq senderName content createdAt } } }
  }
}
`;

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
  const compiledExecution = useCompiledExecution(logger);
  /** Counts errors by code; sockets count theirs in finishErrors (error-reporting.ts). */
  const metrics = useMetrics(options.metrics);
  /** Logs unexpected errors; sockets log theirs in finishErrors (error-reporting.ts). */
  const errorLogging = useErrorHandler(({ errors, context, phase }) =>
    logUnexpected(logger, errors, phase, (context as Partial<OperationContext>).requestId),
  );
  const handledOnBothPaths = new Set<object>([compiledExecution, metrics, errorLogging]);
  return createYoga<InitialContext, OperationContext>({
    schema,
    context: options.context,
    graphqlEndpoint: '/graphql',
    healthCheckEndpoint: LIVENESS_ENDPOINT,
    landingPage: false,
    // GraphiQL runs subscriptions as server-sent events, which carry the Authorization header it shows.
    graphiql: production ? false : { title: 'Chat API', defaultQuery: EXAMPLE_OPERATION },
    maskedErrors: { maskError: options.maskError },
    logging: {
      debug: (...args) => logger.debug(args),
      info: (...args) => logger.info(args),
      warn: (...args) => logger.warn(args),
      error: (...args) => logger.error(args),
    },
    plugins: refuseSocketBlindPlugins(
      [
        useHealth(options.health),
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
