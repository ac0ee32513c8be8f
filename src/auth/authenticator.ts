// From a token to the viewer of an operation: verify, name (token, else profile), and keep the
// users table current. An instance skips the write when it wrote the same name in the last minute.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Config } from '../config.ts';
import { ensureUsers, upsertUser, usersByIds } from '../db/users-store.ts';
import { Unauthenticated } from '../errors.ts';
import { identityFromClaims, type Identity } from './identity.ts';
import { createProfileLookup } from './profile-lookup.ts';
import { createTokenVerifier } from './token-verifier.ts';

export type Authenticate = (token: string | undefined) => Promise<Identity>;

/** Short, so that a name another instance wrote meanwhile is corrected within a minute. */
const WRITTEN_NAME_MS = 60_000;

export async function createAuthenticator(
  config: Config,
  entityManager: () => EntityManager,
  onProfileError: (error: unknown, userId: string) => void,
): Promise<Authenticate> {
  const verify = await createTokenVerifier(config.jwt);
  const lookupProfile = config.authProfileUrl ? createProfileLookup(config.authProfileUrl, onProfileError) : undefined;
  const writtenNames = new Map<string, { name: string | null; until: number }>();
  return async (token) => {
    if (!token) throw new Unauthenticated('A token is required: Authorization: Bearer <jwt>');
    const identity = identityFromClaims(await verify(token));
    if (identity.name === null && lookupProfile) {
      const profileName = await lookupProfile(identity.id);
      if (profileName === undefined) {
        // The profile service is failing: keep (and use) the name already stored, if any.
        const em = entityManager();
        await ensureUsers(em, [identity.id]);
        identity.name = (await usersByIds(em, [identity.id])).get(identity.id)?.name ?? null;
        return identity;
      }
      identity.name = profileName;
    }
    const written = writtenNames.get(identity.id);
    if (!written || written.name !== identity.name || written.until < Date.now()) {
      await upsertUser(entityManager(), { id: identity.id, name: identity.name });
      if (writtenNames.size > 50_000) writtenNames.clear();
      writtenNames.set(identity.id, { name: identity.name, until: Date.now() + WRITTEN_NAME_MS });
    }
    return identity;
  };
}
