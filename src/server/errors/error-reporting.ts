// Errors answered outside Yoga's own pipeline (WebSocket operations: a live subscription's refusal,
// an event whose fields failed, a query's or mutation's errors) get what Yoga's plugins do to every
// other error: counted by code, logged when unexpected, masked.
import type { GraphQLError } from 'graphql';
import type { Logger } from 'pino';
import type { Metrics } from '../../metrics/metrics.ts';
import { countErrors } from '../../metrics/use-metrics.ts';
import { isUnexpected, originalOf, type MaskError } from './graphql-errors.ts';

/**
 * What becomes of errors answered outside Yoga's pipeline before clients see them (masking, logging,
 * counting); `origin` names the phase and operation in the log.
 */
export type FinishErrors = (errors: readonly GraphQLError[], origin?: { phase: string; requestId?: string }) => readonly GraphQLError[];

/** Logs the errors no resolver meant (not a domain or GraphQL error), with what they were doing. */
export function logUnexpected(logger: Logger, errors: readonly unknown[], phase: string, requestId?: string): void {
  for (const error of errors) {
    if (isUnexpected(error)) logger.error({ err: originalOf(error), requestId, phase }, 'operation failed');
  }
}

export function createFinishErrors(options: { maskError: MaskError; logger: Logger; metrics: Metrics }): FinishErrors {
  return (errors, origin = { phase: 'subscribe' }) => {
    countErrors(options.metrics, errors);
    logUnexpected(options.logger, errors, origin.phase, origin.requestId);
    return errors.map((error) => options.maskError(error, 'Unexpected error.') as GraphQLError);
  };
}
