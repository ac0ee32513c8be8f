// Who a verified token speaks for: the user id (`sub`, else `user_id`) and a display name if it has one.
import type { JWTPayload } from 'jose';
import { Unauthenticated } from '../errors.ts';

export interface Identity {
  id: string;
  name: string | null;
  /** Seconds since the epoch, from `exp`; undefined for a token that never expires. */
  expiresAt: number | undefined;
}

const NAME_CLAIMS = ['name', 'preferred_username', 'username'] as const;

export function identityFromClaims(claims: JWTPayload): Identity {
  const raw = claims.sub ?? claims.user_id;
  const id = typeof raw === 'number' && Number.isSafeInteger(raw) ? String(raw) : raw;
  if (typeof id !== 'string' || id.length === 0 || id.length > 255 || !isStorableText(id)) {
    throw new Unauthenticated('The token names no user (sub or user_id)');
  }
  return { id, name: nameFrom(claims), expiresAt: claims.exp };
}

export function nameFrom(source: Record<string, unknown>): string | null {
  for (const claim of NAME_CLAIMS) {
    const value = source[claim];
    if (typeof value === 'string' && value.trim() !== '' && isStorableText(value)) return value.slice(0, 200);
  }
  return null;
}

/** Text PostgreSQL can store exactly: no NUL, no lone UTF-16 surrogate. */
export function isStorableText(value: string): boolean {
  return value.isWellFormed() && !value.includes('\u0000');
}
