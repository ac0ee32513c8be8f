// From a token to the viewer of an operation: verify, name (token, else profile), and keep the
// users table current. Writes only when a user's name changed since this instance last wrote it.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Config } from '../config.ts';
import { upsertUser } from '../db/users-store.ts';
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
  const writtenNames = new Map<string, string | null>();
  return async (token) => {
    if (!token) throw new Unauthenticated('A token is required: Authorization: Bearer <jwt>');
    const identity = identityFromClaims(await verify(token));
    if (identity.name === null && lookupProfile) identity.name = await lookupProfile(identity.id);
    if (writtenNames.get(identity.id) !== identity.name) {
      await upsertUser(entityManager(), { id: identity.id, name: identity.name });
      if (writtenNames.size > 50_000) writtenNames.clear();
      writtenNames.set(identity.id, identity.name);
    }
    return identity;
  };
}
