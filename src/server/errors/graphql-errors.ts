// How errors reach clients: domain errors keep their code and message; GraphQL's and Yoga's own
// refusals (body, parse, validation, variables) become BAD_USER_INPUT; anything else is INTERNAL_SERVER_ERROR,
// its message masked in production (but saying so when the database cannot be reached).
import { GraphQLError } from 'graphql';
import { isDatabaseUnavailable } from '../../db/connection-errors.ts';
import { DomainError, isErrorCode, type ErrorCode } from '../../errors.ts';

const HTTP_STATUS: Partial<Record<ErrorCode, number>> = { UNAUTHENTICATED: 401 };


export function toGraphQLError(error: DomainError, source?: GraphQLError): GraphQLError {
  const status = HTTP_STATUS[error.code];
  return new GraphQLError(error.message, {
    nodes: source?.nodes,
    source: source?.source,
    positions: source?.positions,
    path: source?.path,
    originalError: undefined,
    extensions: {
      code: error.code,
      ...error.details,
      ...(status ? { http: { status, headers: { 'www-authenticate': 'Bearer' } } } : {}),
    },
  });
}

/** The innermost cause of a GraphQL error: what a resolver or plugin threw. */
export function originalOf(error: unknown): unknown {
  let current = error;
  while (current instanceof GraphQLError && current.originalError) current = current.originalError;
  return current;
}

/**
 * The code a client is answered with for `error`, before masking: a domain error's own; for GraphQL's
 * and Yoga's refusals, the first contract code on the outer or inner error, else BAD_USER_INPUT (Yoga's
 * own codes, BAD_REQUEST ..., name a client's fault); for anything else INTERNAL_SERVER_ERROR.
 */
export function answeredCode(error: unknown): ErrorCode {
  const original = originalOf(error);
  if (original instanceof DomainError) return original.code;
  if (original instanceof GraphQLError) {
    const outer = error instanceof GraphQLError ? error : original;
    return [outer, original].map((each) => each.extensions.code).find(isErrorCode) ?? 'BAD_USER_INPUT';
  }
  return 'INTERNAL_SERVER_ERROR';
}

export function isUnexpected(error: unknown): boolean {
  const original = originalOf(error);
  return !(original instanceof DomainError) && !(original instanceof GraphQLError);
}

export type MaskError = (error: unknown, message: string) => Error;

export function createMaskError(production: boolean): MaskError {
  return (error: unknown, message: string): Error => {
    const original = originalOf(error);
    const source = error instanceof GraphQLError ? error : undefined;
    if (original instanceof DomainError) return toGraphQLError(original, source);
    if (original instanceof GraphQLError) {
      // GraphQL's and Yoga's own refusals. The outermost error is the one to answer: it names the
      // variable at fault and carries the HTTP status (400) of a request refused before it ran.
      const outer = source ?? original;
      const code = answeredCode(error);
      if (outer.extensions.code === code) return outer;
      return new GraphQLError(outer.message, {
        nodes: outer.nodes,
        source: outer.source,
        positions: outer.positions,
        path: outer.path,
        extensions: { ...original.extensions, ...outer.extensions, code },
      });
    }
    if (isDatabaseUnavailable(original)) {
      return new GraphQLError('The database cannot be reached right now; try again shortly.', {
        nodes: source?.nodes,
        positions: source?.positions,
        path: source?.path,
        extensions: { code: 'INTERNAL_SERVER_ERROR', http: { status: 503 } },
      });
    }
    return new GraphQLError(production ? message : `${message} ${(original as Error)?.message ?? ''}`.trim(), {
      nodes: source?.nodes,
      positions: source?.positions,
      path: source?.path,
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
  };
}
