// Tokens for bench users: HS256 with the run's secret, which both systems are started with.
import { SignJWT } from 'jose';

/** Long enough for a full run: the service closes a socket whose token expires (4401). */
const LIFETIME_SECONDS = 4 * 3600;

export function tokenMinter(secret: string): (userId: string) => Promise<string> {
  const key = new TextEncoder().encode(secret);
  return (userId) =>
    new SignJWT({ name: `Bench ${userId}` })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(userId)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + LIFETIME_SECONDS)
      .sign(key);
}
