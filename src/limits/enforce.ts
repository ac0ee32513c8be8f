// The per-user rate limits of the operations that store or publish (docs/contract/CONTRACT.md, Limits): each call
// takes a token from the viewer's bucket for that operation, or is refused with RATE_LIMITED.
import type { OperationContext } from '../context.ts';
import { RateLimited } from '../errors.ts';

/** The rate-limited operations; each names its bucket and its entry in `config.limits`. */
export type LimitedOperation = 'sendMessage' | 'setTyping' | 'createRoom';

type Caller = Pick<OperationContext, 'viewer' | 'services'>;

/**
 * Takes a token, or answers the refusal (not thrown) for a caller that may still answer without
 * storing anything, as an idempotent retry of a stored send does.
 */
export async function rateLimitRefusal(ctx: Caller, operation: LimitedOperation): Promise<RateLimited | undefined> {
  const { rateLimiter, config } = ctx.services;
  const decision = await rateLimiter.take(operation, ctx.viewer.id, config.limits[operation]);
  if (decision.allowed) return undefined;
  return new RateLimited(`Too many ${operation} calls: retry in ${decision.retryAfterMs} ms`, decision.retryAfterMs);
}

/**
 * Takes a token or throws RateLimited. Call it once the input is valid (bad input stays BAD_USER_INPUT)
 * and before the operation reads, stores or publishes anything, so that a refused flood costs no
 * database or pub-sub work and leaves nothing behind.
 */
export async function enforceRateLimit(ctx: Caller, operation: LimitedOperation): Promise<void> {
  const refusal = await rateLimitRefusal(ctx, operation);
  if (refusal) throw refusal;
}
