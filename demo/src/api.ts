// The API as this page sees it: where it is, development tokens, and one urql client per signed-in
// user (queries and mutations over HTTP, subscriptions over the graphql-ws WebSocket).
import { Client, fetchExchange, subscriptionExchange, type CombinedError } from '@urql/core';
import { createClient as createWsClient } from 'graphql-ws/client';

/** The API of the service that served this page, unless `?api=http://host:port/graphql` names another. */
export function apiUrl(): string {
  return new URL(new URLSearchParams(location.search).get('api') ?? '/graphql', location.href).href;
}

/**
 * A development token for any user id, from the server that served this page (POST /dev/token). The
 * service answers it only in development mode, where the signing secret is public anyway.
 */
export async function mintDevToken(userId: string, name: string): Promise<string> {
  const response = await fetch(new URL('/dev/token', location.href), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ userId, name: name || undefined }),
  });
  if (response.status === 404) {
    throw new Error('This server mints no development tokens (production, or a configured key): paste a token.');
  }
  const body = (await response.json().catch(() => ({}))) as { token?: string; error?: string };
  if (!response.ok || !body.token) throw new Error(body.error ?? `POST /dev/token answered ${response.status}`);
  return body.token;
}

export interface Api {
  readonly client: Client;
  close(): void;
}

export type ConnectionState = 'live' | 'offline';

export function connect(token: string, onConnection: (state: ConnectionState) => void): Api {
  const url = apiUrl();
  const socket = createWsClient({
    url: url.replace(/^http/, 'ws'),
    connectionParams: { authorization: `Bearer ${token}` },
    // Survives a restarting development server; graphql-ws gives up by itself on 4401 and other fatal codes.
    retryAttempts: 20,
    retryWait: (retries) => new Promise((resolve) => setTimeout(resolve, Math.min(1000 * 2 ** retries, 10_000))),
    on: { connected: () => onConnection('live'), closed: () => onConnection('offline') },
  });
  const client = new Client({
    url,
    // A chat wants what the server says now: no document cache.
    requestPolicy: 'network-only',
    fetchOptions: { headers: { authorization: `Bearer ${token}` } },
    exchanges: [
      fetchExchange,
      subscriptionExchange({
        forwardSubscription: (request) => ({
          subscribe: (sink) => ({ unsubscribe: socket.subscribe({ ...request, query: request.query ?? '' }, sink) }),
        }),
      }),
    ],
  });
  return { client, close: () => void socket.dispose() };
}

/** Whether the service refused an operation because the caller is not (or no longer) a member of its room. */
export function isForbidden(error: CombinedError | Error): boolean {
  return 'graphQLErrors' in error && error.graphQLErrors.some((each) => each.extensions.code === 'FORBIDDEN');
}

/** What to show for a failed operation: the server's message and its contract code. */
export function describeError(error: CombinedError | Error): string {
  if ('graphQLErrors' in error && error.graphQLErrors.length > 0) {
    return error.graphQLErrors.map((e) => `${e.message} (${String(e.extensions.code ?? 'ERROR')})`).join('; ');
  }
  return error.message;
}
