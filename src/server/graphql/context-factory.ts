// Builds the per-operation context, on HTTP from the Authorization header, on WebSocket from the
// identity the socket proved at connection_init.
import { randomUUID } from 'node:crypto';
import { GraphQLError } from 'graphql';
import type { Authenticate } from '../../auth/authenticator.ts';
import type { Identity } from '../../auth/identity.ts';
import { tokenFromAuthorization } from '../../auth/token-sources.ts';
import type { OperationContext, Services } from '../../context.ts';
import { DomainError } from '../../errors.ts';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Loaders } from '../../resolvers/loaders.ts';
import { toGraphQLError } from '../errors/graphql-errors.ts';
import { asksOnlyAboutSchema, SCHEMA_READER } from './schema-only.ts';

/** What graphql-ws passes in for operations on a socket. */
export interface SocketSession {
  viewer: Identity;
  /** Where the socket's upgrade came from (client-address.ts), for logs. */
  clientAddress: string;
}

/** HTTP operations come with their request and parameters; WebSocket operations with their socket's session. */
export interface InitialContext {
  request?: Request;
  params?: { query?: unknown; operationName?: unknown };
  /** HTTP: the request's client address (client-address.ts), given by the HTTP server. */
  clientAddress?: string;
  socketSession?: SocketSession;
}

/** `schemaWithoutToken`: outside production, operations about the schema alone need no token (schema-only.ts). */
export function createContextFactory(services: Services, authenticate: Authenticate, options: { schemaWithoutToken: boolean }) {
  return async (initial: InitialContext): Promise<OperationContext> => {
    const viewer = initial.socketSession?.viewer ?? (await httpViewer(initial, authenticate, options.schemaWithoutToken));
    const clientAddress = initial.socketSession?.clientAddress ?? initial.clientAddress ?? 'unknown';
    return new Operation(viewer, services, clientAddress, requestIdOf(initial.request));
  };
}

/**
 * An operation's context. A class, not an object literal: V8 makes a literal with an accessor (the
 * request id's) in dictionary mode, about 450 bytes more, for every operation and for as long as a
 * subscription lives. Yoga copies an HTTP context's own properties onto its own context object, the
 * request id's accessor aside: there the error handler reads the id from the request (yoga.ts).
 */
class Operation implements OperationContext {
  readonly viewer: Identity;
  readonly em: () => EntityManager;
  readonly services: Services;
  readonly loaders: Loaders;
  readonly clientAddress: string;
  #requestId: string | undefined;

  constructor(viewer: Identity, services: Services, clientAddress: string, requestId: string | undefined) {
    let em: EntityManager | undefined;
    this.viewer = viewer;
    this.em = () => (em ??= services.entityManager());
    this.services = services;
    this.loaders = new Loaders(this.em, viewer.id);
    this.clientAddress = clientAddress;
    this.#requestId = requestId;
  }

  /**
   * Made when first read, when an error is logged: a random id for every operation was the largest
   * share of what sends left for full collections (README, Performance).
   */
  get requestId(): string {
    return (this.#requestId ??= randomUUID());
  }
}

/** The id the client gave its request (`x-request-id`), if any: what the logs of its operation carry. */
export function requestIdOf(request: Request | undefined): string | undefined {
  return request?.headers.get('x-request-id')?.slice(0, 100) || undefined;
}

async function httpViewer(initial: InitialContext, authenticate: Authenticate, schemaWithoutToken: boolean): Promise<Identity> {
  try {
    return await authenticate(tokenFromAuthorization(initial.request?.headers.get('authorization') ?? undefined));
  } catch (error) {
    if (!(error instanceof DomainError)) {
      // The database away while the user is looked up: a GraphQL error that keeps its cause, so that
      // the error handler logs the cause itself (envelop would wrap anything else in a new Error).
      throw new GraphQLError('Unexpected error.', { originalError: error as Error });
    }
    // Looked at only once the token failed: a valid request costs no second parse.
    if (schemaWithoutToken && asksOnlyAboutSchema(initial.params)) return SCHEMA_READER;
    throw toGraphQLError(error);
  }
}
