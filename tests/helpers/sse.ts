// GraphQL subscriptions over server-sent events, as GraphiQL and curl run them: a POST with
// `accept: text/event-stream`, answered by a stream of `next` events and a final `complete`
// (Yoga's "distinct connections" mode). Events are collected into the same feed as the WebSocket's.
import { feed } from './feed.ts';
import type { Collector } from './ws.ts';

/** What one SSE subscription received, and its end; `close()` ends it from the client's side. */
interface SseStream {
  /** Each `next` event's payload ({ data, errors }), in order. */
  onNext: (payload: { data?: Record<string, unknown> | null; errors?: { extensions?: { code?: unknown } }[] }) => void;
  /** The stream ended: `complete`, the server closing, or an answer that was not a stream. */
  onEnd: () => void;
  onFailure: (error: unknown) => void;
}

/** Opens the subscription and returns what closes it. An answer that is not a stream (401, 400) counts as one `next`. */
function openSse(url: string, token: string | undefined, query: string, variables: Record<string, unknown>, stream: SseStream): () => void {
  const abort = new AbortController();
  void (async () => {
    const response = await fetch(url, {
      method: 'POST',
      signal: abort.signal,
      headers: {
        'content-type': 'application/json',
        accept: 'text/event-stream',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify({ query, variables }),
    });
    if (!response.headers.get('content-type')?.startsWith('text/event-stream')) {
      stream.onNext((await response.json()) as Parameters<SseStream['onNext']>[0]);
      return stream.onEnd();
    }
    const decoder = new TextDecoder();
    let buffered = '';
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      buffered += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buffered.indexOf('\n\n')) >= 0) {
        const block = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: ?(.*)$/m.exec(block)?.[1];
        if (event === 'next' && data) stream.onNext(JSON.parse(data));
        if (event === 'complete') return stream.onEnd();
      }
    }
    stream.onEnd();
  })().catch((error: unknown) => {
    if (!abort.signal.aborted) stream.onFailure(error);
  });
  return () => abort.abort();
}

/** Collects a subscription's events over SSE; `dispose()` closes the stream, as closing a GraphiQL tab does. */
export function collectSse<T = any>(
  url: string,
  token: string | undefined,
  query: string,
  variables: Record<string, unknown> = {},
  field?: string,
): Collector<T> {
  const received = feed<T>();
  const dispose = openSse(url, token, query, variables, {
    onNext: (result) => {
      if (result.errors?.length) received.fail(result.errors);
      const data = result.data;
      if (data) received.push(field ? (data[field] as T) : (Object.values(data)[0] as T));
    },
    onEnd: () => received.end(),
    onFailure: (error) => received.fail(error),
  });
  return {
    events: received.events,
    errors: received.errors,
    waitForCount: (count, timeoutMs = 5000) => received.waitForCount(count, `${count} events`, timeoutMs),
    waitFor: (predicate, what, timeoutMs = 5000) => received.waitFor(predicate, what, timeoutMs),
    waitForError: (timeoutMs = 5000) => received.waitForError('an error', timeoutMs),
    dispose,
  };
}

/** How a refused SSE subscription ends: its error codes, the data it delivered (none is right), and that it ended. */
export function sseRefusal(
  url: string,
  token: string | undefined,
  query: string,
  variables: Record<string, unknown>,
  timeoutMs = 5000,
): Promise<{ codes: unknown[]; data: unknown[]; ended: boolean }> {
  const codes: unknown[] = [];
  const data: unknown[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      close();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for the refused SSE subscription to end: ${query.slice(0, 80)}`));
    }, timeoutMs);
    const close = openSse(url, token, query, variables, {
      onNext: (result) => {
        if (result.data) data.push(result.data);
        for (const error of result.errors ?? []) codes.push(error.extensions?.code);
      },
      onEnd: () => {
        clearTimeout(timer);
        resolve({ codes, data, ended: true });
      },
      onFailure: (error) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    });
  });
}
