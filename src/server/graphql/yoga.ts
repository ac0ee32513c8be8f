// The GraphQL engine: Yoga over the Pothos schema, with error masking, error logging, query limits and /health.
import { createYoga, useErrorHandler } from 'graphql-yoga';
import type { Logger } from 'pino';
import type { Config, Limits } from '../../config.ts';
import type { OperationContext } from '../../context.ts';
import type { Metrics } from '../../metrics/metrics.ts';
import { useMetrics } from '../../metrics/use-metrics.ts';
import { schema } from '../../schema/index.ts';
import type { InitialContext } from './context-factory.ts';
import { createMaskError } from '../errors/graphql-errors.ts';
import { useContractErrorCodes } from '../errors/use-error-codes.ts';
import { useDemoPage } from '../http/use-demo-page.ts';
import { useDevTokens } from '../http/use-dev-tokens.ts';
import { logUnexpected } from '../errors/error-reporting.ts';
import { useCompiledExecution } from './use-compiled-execution.ts';
import { useHealth, type HealthChecks } from '../http/use-health.ts';
import { useQueryLimits } from '../../limits/use-query-limits.ts';
import type { OperationsInFlight } from '../../limits/operations-in-flight.ts';
import { useOperationsInFlight } from '../../limits/use-operations-in-flight.ts';
import { useSchemaPrivacy } from './use-schema-privacy.ts';

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
  context: (initial: InitialContext) => Promise<OperationContext>;
  health: HealthChecks;
  metrics: Metrics;
  jwt: Config['jwt'];
  inFlight: OperationsInFlight;
}) {
  const { production, logger } = options;
  return createYoga<InitialContext, OperationContext>({
    schema,
    context: options.context,
    graphqlEndpoint: '/graphql',
    healthCheckEndpoint: '/yoga-health',
    landingPage: false,
    // GraphiQL runs subscriptions as server-sent events, which carry the Authorization header it shows.
    graphiql: production ? false : { title: 'Chat API', defaultQuery: EXAMPLE_OPERATION },
    maskedErrors: { maskError: createMaskError(production) },
    logging: {
      debug: (...args) => logger.debug(args),
      info: (...args) => logger.info(args),
      warn: (...args) => logger.warn(args),
      error: (...args) => logger.error(args),
    },
    plugins: [
      useHealth(options.health),
      useDemoPage({ production }),
      useDevTokens({ production, jwt: options.jwt }),
      useMetrics(options.metrics),
      useContractErrorCodes(),
      useSchemaPrivacy({ introspection: options.introspection, suggestions: !production }),
      useQueryLimits(options.queryLimits),
      useOperationsInFlight(options.inFlight),
      useCompiledExecution(logger),
      useErrorHandler(({ errors, context, phase }) => {
        const { requestId, clientAddress } = context as Partial<OperationContext> & InitialContext;
        logUnexpected(logger, errors, { phase, requestId, clientAddress });
      }),
    ],
  });
}

export type YogaServer = ReturnType<typeof createYogaServer>;
