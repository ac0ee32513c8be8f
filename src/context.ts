// The per-operation context: who asks, its entity manager and loaders (made on first use), and the app's shared services.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import type { NewMessage, StoreResult } from './db/messages-store.ts';
import type { RunStatement, RunTransaction } from './db/prepared.ts';
import type { Config } from './config.ts';
import type { Identity } from './auth/identity.ts';
import type { RateLimiter } from './limits/index.ts';
import type { Metrics } from './metrics/metrics.ts';
import type { Loaders } from './resolvers/loaders.ts';
import type { PresenceStore } from './presence/presence-store.ts';
import type { PubSub } from './pubsub/index.ts';
import type { OpenStreams } from './resolvers/event-stream.ts';
import type { FeedCatchUp } from './resolvers/feed-catch-up.ts';
import type { TypingTimers } from './typing/index.ts';

/** What lives as long as the app: built once by app.ts, shared by every operation. */
export interface Services {
  readonly config: Config;
  readonly pubsub: PubSub;
  readonly presence: PresenceStore;
  readonly typingTimers: TypingTimers;
  readonly rateLimiter: RateLimiter;
  readonly metrics: Metrics;
  /** Subscriptions open now; a graceful stop waits for their cleanups. */
  readonly streams: OpenStreams;
  /** Feeds with a sequence, caught up from storage when pub-sub resumes after losing events. */
  readonly feedCatchUp: FeedCatchUp;
  readonly logger: Logger;
  /** Runs a hot statement (db/prepared.ts) without an entity manager. */
  readonly run: RunStatement;
  /** Runs statements in one transaction (db/prepared.ts): a room's creation and changes. */
  readonly transaction: RunTransaction;
  /** Stores a send (messages-store.ts), several in one statement under load. */
  readonly storeMessage: (message: NewMessage) => Promise<StoreResult>;
  /** A fresh entity manager for one unit of work. */
  readonly entityManager: () => EntityManager;
}

export interface OperationContext {
  readonly viewer: Identity;
  /** This operation's entity manager, forked on first call: a subscription that never reads keeps none. */
  readonly em: () => EntityManager;
  readonly services: Services;
  readonly loaders: Loaders;
  readonly requestId: string;
  /** Where the operation came from (the client behind a trusted proxy), for logs. */
  readonly clientAddress: string;
}
