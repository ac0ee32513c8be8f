// Token-bucket rate limits: a bucket per (limit, subject) holds up to `burst` tokens and refills at
// `perSecond`; an action takes one token or is refused with the time until one is back.
import type { RateLimit } from '../config.ts';

export interface RateDecision {
  allowed: boolean;
  /** When refused: milliseconds until a retry can succeed. */
  retryAfterMs: number;
}

export interface RateLimiter {
  /** Takes a token from the bucket `name:subject`, if there is one. */
  take(name: string, subject: string, limit: RateLimit): Promise<RateDecision>;
  stop(): Promise<void>;
}

/** The arithmetic both implementations share: the bucket after `nowMs`, and whether one token was taken. */
export function takeToken(
  bucket: { tokens: number; atMs: number } | undefined,
  limit: RateLimit,
  nowMs: number,
): { bucket: { tokens: number; atMs: number }; decision: RateDecision } {
  const refilled = bucket
    ? Math.min(limit.burst, bucket.tokens + ((nowMs - bucket.atMs) / 1000) * limit.perSecond)
    : limit.burst;
  if (refilled >= 1) {
    return { bucket: { tokens: refilled - 1, atMs: nowMs }, decision: { allowed: true, retryAfterMs: 0 } };
  }
  const retryAfterMs = Math.ceil(((1 - refilled) / limit.perSecond) * 1000);
  return { bucket: { tokens: refilled, atMs: nowMs }, decision: { allowed: false, retryAfterMs } };
}
