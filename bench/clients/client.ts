// What the load generator does with a system, whatever its protocol: one WebSocket per user that
// subscribes to a room, sends on the same socket, and pages history. Message content carries the
// generator's send time, so every subscriber's receipt gives a send-to-receive latency.
import type { WebSocket } from 'ws';
import type { SystemName } from '../spec.ts';

export type SendOutcome = { ok: true } | { ok: false; error: string };
/** A send's outcome; stored, with the message's id (what an edit or a reaction names). */
export type SentOutcome = { ok: true; messageId: string } | { ok: false; error: string };

export interface Page {
  count: number;
  /** What asks for the page before this one (a cursor, or a seq for the baseline); undefined at the start. */
  previous: string | undefined;
}

export interface ChatClient {
  /** Called for every bench message delivered to this socket's subscription. */
  onDelivery: (sentAt: number, step: number, serial: number) => void;
  /** Counts subscriptions that ended or failed, which should never happen during a run. */
  subscriptionFailures: number;
  subscribe(roomId: string): void;
  send(roomId: string, content: string, clientMessageId: string): Promise<SentOutcome>;
  /** Replaces the content of the client's own message. */
  edit(messageId: string, content: string): Promise<SendOutcome>;
  /** Adds (or with added false, removes) the client's reaction. */
  react(messageId: string, emoji: string, added: boolean): Promise<SendOutcome>;
  page(roomId: string, previous: string | undefined, last: number): Promise<Page>;
  close(): Promise<void>;
}

export async function connect(system: SystemName, url: string, token: string): Promise<ChatClient> {
  const module = system === 'service' ? await import('./graphql-ws.ts') : await import('./baseline.ts');
  return module.connectClient(url, token);
}

/** `b|<send time, performance.now() ms>|<step>|<serial>`: step 0 is the warm-up. */
export const benchContent = (step: number, serial: number) => `b|${performance.now().toFixed(3)}|${step}|${serial}`;

const MARKER = '"content":"b|';

/**
 * Reads a delivery's bench content straight from the frame text, without parsing the JSON, so that
 * the generator's cost per delivery stays low and the same for both protocols. Undefined for other frames.
 */
export function readDelivery(frame: string): { sentAt: number; step: number; serial: number } | undefined {
  const start = frame.indexOf(MARKER);
  if (start < 0) return undefined;
  const end = frame.indexOf('"', start + MARKER.length);
  const [sentAt, step, serial] = frame.slice(start + MARKER.length, end).split('|');
  return { sentAt: Number(sentAt), step: Number(step), serial: Number(serial) };
}

/** Resolves when the socket is open, rejects if it closes or fails first. */
export function opened(socket: WebSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
    socket.once('close', (code, reason) => reject(new Error(`closed ${code} ${reason}`)));
  });
}

export function closeSocket(socket: WebSocket): Promise<void> {
  return new Promise((resolve) => {
    if (socket.readyState === socket.CLOSED) return resolve();
    const timer = setTimeout(() => socket.terminate(), 2_000);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.close(1000, 'bench done');
  });
}
