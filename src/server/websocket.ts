// GraphQL over WebSocket (graphql-ws, subprotocol graphql-transport-ws) on the /graphql path.
// The token is checked at connection_init (4401 when missing or invalid) and the socket is closed
// with 4401 when it expires. Every operation runs through Yoga's envelop, as HTTP ones do.
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { randomUUID } from 'node:crypto';
import { GraphQLError, type ExecutionArgs } from 'graphql';
import { CloseCode, type ServerOptions } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from 'pino';
import type { Authenticate } from '../auth/authenticator.ts';
import type { Limits } from '../config.ts';
import type { RateLimiter } from '../limits/index.ts';
import { tokenFromSocket } from '../auth/token-sources.ts';
import { DomainError } from '../errors.ts';
import type { SocketSession } from './context-factory.ts';
import type { YogaServer } from './yoga.ts';

/** Close codes this service uses beyond graphql-ws's own. */
export const ServiceCloseCode = {
  GoingAway: 1001,
  TryAgainLater: 1013,
  Unauthorized: CloseCode.Unauthorized,
} as const;

/** setTimeout's longest delay; a later expiry is re-armed when it fires. */
const MAX_TIMER_MS = 2_147_483_647;

export interface GraphqlWebSocket {
  /** Sockets open now. */
  readonly sockets: ReadonlySet<WebSocket>;
  /** Closes every socket with `code` and stops accepting new ones. */
  close(code: number, reason: string): Promise<void>;
}

export function attachGraphqlWebSocket(options: {
  httpServer: Server;
  yoga: YogaServer;
  authenticate: Authenticate;
  logger: Logger;
  production: boolean;
  maskError: (error: unknown, message: string) => Error;
  limits: Limits;
  rateLimiter: RateLimiter;
}): GraphqlWebSocket {
  const { yoga, authenticate, logger } = options;
  const wss = new WebSocketServer({ noServer: true });
  const sessions = new WeakMap<WebSocket, SocketSession & { expiry?: NodeJS.Timeout }>();

  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (new URL(request.url ?? '/', 'http://upgrade').pathname !== yoga.graphqlEndpoint) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
  };
  options.httpServer.on('upgrade', onUpgrade);

  const closeWhenExpired = (socket: WebSocket, session: { expiry?: NodeJS.Timeout }, expiresAt: number) => {
    const delay = expiresAt * 1000 - Date.now();
    // Node timers may fire up to a millisecond early against the wall clock (and a capped delay
    // long before): re-arm rather than close a socket whose token is valid until `exp`.
    session.expiry = setTimeout(
      () => (Date.now() < expiresAt * 1000 ? closeWhenExpired(socket, session, expiresAt) : socket.close(CloseCode.Unauthorized, 'Token expired')),
      Math.min(Math.max(delay, 0), MAX_TIMER_MS),
    );
  };

  // CONTRACT.md: a binary frame is not a valid message (graphql-ws would read it as text).
  wss.on('connection', (socket: WebSocket) =>
    socket.prependListener('message', (_data, isBinary) => {
      if (isBinary) socket.close(CloseCode.BadRequest, 'Binary frames are not accepted');
    }),
  );

  useServer(
    {
      isProd: options.production,
      execute: (args) => (args.rootValue as EnvelopedExecution).execute(args),
      subscribe: (args) => (args.rootValue as EnvelopedExecution).subscribe(args),
      onConnect: async (ctx) => {
        const { socket, request } = ctx.extra;
        try {
          const viewer = await authenticate(tokenFromSocket(ctx.connectionParams, request));
          // The client may have gone while the token was checked: nothing to keep for it.
          if (socket.readyState !== socket.OPEN) return false;
          const session: SocketSession & { expiry?: NodeJS.Timeout } = { viewer, id: randomUUID() };
          sessions.set(socket, session);
          if (viewer.expiresAt !== undefined) closeWhenExpired(socket, session, viewer.expiresAt);
          return true;
        } catch (error) {
          if (error instanceof DomainError) {
            socket.close(CloseCode.Unauthorized, error.message.slice(0, 120));
          } else {
            logger.error({ err: error }, 'could not authenticate a socket');
            socket.close(ServiceCloseCode.TryAgainLater, 'Try again later');
          }
          return false;
        }
      },
      onSubscribe: async (ctx, _id, payload) => {
        const session = sessions.get(ctx.extra.socket);
        if (!session) return [new GraphQLError('Not authenticated', { extensions: { code: 'UNAUTHENTICATED' } })];
        const enveloped = yoga.getEnveloped({ socketSession: session });
        let document;
        try {
          document = enveloped.parse(payload.query);
        } catch (error) {
          return [options.maskError(error, 'Unexpected error.') as GraphQLError];
        }
        const errors = enveloped.validate(enveloped.schema, document);
        if (errors.length > 0) return errors.map((error: GraphQLError) => options.maskError(error, 'Unexpected error.') as GraphQLError);
        const args: ExecutionArgs = {
          schema: enveloped.schema,
          operationName: payload.operationName,
          document,
          variableValues: payload.variables,
          contextValue: await enveloped.contextFactory(),
          rootValue: { execute: enveloped.execute, subscribe: enveloped.subscribe } as EnvelopedExecution,
        };
        return args;
      },
      onClose: (ctx) => {
        clearTimeout(sessions.get(ctx.extra.socket)?.expiry);
        sessions.delete(ctx.extra.socket);
      },
    },
    wss,
  );

  return {
    sockets: wss.clients,
    async close(code, reason) {
      options.httpServer.off('upgrade', onUpgrade);
      // Each socket gets the closing handshake, then is cut if its client does not answer in time.
      await Promise.all([...wss.clients].map((socket) => closeSocket(socket, code, reason)));
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

const CLOSE_HANDSHAKE_MS = 2_000;

function closeSocket(socket: WebSocket, code: number, reason: string): Promise<void> {
  return new Promise((resolve) => {
    if (socket.readyState === socket.CLOSED) return resolve();
    const timer = setTimeout(() => socket.terminate(), CLOSE_HANDSHAKE_MS);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.close(code, reason);
  });
}

type OperationResult = ReturnType<NonNullable<ServerOptions['execute']>>;

interface EnvelopedExecution {
  execute: (args: ExecutionArgs) => OperationResult;
  subscribe: (args: ExecutionArgs) => OperationResult;
}
