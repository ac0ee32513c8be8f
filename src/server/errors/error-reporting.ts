// Errors answered outside Yoga's own pipeline (WebSocket operations: a live subscription's refusal,
// an event whose fields failed, a query's or mutation's errors) get what Yoga's plugins do to every
// other error: counted by code, logged when unexpected, masked.
import type { GraphQLError } from 'graphql';
import type { Logger } from 'pino';
import type { Metrics } from '../../metrics/metrics.ts';
import { countErrors } from '../../metrics/use-metrics.ts';
import { createMaskError, isUnexpected, originalOf } from './graphql-errors.ts';
import type { ErrorOrigin, FinishErrors } from '../ws/ws-shared-results.ts';

/** Logs the errors no resolver meant (not a domain or GraphQL error), with what they were doing. */
export function logUnexpected(logger: Logger, errors: readonly unknown[], origin: ErrorOrigin): void {
  for (const error of errors) {
    if (isUnexpected(error)) logger.error({ err: originalOf(error), ...origin }, 'operation failed');
  }
}

export function createFinishErrors(options: { production: boolean; logger: Logger; metrics: Metrics }): FinishErrors {
  const maskError = createMaskError(options.production);
  return (errors, origin = { phase: 'subscribe' }) => {
    countErrors(options.metrics, errors);
    logUnexpected(options.logger, errors, origin);
    return errors.map((error) => maskError(error, 'Unexpected error.') as GraphQLError);
  };
}
