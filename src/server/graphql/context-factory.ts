// Builds the per-operation context, on HTTP from the Authorization header, on WebSocket from the
// identity the socket proved at connection_init.
import { randomUUID } from 'node:crypto';
import type { Authenticate } from '../../auth/authenticator.ts';
import type { Identity } from '../../auth/identity.ts';
import { tokenFromAuthorization } from '../../auth/token-sources.ts';
import type { OperationContext, Services } from '../../context.ts';
import { DomainError } from '../../errors.ts';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Loaders } from '../../resolvers/loaders.ts';
import { toGraphQLError } from '../errors/graphql-errors.ts';

/** What graphql-ws passes in for operations on a socket. */
export interface SocketSession {
  viewer: Identity;
  /** Names the socket in logs. */
  id: string;
}

/** HTTP operations come with their request; WebSocket operations with their socket's session. */
export interface InitialContext {
  request?: Request;
  socketSession?: SocketSession;
}

export function createContextFactory(services: Services, authenticate: Authenticate) {
  return async (initial: InitialContext): Promise<OperationContext> => {
    const viewer = initial.socketSession?.viewer ?? (await httpViewer(initial.request, authenticate));
    let requestId = initial.request?.headers.get('x-request-id')?.slice(0, 100) || undefined;
    let em: EntityManager | undefined;
    const operationEm = () => (em ??= services.entityManager());
    return {
      viewer,
      em: operationEm,
      services,
      transport: initial.socketSession ? 'ws' : 'http',
      loaders: new Loaders(operationEm, viewer.id),
      // Made when first read, when an error is logged: a random id for every operation was the
      // largest share of what sends left for full collections (README, Performance).
      get requestId() {
        return (requestId ??= randomUUID());
      },
    };
  };
}

async function httpViewer(request: Request | undefined, authenticate: Authenticate): Promise<Identity> {
  try {
    return await authenticate(tokenFromAuthorization(request?.headers.get('authorization') ?? undefined));
  } catch (error) {
    throw error instanceof DomainError ? toGraphQLError(error) : error;
  }
}
