// The GraphQL engine: Yoga over the Pothos schema, with error masking, error logging, query limits and /health.
import type { GraphQLError } from 'graphql';
import { createYoga, useErrorHandler } from 'graphql-yoga';
import type { Logger } from 'pino';
import type { Config, Limits } from '../config.ts';
import type { OperationContext } from '../context.ts';
import type { Metrics } from '../metrics/metrics.ts';
import { countErrors, useMetrics } from '../metrics/use-metrics.ts';
import { schema } from '../schema/index.ts';
import type { InitialContext } from './context-factory.ts';
import { createMaskError, isUnexpected, originalOf } from './graphql-errors.ts';
import { useContractErrorCodes } from './use-error-codes.ts';
import { useDemoPage } from './use-demo-page.ts';
import { useDevTokens } from './use-dev-tokens.ts';
import { useLiveDelivery } from './live-delivery.ts';
import { useHealth, type HealthChecks } from './use-health.ts';
import { useQueryLimits } from './use-query-limits.ts';
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
}) {
  const { production, logger } = options;
  const maskError = createMaskError(production);
  const logUnexpected = (errors: readonly unknown[], phase: string, requestId?: string) => {
    for (const error of errors) {
      if (isUnexpected(error)) logger.error({ err: originalOf(error), requestId, phase }, 'operation failed');
    }
  };
  return createYoga<InitialContext, OperationContext>({
    schema,
    context: options.context,
    graphqlEndpoint: '/graphql',
    healthCheckEndpoint: '/yoga-health',
    landingPage: false,
    // GraphiQL runs subscriptions as server-sent events, which carry the Authorization header it shows.
    graphiql: production ? false : { title: 'Chat API', defaultQuery: EXAMPLE_OPERATION },
    maskedErrors: { maskError },
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
      useErrorHandler(({ errors, context, phase }) => logUnexpected(errors, phase, (context as Partial<OperationContext>).requestId)),
      // A live event's errors (a field that failed to resolve) are shared by its subscribers: answered once, masked.
      useLiveDelivery({
        finishErrors: (errors) => {
          countErrors(options.metrics, errors);
          logUnexpected(errors, 'subscription event');
          return errors.map((error) => maskError(error, 'Unexpected error.') as GraphQLError);
        },
      }),
    ],
  });
}

export type YogaServer = ReturnType<typeof createYogaServer>;
