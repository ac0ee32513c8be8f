// The app factory: everything built from a config, nothing started at import. Tests build as many as they like.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from './config.ts';
import { createAuthenticator } from './auth/authenticator.ts';
import type { Services } from './context.ts';
import { createDatabase, type Database } from './db/orm.ts';
import { createPresenceStore } from './presence/index.ts';
import { announceExpiredPresence } from './resolvers/presence-expiry.ts';
import { createPubSub } from './pubsub/index.ts';
import { createRedisClients } from './redis/clients.ts';
import { localFanOut } from './pubsub/local-fan-out.ts';
import { OpenStreams } from './resolvers/event-stream.ts';
import { FeedCatchUp } from './resolvers/feed-catch-up.ts';
import { createTypingTimers } from './typing/index.ts';
import { createRateLimiter } from './limits/index.ts';
import { OperationsInFlight } from './limits/operations-in-flight.ts';
import { countingPubSub } from './metrics/counting-pubsub.ts';
import { createMetrics } from './metrics/metrics.ts';
import { createContextFactory } from './server/graphql/context-factory.ts';
import { createFinishErrors } from './server/errors/error-reporting.ts';
import { createMaskError } from './server/errors/graphql-errors.ts';
import { createLogger } from './server/logger.ts';
import { attachGraphqlWebSocket, type GraphqlWebSocket } from './server/ws/ws-server.ts';
import { WsCloseCode } from './server/ws/ws-close-codes.ts';
import { withBoundedBody } from './server/http/bounded-body.ts';
import { createClientAddress } from './server/http/client-address.ts';
import { withDefaultAccept } from './server/http/default-accept.ts';
import { createYogaServer } from './server/graphql/yoga.ts';

/** The longest a graceful stop waits for each of its steps, so that it ends well within 10 s. */
const STOP_STEP_MS = 3_000;

/** How long start-up waits for Redis before serving without it (it keeps reconnecting). */
const REDIS_WAIT_MS = 3_000;

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms).unref());

export interface RunningApp {
  /** http://host:port, the port the OS gave when PORT is 0. */
  readonly url: string;
  readonly port: number;
  readonly database: Database;
  readonly webSocket: GraphqlWebSocket;
  stop(): Promise<void>;
}

export async function startApp(config: Config): Promise<RunningApp> {
  const logger = createLogger(config);
  const database = await createDatabase(config);
  const redis = config.redisUrl
    ? createRedisClients(config.redisUrl, (error, client) => logger.warn({ err: error, client }, 'Redis connection error'))
    : undefined;
  try {
    if (config.migrateOnStart) {
      const applied = await database.migrate();
      if (applied.length > 0) logger.info({ applied }, 'migrations applied');
    }
    let webSocket: GraphqlWebSocket | undefined;
    const metrics = createMetrics(() => webSocket?.sockets.size ?? 0);
    const onPubSubError = (error: unknown) => logger.warn({ err: error }, 'pub-sub error');
    const pubsub = localFanOut(countingPubSub(createPubSub(redis, onPubSubError), metrics), onPubSubError);
    const services: Services = {
      config,
      pubsub,
      presence: createPresenceStore(redis, config, logger, (roomId, userId) =>
        announceExpiredPresence(services, roomId, userId).catch((error: unknown) =>
          logger.warn({ err: error, roomId, userId }, 'expired presence not announced'),
        ),
      ),
      typingTimers: createTypingTimers(redis, config, logger),
      rateLimiter: createRateLimiter(redis, logger),
      metrics,
      streams: new OpenStreams(),
      feedCatchUp: new FeedCatchUp((error, what) => logger.warn({ err: error, what }, 'a feed could not catch up after pub-sub resumed')),
      logger,
      run: database.run,
      transaction: database.transaction,
      storeMessage: database.storeMessage,
      entityManager: () => database.orm.em.fork(),
    };
    pubsub.onResumed(() => {
      const started = Date.now();
      void services.feedCatchUp.resume().then((sources) => logger.info({ sources, ms: Date.now() - started }, 'pub-sub resumed: open feeds caught up from storage'));
    });
    const authenticate = await createAuthenticator(config, services.entityManager, (error, userId) =>
      logger.warn({ err: error, userId }, 'profile look-up failed'),
    );
    const context = createContextFactory(services, authenticate, { schemaWithoutToken: !config.production && config.introspection });
    // One masking for every answer: Yoga's HTTP pipeline, socket refusals and live events.
    const maskError = createMaskError(config.production);
    const inFlight = new OperationsInFlight(config.limits.overload.maxOperationsInFlight);
    const yoga = createYogaServer({
      production: config.production,
      introspection: config.introspection,
      queryLimits: config.limits.query,
      logger,
      maskError,
      context,
      health: { database: database.ping, ...(redis ? { redis: redis.healthy } : {}) },
      metrics,
      jwt: config.jwt,
      inFlight,
    });
    const clientAddress = createClientAddress(config.trustedProxies);
    const httpServer = createServer(
      withBoundedBody(config.limits.httpMaxBodyBytes, (request, response) =>
        yoga(withDefaultAccept(request), response, { clientAddress: clientAddress(request) }),
      ),
    );
    webSocket = attachGraphqlWebSocket({
      httpServer,
      yoga,
      context,
      authenticate,
      logger,
      maskError,
      finishErrors: createFinishErrors({ maskError, logger, metrics }),
      limits: config.limits,
      rateLimiter: services.rateLimiter,
      clientAddress,
      inFlight,
    });
    if (redis && !(await redis.ready(REDIS_WAIT_MS))) logger.warn('Redis is not answering: serving without live fan-out until it does');
    await listen(httpServer, config.port, config.host);
    const { port } = httpServer.address() as AddressInfo;
    const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
    return {
      url: `http://${host}:${port}`,
      port,
      database,
      webSocket,
      async stop() {
        const started = Date.now();
        const httpClosed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
        // Sockets first: clients reconnect elsewhere, and their subscriptions' cleanups announce OFFLINE.
        const sockets = webSocket.sockets.size;
        await webSocket.close(WsCloseCode.GoingAway, 'Server shutting down');
        await services.streams.drained(STOP_STEP_MS);
        const socketsClosedMs = Date.now() - started;
        // In-flight requests (sends committing and publishing) finish; each keep-alive connection is
        // closed as soon as it is idle, since close() alone leaves them open until they time out.
        const closeIdle = setInterval(() => httpServer.closeIdleConnections(), 20);
        httpServer.closeIdleConnections();
        await Promise.race([httpClosed, delay(STOP_STEP_MS)]);
        clearInterval(closeIdle);
        httpServer.closeAllConnections();
        // Subscriptions over server-sent events end with their connections: their cleanups (presence
        // OFFLINE) run before pub-sub and presence stop.
        await services.streams.drained(STOP_STEP_MS);
        const requestsDoneMs = Date.now() - started;
        // What uses Redis stops first (presence still writes its release), then the connections.
        services.typingTimers.stop();
        await Promise.all([services.presence.stop(), services.rateLimiter.stop()]);
        redis?.stop();
        await database.stop();
        logger.info({ sockets, socketsClosedMs, requestsDoneMs, totalMs: Date.now() - started }, 'stopped');
      },
    };
  } catch (error) {
    redis?.stop();
    await database.stop();
    throw error;
  }
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
