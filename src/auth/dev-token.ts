// Development tokens: HS-signed with the configured secret (the development secret by default).
import { SignJWT } from 'jose';
import type { Config } from '../config.ts';

export async function mintToken(
  jwt: Config['jwt'],
  userId: string,
  name: string | undefined,
  ttlSeconds = 7 * 24 * 3600,
): Promise<string> {
  if (jwt.key.kind !== 'secret') throw new Error('Tokens can be minted only with JWT_SECRET or the development secret');
  const builder = new SignJWT(name ? { name } : {})
    .setProtectedHeader({ alg: jwt.algorithm, typ: 'JWT' })
    .setSubject(userId)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds);
  if (jwt.issuer) builder.setIssuer(jwt.issuer);
  if (jwt.audience) builder.setAudience(jwt.audience);
  return builder.sign(new TextEncoder().encode(jwt.key.secret));
}
