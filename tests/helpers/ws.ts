// GraphQL over WebSocket with the real graphql-ws client, and a collector for subscription events
// whose every wait has an expiry that says what was awaited. Clients, subscriptions and raw sockets
// are disposed after the test that opened them (disposal.ts).
import { createClient, type Client, type ClientOptions } from 'graphql-ws';
import WebSocket from 'ws';
import { disposeLater } from './disposal.ts';
import { feed } from './feed.ts';
import { withTimeout } from './waits.ts';

// First written here: still importable from here.
export { withTimeout };

export function wsClient(url: string, options: Partial<ClientOptions> & { token?: string } = {}): Client {
  const { token, ...rest } = options;
  const client = createClient({
    url,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: true,
    connectionParams: token ? { authorization: `Bearer ${token}` } : undefined,
    ...rest,
  });
  disposeLater('a graphql-ws client', () => client.dispose());
  return client;
}

export interface Collector<T> {
  readonly events: T[];
  readonly errors: unknown[];
  /** Resolves once `count` events have arrived (in total); rejects after `timeoutMs`. */
  waitForCount(count: number, timeoutMs?: number): Promise<T[]>;
  /** Resolves with the first event (past or future) matching `predicate`. */
  waitFor(predicate: (event: T) => boolean, what: string, timeoutMs?: number): Promise<T>;
  /** Resolves when the subscription ends with an error, with that error. */
  waitForError(timeoutMs?: number): Promise<unknown>;
  dispose(): void;
}

export function collect<T = any>(
  client: Client,
  query: string,
  variables: Record<string, unknown> = {},
  field?: string,
): Collector<T> {
  const received = feed<T>();
  const unsubscribe = client.subscribe<Record<string, T>>(
    { query, variables },
    {
      next: (result) => {
        if (result.errors?.length) received.fail(result.errors);
        const data = result.data;
        if (data) received.push(field ? data[field]! : (Object.values(data)[0] as T));
      },
      error: (error) => received.fail(error),
      complete: () => received.end(),
    },
  );
  return {
    events: received.events,
    errors: received.errors,
    waitForCount: (count, timeoutMs = 5000) => received.waitForCount(count, `${count} events`, timeoutMs),
    waitFor: (predicate, what, timeoutMs = 5000) => received.waitFor(predicate, what, timeoutMs),
    waitForError: (timeoutMs = 5000) => received.waitForError('an error', timeoutMs),
    dispose: disposeLater('a subscription', unsubscribe),
  };
}

/** Opens a raw socket (no graphql-ws client) for protocol-level tests; resolves when open. */
export function rawSocket(url: string, protocols: string | string[] = 'graphql-transport-ws', headers?: Record<string, string>) {
  const socket = new WebSocket(url, protocols, { headers });
  disposeLater('a raw WebSocket', () => socket.terminate());
  const messages: unknown[] = [];
  socket.on('message', (data) => messages.push(JSON.parse(String(data))));
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.on('close', (code, reason) => resolve({ code, reason: String(reason) })),
  );
  const opened = new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return { socket, messages, closed, opened };
}

export type RawSocket = ReturnType<typeof rawSocket>;

/** A graphql-ws protocol message as it travels on the wire. */
export interface Frame {
  id?: string;
  type: string;
  payload?: any;
}

/** Sends a protocol message (an object as JSON) or a raw text frame as it is. */
export const sendFrame = (raw: RawSocket, message: unknown) =>
  raw.socket.send(typeof message === 'string' ? message : JSON.stringify(message));

/** The first frame, received or still to come, that `matches`. */
export function waitForFrame(raw: RawSocket, matches: (frame: Frame) => boolean, what: string, timeoutMs = 5000): Promise<Frame> {
  const found = (raw.messages as Frame[]).find(matches);
  if (found) return Promise.resolve(found);
  return withTimeout(
    new Promise<Frame>((resolve) => {
      const onMessage = (data: unknown) => {
        const message = JSON.parse(String(data)) as Frame;
        if (!matches(message)) return;
        raw.socket.off('message', onMessage);
        resolve(message);
      };
      raw.socket.on('message', onMessage);
    }),
    what,
    timeoutMs,
  );
}
