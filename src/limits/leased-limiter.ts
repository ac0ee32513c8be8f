// Rate limits counted in a shared store (Redis), taken in leases: a round trip takes as many tokens
// from the subject's shared bucket as the subject has been spending here, and this instance hands them
// out until they are spent or the lease ends. The tokens of an ended lease go back to the bucket with
// the next round trip. A busy sender then costs a round trip a second rather than one per action,
// and no instance ever admits more than the shared bucket gave it. A subject still acting in the last
// quarter of its lease gets the next one ahead, in the background, so that a steady sender never
// waits for the store: what is left of the running lease moves into the next.
import type { RateLimit } from '../config.ts';
import type { RateDecision, RateLimiter } from './rate-limiter.ts';

/** How long an instance may hold tokens it took; unused ones then go back. */
export const LEASE_MS = 1_000;
/** Buckets idle this long are forgotten here; any tokens they held went back to refilling in the store. */
const FORGET_AFTER_MS = 10 * 60_000;

export interface TokenStore {
  /**
   * Puts `giveBack` unused tokens back in the bucket (never above its burst), then takes up to `want`
   * (at least one). Answers how many were granted; with none, when the next one is due.
   */
  lease(key: string, limit: RateLimit, want: number, giveBack: number): Promise<{ granted: number; retryAfterMs: number }>;
}

/** What this instance holds of one bucket. */
interface Lease {
  tokens: number;
  /** What the lease began with: granted, plus what a lease taken ahead kept of the one before. */
  granted: number;
  endsAt: number;
  /** After a refusal: until then, actions are refused here without asking the store (0: none). */
  refusedUntil: number;
}

/**
 * The most one lease may take: a tenth of the burst, so that tokens idle on one instance never hold
 * back much of a user's burst on another. Limits with a burst under 10 are leased one token at a time,
 * exactly as if every action asked the store.
 */
function leaseCap(limit: RateLimit): number {
  return Math.max(1, Math.floor(limit.burst / 10));
}

/** The size of the next lease, from how the last one went: doubled if spent before its end, else what was used of it. */
function nextWant(previous: Lease | undefined, nowMs: number, limit: RateLimit): number {
  if (!previous || previous.granted === 0) return 1;
  const spentInTime = previous.tokens < 1 && nowMs < previous.endsAt;
  const wanted = spentInTime ? previous.granted * 2 : previous.granted - Math.floor(previous.tokens);
  return Math.min(leaseCap(limit), Math.max(1, wanted));
}

/** A lease still running with tokens left, in its last quarter: the next one is taken ahead. */
function endingSoon(lease: Lease, nowMs: number): boolean {
  return lease.tokens >= 1 && nowMs < lease.endsAt && lease.endsAt - nowMs < LEASE_MS / 4;
}

/**
 * The size of a lease taken ahead: a quarter more than the running one is used at per lease (so that
 * an uneven pace does not spend it early), less what it still holds, which it keeps.
 */
function aheadWant(running: Lease, nowMs: number, limit: RateLimit): number {
  const elapsed = Math.max(1, nowMs - (running.endsAt - LEASE_MS));
  const used = running.granted - Math.floor(running.tokens);
  const perLease = Math.ceil((used * LEASE_MS * 1.25) / elapsed);
  return Math.min(leaseCap(limit), Math.max(1, perLease - Math.floor(running.tokens)));
}

export function createLeasedRateLimiter(store: TokenStore, now: () => number = Date.now): RateLimiter {
  const leases = new Map<string, Lease>();
  /** One round trip per bucket at a time; concurrent actions wait for it and share what it brings. */
  const renewing = new Map<string, Promise<void>>();
  let lastSweep = now();

  const renew = async (key: string, limit: RateLimit): Promise<void> => {
    const nowMs = now();
    const previous = leases.get(key);
    // Taken ahead: the running lease's tokens stay here (in the next lease), none go back yet.
    const ahead = previous !== undefined && endingSoon(previous, nowMs);
    const unused = previous && !ahead && previous.endsAt <= nowMs ? Math.floor(previous.tokens) : 0;
    const want = ahead ? aheadWant(previous, nowMs, limit) : nextWant(previous, nowMs, limit);
    const { granted, retryAfterMs } = await store.lease(key, limit, want, unused);
    const at = now();
    // What the running lease still holds now that the answer is here (actions went on meanwhile).
    const kept = ahead ? Math.max(0, leases.get(key)?.tokens ?? 0) : 0;
    const size = kept + granted;
    leases.set(key, {
      tokens: size,
      granted: size || (previous?.granted ?? 0),
      endsAt: at + LEASE_MS,
      refusedUntil: granted > 0 ? 0 : at + retryAfterMs,
    });
  };

  const sweep = (nowMs: number) => {
    if (nowMs - lastSweep < FORGET_AFTER_MS) return;
    for (const [key, lease] of leases) if (nowMs - lease.endsAt > FORGET_AFTER_MS) leases.delete(key);
    lastSweep = nowMs;
  };

  /** One round trip per bucket at a time; `renewing` holds it for the actions that wait on it. */
  const startRenewal = (key: string, limit: RateLimit, nowMs: number): Promise<void> => {
    let pending = renewing.get(key);
    if (!pending) {
      pending = renew(key, limit).finally(() => renewing.delete(key));
      renewing.set(key, pending);
      sweep(nowMs);
    }
    return pending;
  };

  return {
    async take(name, subject, limit): Promise<RateDecision> {
      const key = `${name}:${subject}`;
      // Each round finds a token, or a refusal still running, or waits for the bucket's round trip,
      // which brings tokens (perhaps taken by the actions that waited with this one) or a refusal.
      for (;;) {
        const nowMs = now();
        const lease = leases.get(key);
        if (lease && lease.tokens >= 1 && nowMs < lease.endsAt) {
          lease.tokens -= 1;
          // Nobody waits on a renewal taken ahead; if it fails, the next action past the end asks again.
          if (endingSoon(lease, nowMs) && !renewing.has(key)) startRenewal(key, limit, nowMs).catch(() => undefined);
          return { allowed: true, retryAfterMs: 0 };
        }
        if (lease && nowMs < lease.refusedUntil) return { allowed: false, retryAfterMs: Math.ceil(lease.refusedUntil - nowMs) };
        await startRenewal(key, limit, nowMs);
      }
    },
    async stop() {
      leases.clear();
    },
  };
}
