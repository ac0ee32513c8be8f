// The two transports a subscription can take, behind one interface, so that one table of cases runs
// over both and they cannot drift apart: the WebSocket (graphql-ws, what apps use) and server-sent
// events (what GraphiQL and curl use).
import type { Client } from 'graphql-ws';
import { subscriptionRefusal } from './chat.ts';
import { collectSse, sseRefusal } from './sse.ts';
import type { TestServer } from './server.ts';
import type { TestUser } from './tokens.ts';
import { collect, wsClient, type Collector } from './ws.ts';

export type Transport = 'WebSocket' | 'SSE';
export const TRANSPORTS: Transport[] = ['WebSocket', 'SSE'];

export interface Refusal {
  codes: unknown[];
  data: unknown[];
  ended: boolean;
}

/** Opens subscriptions over one transport and closes them all in `dispose()` (call it from afterEach). */
export interface Subscriber {
  subscribe<T = any>(user: TestUser, query: string, variables?: Record<string, unknown>, field?: string): Collector<T>;
  /** How a subscription that must be refused ends; `user` undefined sends no token at all. */
  refusal(user: TestUser | undefined, query: string, variables?: Record<string, unknown>): Promise<Refusal>;
  dispose(): Promise<void>;
}

export function subscriberOver(transport: Transport, server: TestServer): Subscriber {
  const open: { dispose(): void }[] = [];
  const clients: Client[] = [];
  const clientOf = (user: TestUser | undefined) => {
    const client = wsClient(server.wsUrl, { token: user?.token });
    clients.push(client);
    return client;
  };
  const track = <T extends { dispose(): void }>(subscription: T) => (open.push(subscription), subscription);
  return {
    subscribe: (user, query, variables = {}, field) =>
      track(transport === 'SSE' ? collectSse(server.httpUrl, user.token, query, variables, field) : collect(clientOf(user), query, variables, field)),
    refusal: (user, query, variables = {}) =>
      transport === 'SSE' ? sseRefusal(server.httpUrl, user?.token, query, variables) : subscriptionRefusal(clientOf(user), query, variables),
    dispose: async () => {
      for (const subscription of open.splice(0)) subscription.dispose();
      await Promise.all(clients.splice(0).map((client) => client.dispose()));
    },
  };
}
