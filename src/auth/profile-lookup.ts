// Names for tokens that carry none: GET AUTH_PROFILE_URL with {id} replaced, read `name` or `username`.
// Answers are kept for a minute so that HTTP requests do not fetch per request. A failed look-up
// answers `undefined` (unknown, not "no name") and is not kept, so an outage erases no stored name.
import { nameFrom } from './identity.ts';

export type ProfileLookup = (userId: string) => Promise<string | null | undefined>;

const CACHE_MS = 60_000;
const TIMEOUT_MS = 3_000;

export function createProfileLookup(template: string, onError: (error: unknown, userId: string) => void): ProfileLookup {
  const cache = new Map<string, { name: string | null; until: number }>();
  return async (userId) => {
    const cached = cache.get(userId);
    if (cached && cached.until > Date.now()) return cached.name;
    let name: string | null;
    try {
      const response = await fetch(template.replaceAll('{id}', encodeURIComponent(userId)), {
        signal: AbortSignal.timeout(TIMEOUT_MS),
        headers: { accept: 'application/json' },
      });
      if (response.status === 404) name = null;
      else if (!response.ok) throw new Error(`profile service answered ${response.status}`);
      else name = nameFrom((await response.json()) as Record<string, unknown>);
    } catch (error) {
      onError(error, userId);
      return undefined;
    }
    if (cache.size > 10_000) cache.clear();
    cache.set(userId, { name, until: Date.now() + CACHE_MS });
    return name;
  };
}
