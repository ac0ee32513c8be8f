// The environment, parsed and validated once into a frozen, typed object. Nothing else reads process.env.
import { createPublicKey } from 'node:crypto';
import { isIP } from 'node:net';

/** The only secret in the repository: signs and verifies tokens in development mode, never in production. */
export const DEVELOPMENT_JWT_SECRET = 'development-secret-do-not-use-in-production';

const SYMMETRIC_ALGORITHMS = ['HS256', 'HS384', 'HS512'];
const ASYMMETRIC_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];

export type JwtKeySource =
  | { kind: 'secret'; secret: string; development: boolean }
  | { kind: 'publicKey'; pem: string }
  | { kind: 'jwks'; url: string };

export interface Config {
  readonly production: boolean;
  readonly port: number;
  readonly host: string;
  /** Unset: embedded PGlite in `pgliteDir`. */
  readonly databaseUrl: string | undefined;
  readonly pgliteDir: string;
  /** Unset: in-process pub-sub, one instance. */
  readonly redisUrl: string | undefined;
  readonly jwt: {
    readonly key: JwtKeySource;
    readonly algorithm: string;
    readonly issuer: string | undefined;
    readonly audience: string | undefined;
  };
  readonly authProfileUrl: string | undefined;
  readonly maxMessageLength: number;
  readonly maxRoomMembers: number;
  readonly migrateOnStart: boolean;
  /** Schema introspection; off in production unless GRAPHQL_INTROSPECTION=true. */
  readonly introspection: boolean;
  /** How long a `setTyping(true)` lasts without renewal before the server announces `false`. */
  readonly typingTimeoutMs: number;
  /** With Redis: an instance whose presence heartbeat is older than this is taken for dead. */
  readonly presenceExpiryMs: number;
  readonly logLevel: string;
  /**
   * Addresses and CIDR ranges of the proxies and load balancers in front: from these peers the
   * client's address is taken from X-Forwarded-For. Empty: the TCP peer is the client.
   */
  readonly trustedProxies: readonly string[];
  readonly limits: Limits;
}

/** A token bucket: `burst` at once, refilled at `perSecond`. */
export interface RateLimit {
  readonly perSecond: number;
  readonly burst: number;
}

/** Abuse limits (README, Security). Defaults leave honest use alone. */
export interface Limits {
  /** Per user, shared by all instances through Redis when REDIS_URL is set. */
  readonly sendMessage: RateLimit;
  readonly setTyping: RateLimit;
  readonly createRoom: RateLimit;
  /** WebSocket connection attempts per client IP. */
  readonly connectionsPerIp: RateLimit;
  readonly query: {
    readonly maxDepth: number;
    readonly maxAliases: number;
    readonly maxTokens: number;
    readonly maxDirectives: number;
    readonly maxCost: number;
  };
  readonly webSocket: {
    readonly maxFrameBytes: number;
    readonly maxSubscriptionsPerSocket: number;
    readonly maxSocketsPerUser: number;
    /** A socket whose unsent data passes this is a slow consumer and is closed. */
    readonly maxBufferedBytes: number;
  };
  /** Work that waits in this instance, at most; more is refused with RATE_LIMITED (README, Overload). */
  readonly overload: {
    /** Sends waiting for a statement to store them. */
    readonly maxQueuedSends: number;
    /** Statements (reads, single sends) waiting for a pooled connection. */
    readonly maxQueuedStatements: number;
    /** Queries and mutations running at once, over every socket and HTTP request. */
    readonly maxOperationsInFlight: number;
  };
  /** An HTTP request body larger than this is refused with 413 before it is read whole. */
  readonly httpMaxBodyBytes: number;
  /**
   * Origins (scheme://host[:port]) allowed to open a WebSocket from a browser. Empty: only pages
   * served by this service itself (Origin host equals Host). A request without Origin is not a browser.
   */
  readonly allowedOrigins: readonly string[];
}

function rateLimit(env: Env, name: string, perSecond: number, burst: number): RateLimit {
  return Object.freeze({
    perSecond: integer(env, `${name}_PER_SECOND`, perSecond, 1, 1_000_000),
    burst: integer(env, `${name}_BURST`, burst, 1, 1_000_000),
  });
}

function origins(env: Env): readonly string[] {
  const list = (optional(env, 'ALLOWED_ORIGINS') ?? '').split(',').map((origin) => origin.trim()).filter(Boolean);
  for (const origin of list) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    if (!parsed || parsed.origin !== origin.replace(/\/$/, '')) {
      throw new ConfigError(`ALLOWED_ORIGINS entries must be origins like https://app.example.com, got "${origin}"`);
    }
  }
  return Object.freeze(list.map((origin) => origin.replace(/\/$/, '')));
}

function trustedProxies(env: Env): readonly string[] {
  const list = (optional(env, 'TRUSTED_PROXIES') ?? '').split(',').map((entry) => entry.trim()).filter(Boolean);
  for (const entry of list) {
    const [address, prefix, extra] = entry.split('/');
    const family = isIP(address ?? '');
    const bits = family === 6 ? 128 : 32;
    const prefixOk = prefix === undefined || (/^\d+$/.test(prefix) && Number(prefix) <= bits);
    if (family === 0 || !prefixOk || extra !== undefined) {
      throw new ConfigError(`TRUSTED_PROXIES entries must be addresses or CIDR ranges like 10.0.0.0/8, got "${entry}"`);
    }
  }
  return Object.freeze(list);
}

function limits(env: Env): Limits {
  return Object.freeze({
    sendMessage: rateLimit(env, 'RATE_SEND_MESSAGE', 10, 60),
    setTyping: rateLimit(env, 'RATE_SET_TYPING', 5, 20),
    createRoom: rateLimit(env, 'RATE_CREATE_ROOM', 2, 30),
    connectionsPerIp: rateLimit(env, 'RATE_CONNECTIONS_PER_IP', 10, 100),
    query: Object.freeze({
      maxDepth: integer(env, 'MAX_QUERY_DEPTH', 10, 1, 1000),
      maxAliases: integer(env, 'MAX_QUERY_ALIASES', 15, 0, 10_000),
      maxTokens: integer(env, 'MAX_QUERY_TOKENS', 1000, 10, 1_000_000),
      maxDirectives: integer(env, 'MAX_QUERY_DIRECTIVES', 10, 0, 10_000),
      maxCost: integer(env, 'MAX_QUERY_COST', 5000, 1, 10_000_000),
    }),
    webSocket: Object.freeze({
      maxFrameBytes: integer(env, 'WS_MAX_FRAME_BYTES', 65_536, 1024, 100 * 1024 * 1024),
      maxSubscriptionsPerSocket: integer(env, 'WS_MAX_SUBSCRIPTIONS', 100, 1, 100_000),
      maxSocketsPerUser: integer(env, 'WS_MAX_SOCKETS_PER_USER', 20, 1, 100_000),
      maxBufferedBytes: integer(env, 'WS_MAX_BUFFERED_BYTES', 4 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    }),
    overload: Object.freeze({
      maxQueuedSends: integer(env, 'MAX_QUEUED_SENDS', 2000, 1, 1_000_000),
      maxQueuedStatements: integer(env, 'MAX_QUEUED_STATEMENTS', 1000, 1, 1_000_000),
      maxOperationsInFlight: integer(env, 'MAX_OPERATIONS_IN_FLIGHT', 1000, 1, 1_000_000),
    }),
    httpMaxBodyBytes: integer(env, 'HTTP_MAX_BODY_BYTES', 65_536, 1024, 100 * 1024 * 1024),
    allowedOrigins: origins(env),
  });
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got "${env[name]}"`);
}

function optional(env: Env, name: string): string | undefined {
  const raw = env[name]?.trim();
  return raw === undefined || raw === '' ? undefined : raw;
}

function url(env: Env, name: string, protocols: string[]): string | undefined {
  const raw = optional(env, name);
  if (raw === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(`${name} is not a URL`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(`${name} must use ${protocols.join(' or ')}, got ${parsed.protocol}`);
  }
  return raw;
}

function jwtKey(env: Env, production: boolean, algorithm: string): JwtKeySource {
  const secret = optional(env, 'JWT_SECRET');
  const pem = optional(env, 'JWT_PUBLIC_KEY');
  const jwksUrl = url(env, 'JWT_JWKS_URL', ['https:', 'http:']);
  const given = [secret, pem, jwksUrl].filter((value) => value !== undefined).length;
  if (given > 1) throw new ConfigError('Set only one of JWT_SECRET, JWT_PUBLIC_KEY and JWT_JWKS_URL');
  if (secret !== undefined) {
    if (!SYMMETRIC_ALGORITHMS.includes(algorithm)) {
      throw new ConfigError(`JWT_SECRET needs JWT_ALGORITHM HS256, HS384 or HS512, got ${algorithm}`);
    }
    if (production && Buffer.byteLength(secret) < 32) throw new ConfigError('JWT_SECRET must be at least 32 bytes in production');
    return { kind: 'secret', secret, development: false };
  }
  if (pem !== undefined) {
    if (!ASYMMETRIC_ALGORITHMS.includes(algorithm)) {
      throw new ConfigError(`JWT_PUBLIC_KEY needs an asymmetric JWT_ALGORITHM (RS256, ES256, EdDSA ...), got ${algorithm}`);
    }
    const normalised = pem.replace(/\\n/g, '\n');
    try {
      createPublicKey(normalised);
    } catch {
      throw new ConfigError('JWT_PUBLIC_KEY is not a PEM public key');
    }
    return { kind: 'publicKey', pem: normalised };
  }
  if (jwksUrl !== undefined) {
    if (!ASYMMETRIC_ALGORITHMS.includes(algorithm)) {
      throw new ConfigError(`JWT_JWKS_URL needs an asymmetric JWT_ALGORITHM (RS256, ES256, EdDSA ...), got ${algorithm}`);
    }
    return { kind: 'jwks', url: jwksUrl };
  }
  if (production) {
    throw new ConfigError('No token key: set JWT_SECRET, JWT_PUBLIC_KEY or JWT_JWKS_URL (NODE_ENV is production)');
  }
  if (algorithm !== 'HS256') throw new ConfigError('Development mode signs with HS256: unset JWT_ALGORITHM or set a key');
  return { kind: 'secret', secret: DEVELOPMENT_JWT_SECRET, development: true };
}

export function loadConfig(env: Env = process.env): Config {
  const production = env.NODE_ENV === 'production';
  const algorithm = optional(env, 'JWT_ALGORITHM') ?? 'HS256';
  if (![...SYMMETRIC_ALGORITHMS, ...ASYMMETRIC_ALGORITHMS].includes(algorithm)) {
    throw new ConfigError(`JWT_ALGORITHM ${algorithm} is not supported`);
  }
  return Object.freeze({
    production,
    port: integer(env, 'PORT', 4000, 0, 65535),
    host: optional(env, 'HOST') ?? '0.0.0.0',
    databaseUrl: url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']),
    pgliteDir: optional(env, 'PGLITE_DIR') ?? './.data',
    redisUrl: url(env, 'REDIS_URL', ['redis:', 'rediss:']),
    jwt: Object.freeze({
      key: Object.freeze(jwtKey(env, production, algorithm)),
      algorithm,
      issuer: optional(env, 'JWT_ISSUER'),
      audience: optional(env, 'JWT_AUDIENCE'),
    }),
    authProfileUrl: profileUrl(env),
    maxMessageLength: integer(env, 'MAX_MESSAGE_LENGTH', 4000, 1, 1_000_000),
    maxRoomMembers: integer(env, 'MAX_ROOM_MEMBERS', 100, 2, 100_000),
    migrateOnStart: boolean(env, 'MIGRATE_ON_START', true),
    introspection: boolean(env, 'GRAPHQL_INTROSPECTION', !production),
    typingTimeoutMs: integer(env, 'TYPING_TIMEOUT_MS', 6000, 100, 60_000),
    presenceExpiryMs: integer(env, 'PRESENCE_EXPIRY_MS', 15_000, 300, 300_000),
    logLevel: optional(env, 'LOG_LEVEL') ?? (env.NODE_ENV === 'test' ? 'silent' : 'info'),
    trustedProxies: trustedProxies(env),
    limits: limits(env),
  });
}

function profileUrl(env: Env): string | undefined {
  const template = url(env, 'AUTH_PROFILE_URL', ['https:', 'http:']);
  if (template !== undefined && !template.includes('{id}')) {
    throw new ConfigError('AUTH_PROFILE_URL must contain {id}, where the user id goes');
  }
  return template;
}
