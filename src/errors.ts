// Domain errors, each with the `extensions.code` of docs/contract/CONTRACT.md. Resolvers throw these; the server
// passes them to clients as they are and masks every other error.

/** Every code a client may be answered with: the one list, from which the type and the checks derive. */
export const ERROR_CODES = ['UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'BAD_USER_INPUT', 'RATE_LIMITED', 'INTERNAL_SERVER_ERROR'] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export const isErrorCode = (code: unknown): code is ErrorCode => (ERROR_CODES as readonly unknown[]).includes(code);

export abstract class DomainError extends Error {
  abstract readonly code: ErrorCode;
  /** Extra `extensions` fields a client may act on (e.g. retryAfterMs). */
  readonly details: Record<string, unknown> = {};
}

export class Unauthenticated extends DomainError {
  readonly code = 'UNAUTHENTICATED';
}

export class Forbidden extends DomainError {
  readonly code = 'FORBIDDEN';
}

export class NotFound extends DomainError {
  readonly code = 'NOT_FOUND';
}

export class BadInput extends DomainError {
  readonly code = 'BAD_USER_INPUT';
  constructor(message: string, argument?: string) {
    super(message);
    if (argument) this.details.argument = argument;
  }
}

export class RateLimited extends DomainError {
  readonly code = 'RATE_LIMITED';
  constructor(message: string, retryAfterMs: number) {
    super(message);
    this.details.retryAfterMs = retryAfterMs;
  }
}
