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

/** Unexpected errors logged with their request id, which Yoga's own log line must not repeat. */
const loggedWithRequestId = new WeakSet<object>();

/** Logs the errors no resolver meant (not a domain or GraphQL error), with what they were doing. */
export function logUnexpected(logger: Logger, errors: readonly unknown[], phase: string, requestId?: string): void {
  for (const error of errors) {
    if (!isUnexpected(error)) continue;
    const original = originalOf(error);
    logger.error({ err: original, requestId, phase }, 'operation failed');
    if (typeof original === 'object' && original !== null) loggedWithRequestId.add(original);
  }
}

/**
 * Yoga's own log lines. Yoga logs at error level every error its masking replaced: here every domain
 * error (a refusal the client caused, answered and counted, not a fault of the service's) and every
 * unexpected one, which logUnexpected has already logged with its request id. What is left is an
 * error outside any operation (a plugin's request handling), logged as Yoga reports it.
 */
export function yogaLogging(logger: Logger) {
  const alreadyTold = (arg: unknown) =>
    arg instanceof Error && (!isUnexpected(arg) || loggedWithRequestId.has(originalOf(arg) as object));
  return {
    debug: (...args: unknown[]) => logger.debug(args),
    info: (...args: unknown[]) => logger.info(args),
    warn: (...args: unknown[]) => logger.warn(args),
    error: (...args: unknown[]) => {
      if (!args.every(alreadyTold)) logger.error(args.length === 1 && args[0] instanceof Error ? { err: args[0] } : args);
    },
  };
}

export function createFinishErrors(options: { maskError: MaskError; logger: Logger; metrics: Metrics }): FinishErrors {
  return (errors, origin = { phase: 'subscribe' }) => {
    countErrors(options.metrics, errors);
    logUnexpected(options.logger, errors, origin.phase, origin.requestId);
    return errors.map((error) => options.maskError(error, 'Unexpected error.') as GraphQLError);
  };
}
