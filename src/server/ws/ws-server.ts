// GraphQL over WebSocket (graphql-ws, subprotocol graphql-transport-ws) on the /graphql path.
// An upgrade is admitted by ws-upgrade-gate.ts (path, Origin, connection rate) before a socket exists;
// frames are carried by ws-transport.ts (slow consumers closed 1008). The token is checked at
// connection_init (4401 when missing or invalid), the user's sockets on this instance are counted
// there (1008 over the limit), and the socket is closed with 4401 when the token expires. An
// operation's text is parsed and validated through Yoga's envelop, as HTTP ones are, the first time
// it is seen (ws-validated-documents.ts); its context comes from the same factory as HTTP's. Queries
// and mutations then run compiled (ws-execution.ts), and a subscription's events go straight
// to the socket (ws-live-delivery.ts). A socket runs a bounded number of operations at once.
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { getOperationAST, GraphQLError, type DocumentNode, type ExecutionArgs } from 'graphql';
import { handleProtocols, makeServer } from 'graphql-ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from 'pino';
import type { Authenticate } from '../../auth/authenticator.ts';
import type { OperationContext } from '../../context.ts';
import type { Limits } from '../../config.ts';
import type { RateLimiter } from '../../limits/index.ts';
import type { ClientAddress } from '../http/client-address.ts';
import { tokenFromSocket } from '../../auth/token-sources.ts';
import { DomainError } from '../../errors.ts';
import { CompiledOperations } from '../graphql/compiled-operations.ts';
import type { InitialContext, SocketSession } from '../graphql/context-factory.ts';
import { LiveDelivery, type SocketDelivery } from './ws-live-delivery.ts';
import type { FinishErrors } from '../errors/error-reporting.ts';
import type { MaskError } from '../errors/graphql-errors.ts';
import { createSocketExecute, type SocketExecute } from './ws-execution.ts';
import { DrainRate } from '../../limits/drain-rate.ts';
import type { OperationsInFlight } from '../../limits/operations-in-flight.ts';
import { operationsOverLimit, SocketsPerUser } from '../../limits/socket-limits.ts';
import { createUpgradeGate, refuseUpgrade } from './ws-upgrade-gate.ts';
import { serveGraphqlWs, type SocketExtra } from './ws-transport.ts';
import { WsCloseCode } from './ws-close-codes.ts';
import { ValidatedDocuments } from './ws-validated-documents.ts';
import type { YogaServer } from '../graphql/yoga.ts';

/** Distinct operation texts kept parsed and validated (Yoga's own parse cache holds 1000 too). */
const VALIDATED_DOCUMENTS = 1000;

/** setTimeout's longest delay; a later expiry is re-armed when it fires. */
const MAX_TIMER_MS = 2_147_483_647;

interface Session extends SocketSession {
  expiry?: NodeJS.Timeout;
  /** The socket's queries and mutations as they finish: how soon a socket at its operation limit has room. */
  readonly finished: DrainRate;
}

export interface GraphqlWebSocket {
  /** Sockets open now. */
  readonly sockets: ReadonlySet<WebSocket>;
  /** Closes every socket with `code` and stops accepting new ones. */
  close(code: number, reason: string): Promise<void>;
}

export function attachGraphqlWebSocket(options: {
  httpServer: Server;
  yoga: YogaServer;
  /** Builds each operation's context, as Yoga does for HTTP. */
  context: (initial: InitialContext) => Promise<OperationContext>;
  authenticate: Authenticate;
  logger: Logger;
  maskError: MaskError;
  limits: Limits;
  rateLimiter: RateLimiter;
  clientAddress: ClientAddress;
  /** Queries and mutations running on the instance (HTTP's too): one past the bound is refused. */
  inFlight: OperationsInFlight;
  /** For the errors of live subscriptions, which do not pass through Yoga's plugins. */
  finishErrors: FinishErrors;
}): GraphqlWebSocket {
  const { yoga, authenticate, logger, limits } = options;
  // ws refuses a frame over maxPayload before buffering all of it, closing the socket with 1009.
  const wss = new WebSocketServer({ noServer: true, maxPayload: limits.webSocket.maxFrameBytes, handleProtocols });
  const sessions = new WeakMap<WebSocket, Session>();
  const userSockets = new SocketsPerUser(limits.webSocket.maxSocketsPerUser);
  const { schema } = yoga.getEnveloped();
  const compiled = new CompiledOperations(schema);
  const live = new LiveDelivery(options.finishErrors, compiled);
  const executeCompiled = createSocketExecute(compiled, options.finishErrors);
  const validated = new ValidatedDocuments(VALIDATED_DOCUMENTS);

  const admit = createUpgradeGate({
    endpoint: yoga.graphqlEndpoint,
    allowedOrigins: limits.allowedOrigins,
    connectionsPerIp: limits.connectionsPerIp,
    rateLimiter: options.rateLimiter,
    clientAddress: options.clientAddress,
  });
  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    admit(request, socket)
      .then((admitted) => {
        if (admitted) wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
      })
      .catch((error: unknown) => {
        logger.error({ err: error, clientAddress: options.clientAddress(request) }, 'could not admit a WebSocket upgrade');
        refuseUpgrade(socket, 503, 'Try again later');
      });
  };
  options.httpServer.on('upgrade', onUpgrade);

  const closeWhenExpired = (socket: WebSocket, session: { expiry?: NodeJS.Timeout }, expiresAt: number) => {
    const delay = expiresAt * 1000 - Date.now();
    // Node timers may fire up to a millisecond early against the wall clock (and a capped delay
    // long before): re-arm rather than close a socket whose token is valid until `exp`.
    session.expiry = setTimeout(
      () => (Date.now() < expiresAt * 1000 ? closeWhenExpired(socket, session, expiresAt) : socket.close(WsCloseCode.Unauthorized, 'Token expired')),
      Math.min(Math.max(delay, 0), MAX_TIMER_MS),
    );
  };

  // Errors refused before execution, as the socket sends them: the contract's code, and none of the
  // HTTP details (status) that Yoga's validation caches attach for its HTTP answers.
  const socketError = (error: unknown): GraphQLError => {
    const masked = options.maskError(error, 'Unexpected error.') as GraphQLError;
    const { http: _http, ...extensions } = masked.extensions as Record<string, unknown>;
    return new GraphQLError(masked.message, { nodes: masked.nodes, positions: masked.positions, path: masked.path, extensions });
  };

  const graphqlWs = makeServer<Record<string, unknown> | undefined, SocketExtra>({
    execute: (args) => (args.rootValue as QueryOrMutation).execute(args),
    // Events go straight to the socket (ws-live-delivery.ts); queries and mutations run through envelop.
    subscribe: (args) => live.subscribe(args, (args.rootValue as Subscription).delivery),
    onConnect: async (ctx) => {
      const { socket, handshake } = ctx.extra;
      const { connectionParams } = ctx;
      // The token is read once: what carried it would otherwise stay as long as the socket (graphql-ws
      // keeps connection_init's payload in its ctx), a third of a KiB per socket.
      ctx.extra.handshake = undefined;
      (ctx as { connectionParams?: unknown }).connectionParams = undefined;
      try {
        const viewer = await authenticate(tokenFromSocket(connectionParams, handshake!));
        // The client may have gone while the token was checked: nothing to keep for it.
        if (socket.readyState !== socket.OPEN) return false;
        if (!userSockets.admit(viewer.id)) {
          socket.close(
            WsCloseCode.PolicyViolation,
            `Too many sockets for this user: at most ${userSockets.max} on this server`,
          );
          return false;
        }
        const session: Session = { viewer, clientAddress: ctx.extra.clientAddress, finished: new DrainRate() };
        sessions.set(socket, session);
        if (viewer.expiresAt !== undefined) closeWhenExpired(socket, session, viewer.expiresAt);
        return true;
      } catch (error) {
        if (error instanceof DomainError) {
          socket.close(WsCloseCode.Unauthorized, error.message.slice(0, 120));
        } else {
          logger.error({ err: error, clientAddress: ctx.extra.clientAddress }, 'could not authenticate a socket');
          socket.close(WsCloseCode.TryAgainLater, 'Try again later');
        }
        return false;
      }
    },
    onSubscribe: async (ctx, id, payload) => {
      const session = sessions.get(ctx.extra.socket);
      if (!session) return [new GraphQLError('Not authenticated', { extensions: { code: 'UNAUTHENTICATED' } })];
      const overLimit = operationsOverLimit(ctx.subscriptions, limits.webSocket.maxSubscriptionsPerSocket, (inFlight) =>
        session.finished.retryAfterMs(inFlight),
      );
      if (overLimit) return [overLimit];
      let document = validated.get(payload.query);
      if (!document) {
        const enveloped = yoga.getEnveloped({ socketSession: session });
        let parsed: DocumentNode;
        try {
          parsed = enveloped.parse(payload.query);
        } catch (error) {
          return [socketError(error)];
        }
        const errors = enveloped.validate(schema, parsed);
        if (errors.length > 0) return errors.map(socketError);
        validated.add(payload.query, (document = parsed));
      }
      // A subscription lives as long as its client wants: it keeps its delivery, not an execute.
      const subscription = getOperationAST(document, payload.operationName)?.operation === 'subscription';
      // graphql-ws keeps a subscription's message as long as it lives: let it keep the text the
      // document was parsed from (shared by every subscription with that text), not its own copy.
      if (subscription && document.loc?.source.body === payload.query) (payload as { query: string }).query = document.loc.source.body;
      const rootValue: SocketOperation = subscription
        ? { delivery: { id, send: ctx.extra.send } }
        : {
            execute: (args) =>
              executeCompiled(args).finally(() => {
                session.finished.done(1);
                options.inFlight.leave();
              }),
          };
      const args: ExecutionArgs = {
        schema,
        operationName: payload.operationName,
        document,
        variableValues: payload.variables,
        contextValue: await options.context({ socketSession: session }),
        rootValue,
      };
      // Counted from here to the end of its execute, which graphql-ws calls right after this returns.
      const refusal = subscription ? undefined : options.inFlight.enter();
      return refusal ? [socketError(refusal)] : args;
    },
    onClose: (ctx) => {
      const session = sessions.get(ctx.extra.socket);
      if (!session) return;
      clearTimeout(session.expiry);
      userSockets.release(session.viewer.id);
      sessions.delete(ctx.extra.socket);
    },
  });
  serveGraphqlWs(wss, graphqlWs, { maxBufferedBytes: limits.webSocket.maxBufferedBytes, logger, clientAddress: options.clientAddress });

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


/** What onSubscribe hands to execute / subscribe for one operation, as its root value. */
interface QueryOrMutation {
  execute: SocketExecute;
}
interface Subscription {
  delivery: SocketDelivery;
}
type SocketOperation = QueryOrMutation | Subscription;
