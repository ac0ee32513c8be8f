// How errors reach clients: domain errors keep their code and message; GraphQL's own refusals
// (parse, validation, variables) become BAD_USER_INPUT; anything else is INTERNAL_SERVER_ERROR,
// its message masked in production.
import { GraphQLError } from 'graphql';
import { DomainError, type ErrorCode } from '../errors.ts';

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

export function isUnexpected(error: unknown): boolean {
  const original = originalOf(error);
  return !(original instanceof DomainError) && !(original instanceof GraphQLError);
}

export function createMaskError(production: boolean) {
  return (error: unknown, message: string): Error => {
    const original = originalOf(error);
    const source = error instanceof GraphQLError ? error : undefined;
    if (original instanceof DomainError) return toGraphQLError(original, source);
    if (original instanceof GraphQLError) {
      if (original.extensions.code) return original;
      return new GraphQLError(original.message, {
        nodes: original.nodes,
        source: original.source,
        positions: original.positions,
        path: original.path,
        extensions: { ...original.extensions, code: 'BAD_USER_INPUT' },
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
