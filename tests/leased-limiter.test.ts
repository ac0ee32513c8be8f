// Rate limits taken from a shared bucket in leases: fewer round trips, never more than the bucket
// holds, unused tokens given back. The store here is an in-memory bucket with the Redis script's
// arithmetic and a clock the test moves; tests/rate-limits.test.ts drives the real Redis one.
import type { RateLimit } from '../src/config.ts';
import { createLeasedRateLimiter, LEASE_MS, type TokenStore } from '../src/limits/leased-limiter.ts';

class MemoryStore implements TokenStore {
  readonly buckets = new Map<string, { tokens: number; at: number }>();
  calls = 0;
  inFlight = 0;
  mostInFlight = 0;

  readonly #clock: { now: number };

  constructor(clock: { now: number }) {
    this.#clock = clock;
  }

  async lease(key: string, limit: RateLimit, want: number, giveBack: number) {
    this.calls += 1;
    this.mostInFlight = Math.max(this.mostInFlight, ++this.inFlight);
    await new Promise((resolve) => setImmediate(resolve));
    this.inFlight -= 1;
    const now = this.#clock.now;
    const bucket = this.buckets.get(key) ?? { tokens: limit.burst, at: now };
    let tokens = Math.min(limit.burst, bucket.tokens + ((now - bucket.at) / 1000) * limit.perSecond + giveBack);
    let granted = 0;
    let retryAfterMs = 0;
    if (tokens >= 1) {
      granted = Math.min(want, Math.floor(tokens));
      tokens -= granted;
    } else {
      retryAfterMs = Math.ceil(((1 - tokens) / limit.perSecond) * 1000);
    }
    this.buckets.set(key, { tokens, at: now });
    return { granted, retryAfterMs };
  }

  tokensOf(key: string): number | undefined {
    return this.buckets.get(key)?.tokens;
  }

  async stop() {}
}

function setUp() {
  const clock = { now: 1_000_000 };
  const store = new MemoryStore(clock);
  const limiter = () => createLeasedRateLimiter(store, () => clock.now);
  return { clock, store, limiter };
}

async function takeMany(limiter: ReturnType<ReturnType<typeof setUp>['limiter']>, count: number, limit: RateLimit) {
  const decisions = [];
  for (let i = 0; i < count; i++) decisions.push(await limiter.take('send', 'alice', limit));
  return decisions;
}

describe('leased rate limits', () => {
  it('a subject that keeps acting asks the store once per lease, not once per action', async () => {
    const { store, limiter } = setUp();
    const decisions = await takeMany(limiter(), 100, { burst: 600, perSecond: 100 });
    expect(decisions.every((decision) => decision.allowed)).toBe(true);
    // Leases of 1, 2, 4, 8, 16, 32, then 60 (a tenth of the burst).
    expect(store.calls).toBe(7);
    expect(store.tokensOf('send:alice')).toBe(600 - (1 + 2 + 4 + 8 + 16 + 32 + 60));
  });

  it('a limit with a burst under 10 asks the store for every action, one token at a time', async () => {
    const { store, limiter } = setUp();
    const decisions = await takeMany(limiter(), 6, { burst: 5, perSecond: 1 });
    expect(decisions.map((decision) => decision.allowed)).toEqual([true, true, true, true, true, false]);
    expect(store.calls).toBe(6);
  });

  it('two instances on one bucket together admit exactly what it holds, however they interleave', async () => {
    const { store, limiter } = setUp();
    const [a, b] = [limiter(), limiter()];
    const limit = { burst: 40, perSecond: 1 };
    const decisions = [];
    for (let i = 0; i < 60; i++) decisions.push(await (i % 3 === 0 ? b : a).take('send', 'alice', limit));
    expect(decisions.filter((decision) => decision.allowed)).toHaveLength(40);
    expect(store.tokensOf('send:alice')).toBe(0);
  });

  it('the unused tokens of an ended lease go back to the bucket with the next round trip', async () => {
    const { clock, store, limiter } = setUp();
    const limit = { burst: 40, perSecond: 1 };
    const instance = limiter();
    await takeMany(instance, 8, limit); // leases of 1, 2, 4, then 4 (the cap) of which 1 is used
    expect(store.tokensOf('send:alice')).toBe(40 - 11);
    clock.now += LEASE_MS + 1;
    expect((await instance.take('send', 'alice', limit)).allowed).toBe(true);
    // 29, refilled by ~1 over the second, plus the 3 unused, minus the 1 leased now (the one used last time).
    expect(store.tokensOf('send:alice')).toBeCloseTo(29 + (LEASE_MS + 1) / 1000 + 3 - 1, 5);
  });

  it('after a refusal, actions are refused here with the time left until retryAfterMs, then the store is asked again', async () => {
    const { clock, store, limiter } = setUp();
    const limit = { burst: 2, perSecond: 1 };
    const instance = limiter();
    const [first, second, refused] = await takeMany(instance, 3, limit);
    expect([first!.allowed, second!.allowed, refused!.allowed]).toEqual([true, true, false]);
    expect(refused!.retryAfterMs).toBe(1000);
    clock.now += 400;
    const again = await instance.take('send', 'alice', limit);
    expect(again).toEqual({ allowed: false, retryAfterMs: 600 });
    expect(store.calls).toBe(3);
    clock.now += 600;
    expect((await instance.take('send', 'alice', limit)).allowed).toBe(true);
    expect(store.calls).toBe(4);
  });

  it('concurrent actions on one bucket wait for a single round trip at a time, and all of a burst is admitted', async () => {
    const { store, limiter } = setUp();
    const instance = limiter();
    const limit = { burst: 60, perSecond: 10 };
    const decisions = await Promise.all(Array.from({ length: 61 }, () => instance.take('send', 'alice', limit)));
    expect(decisions.filter((decision) => decision.allowed)).toHaveLength(60);
    expect(store.mostInFlight).toBe(1);
    expect(store.calls).toBeLessThan(30);
  });

  it('a subject still acting in the last quarter of its lease gets the next one ahead: no action waits for the store', async () => {
    const { clock, store, limiter } = setUp();
    const instance = limiter();
    const limit = { burst: 600, perSecond: 100 };
    await takeMany(instance, 20, limit); // leases of 1, 2, 4, 8, then 16 of which 5 are used
    expect(store.calls).toBe(5);
    clock.now += LEASE_MS * 0.8;
    const nearTheEnd = await instance.take('send', 'alice', limit);
    // Answered from the running lease while the next one is still being taken.
    expect(nearTheEnd.allowed).toBe(true);
    expect(store.calls).toBe(6);
    expect(store.inFlight).toBe(1);
    await new Promise((resolve) => setImmediate(resolve));
    clock.now += LEASE_MS * 0.3; // past the end of the lease of 16
    const afterTheEnd = await takeMany(instance, 5, limit);
    expect(afterTheEnd.every((decision) => decision.allowed)).toBe(true);
    expect(store.calls).toBe(6);
  });

  it('two instances taking leases ahead never admit more than the bucket held and refilled', async () => {
    const { clock, store, limiter } = setUp();
    const [a, b] = [limiter(), limiter()];
    const limit = { burst: 40, perSecond: 10 };
    let allowed = 0;
    for (let step = 0; step < 300; step++) {
      clock.now += 10;
      const decision = await (step % 3 === 0 ? b : a).take('send', 'alice', limit);
      if (decision.allowed) allowed += 1;
    }
    expect(store.calls).toBeGreaterThan(2);
    expect(allowed).toBeGreaterThan(40);
    expect(allowed).toBeLessThanOrEqual(40 + 10 * 3);
  });

  it('buckets are kept apart by operation and subject', async () => {
    const { store, limiter } = setUp();
    const instance = limiter();
    const limit = { burst: 1, perSecond: 1 };
    expect((await instance.take('send', 'alice', limit)).allowed).toBe(true);
    expect((await instance.take('send', 'alice', limit)).allowed).toBe(false);
    expect((await instance.take('send', 'bob', limit)).allowed).toBe(true);
    expect((await instance.take('typing', 'alice', limit)).allowed).toBe(true);
    expect(store.calls).toBe(4);
  });
});
