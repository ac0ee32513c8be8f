// Tokens for tests: signed with the development secret the test servers use, or crafted to be wrong.
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { DEVELOPMENT_JWT_SECRET } from '../../src/config.ts';

export const developmentKey = new TextEncoder().encode(DEVELOPMENT_JWT_SECRET);

/** A user id no other test uses, so that tests sharing one database never see each other's rooms. */
export const uniqueUserId = (label: string) => `${label}-${randomUUID().slice(0, 8)}`;

export async function tokenFor(
  userId: string,
  options: { name?: string; expiresInSeconds?: number; claims?: Record<string, unknown>; subjectClaim?: 'sub' | 'user_id' } = {},
): Promise<string> {
  const claims: Record<string, unknown> = { ...(options.name ? { name: options.name } : {}), ...options.claims };
  if (options.subjectClaim === 'user_id') claims.user_id = userId;
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt();
  if (options.subjectClaim !== 'user_id') jwt.setSubject(userId);
  jwt.setExpirationTime(Math.floor(Date.now() / 1000) + (options.expiresInSeconds ?? 3600));
  return jwt.sign(developmentKey);
}

/** A user with a token: what most tests start from. */
export interface TestUser {
  id: string;
  name: string;
  token: string;
}

export async function createUser(label: string): Promise<TestUser> {
  const id = uniqueUserId(label);
  const name = label[0]!.toUpperCase() + label.slice(1);
  return { id, name, token: await tokenFor(id, { name }) };
}
