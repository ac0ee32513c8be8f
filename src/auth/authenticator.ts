// From a token to the viewer of an operation: verify, name (token, else profile), and keep the
// users table current. The upsert writes only when the name changed, and it also brings back the
// row of a user an operator deleted, so a valid token always has its user.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Config } from '../config.ts';
import { ensureUsers, upsertUser, usersByIds } from '../db/users-store.ts';
import { Unauthenticated } from '../errors.ts';
import { identityFromClaims, type Identity } from './identity.ts';
import { createProfileLookup } from './profile-lookup.ts';
import { createTokenVerifier } from './token-verifier.ts';

export type Authenticate = (token: string | undefined) => Promise<Identity>;

export async function createAuthenticator(
  config: Config,
  entityManager: () => EntityManager,
  onProfileError: (error: unknown, userId: string) => void,
): Promise<Authenticate> {
  const verify = await createTokenVerifier(config.jwt);
  const lookupProfile = config.authProfileUrl ? createProfileLookup(config.authProfileUrl, onProfileError) : undefined;
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
    await upsertUser(entityManager(), { id: identity.id, name: identity.name });
    return identity;
  };
}
