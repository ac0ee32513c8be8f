// Token verification with jose: only the configured algorithm, exp and nbf to the second,
// issuer and audience when configured. Any failure is one answer: UNAUTHENTICATED.
import { createRemoteJWKSet, importSPKI, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { Config } from '../config.ts';
import { Unauthenticated } from '../errors.ts';

export type TokenVerifier = (token: string) => Promise<JWTPayload>;

export async function createTokenVerifier(jwt: Config['jwt']): Promise<TokenVerifier> {
  const key = await verificationKey(jwt);
  const options = {
    algorithms: [jwt.algorithm],
    issuer: jwt.issuer,
    audience: jwt.audience,
    clockTolerance: 0,
  };
  return async (token) => {
    try {
      const { payload } = await (typeof key === 'function' ? jwtVerify(token, key, options) : jwtVerify(token, key, options));
      return payload;
    } catch (error) {
      throw new Unauthenticated(describe(error));
    }
  };
}

type PublicKey = Awaited<ReturnType<typeof importSPKI>>;

async function verificationKey(jwt: Config['jwt']): Promise<Uint8Array | PublicKey | JWTVerifyGetKey> {
  switch (jwt.key.kind) {
    case 'secret':
      return new TextEncoder().encode(jwt.key.secret);
    case 'publicKey':
      return importSPKI(jwt.key.pem, jwt.algorithm);
    case 'jwks':
      return createRemoteJWKSet(new URL(jwt.key.url));
  }
}

/** What the client may know of why its token was refused, without echoing the token. */
function describe(error: unknown): string {
  const code = (error as { code?: string }).code;
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return 'The token has expired';
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      return `The token's ${(error as { claim?: string }).claim ?? ''} claim is not acceptable`.replace('  ', ' ');
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return 'The token is signed with an algorithm this service does not accept';
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return 'The token signature is not valid';
    default:
      return 'The token is not valid';
  }
}
