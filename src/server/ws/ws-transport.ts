// graphql-ws's protocol (makeServer) carried on `ws` sockets: what graphql-ws/use/ws does, with this
// service's transport policy. graphql-ws's adapter waits for the kernel to take each frame, so a
// client that stops reading leaves its events queued out of sight (and its subscriptions end after
// 1024); here frames go to the socket at once, unsent data shows in `bufferedAmount`, and a socket
// whose unsent data passes maxBufferedBytes is a slow consumer: closed with 1008, its operations
// ended at once. A socket costs about that much memory at most, and its client learns why it was cut.
// Frames sent to a socket in the same tick (a result's `next` and its `complete`) leave in one write.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { SocketHandshake } from '../../auth/token-sources.ts';
import type { Server } from 'graphql-ws';
import type { ClientAddress } from '../http/client-address.ts';
import { WsCloseCode } from './ws-close-codes.ts';
import type { Logger } from 'pino';
import type { RawData, WebSocket, WebSocketServer } from 'ws';

/** What graphql-ws's hooks get as `ctx.extra`. */
export interface SocketExtra {
  readonly socket: WebSocket;
  /** Not the whole request, which would stay in memory as long as the socket; dropped once connection_init is answered. */
  handshake: SocketHandshake | undefined;
  /** Where the upgrade came from (client-address.ts), for logs. */
  readonly clientAddress: string;
  /** Writes one text frame (a Buffer holds UTF-8), under the same slow-consumer policy as graphql-ws's own frames. */
  readonly send: (frame: string | Buffer) => void;
}

/** A socket that answers no ping within this long is gone (graphql-ws's own interval). */
const KEEP_ALIVE_MS = 12_000;

export function serveGraphqlWs(
  wss: WebSocketServer,
  server: Server<SocketExtra>,
  options: { maxBufferedBytes: number; logger: Logger; clientAddress: ClientAddress },
): void {
  const { logger } = options;
  // One timer for every socket: each is pinged in turn, and one that answered nothing since the last
  // round is gone. A closing socket is left to ws's close timeout, so a slow consumer can read its 1008.
  const answered = new WeakSet<WebSocket>();
  const keepAlive = setInterval(() => {
    for (const socket of wss.clients) {
      if (socket.readyState !== socket.OPEN) continue;
      if (!answered.delete(socket)) socket.terminate();
      else socket.ping();
    }
  }, KEEP_ALIVE_MS);
  wss.once('close', () => clearInterval(keepAlive));

  // Listeners shared by every socket (ws calls them with the socket as `this`).
  function onPong(this: WebSocket) {
    answered.add(this);
  }
  // ws emits 'error' for what the peer did wrong (a frame over maxPayload, bad UTF-8, a protocol
  // error) after it has begun closing with the right code (1009, 1007, 1002): nothing to add.
  const onError = (error: Error) => logger.debug({ err: error }, 'socket protocol error');
  const shared: Shared = { maxBufferedBytes: options.maxBufferedBytes, logger, corked: [] };

  wss.on('connection', (socket: WebSocket, request: IncomingMessage) => {
    answered.add(socket);
    socket.on('pong', onPong);
    socket.on('error', onError);
    const channel = new Channel(socket, request.socket, shared);
    channel.opened(
      server,
      {
        socket,
        handshake: { url: request.url, headers: { authorization: request.headers.authorization } },
        clientAddress: options.clientAddress(request),
        send: channel.send,
      },
    );
  });
}

/** What every socket's Channel shares. */
interface Shared {
  readonly maxBufferedBytes: number;
  readonly logger: Logger;
  /** Streams corked in this tick, uncorked together at its end (one nextTick for all of them). */
  readonly corked: Duplex[];
}

/**
 * One socket as graphql-ws sees it. A class with the socket's state in its fields, not closures over
 * it: a closure per handler and state variable was about half a KiB per socket.
 */
class Channel {
  readonly #socket: WebSocket;
  /** The TCP socket under the WebSocket, corked from a tick's first frame to the end of that tick. */
  readonly #stream: Duplex;
  readonly #shared: Shared;
  /**
   * graphql-ws's cleanup (operations returned, onClose) runs once: when the socket closes, or at
   * once when this side gives up on a slow consumer, which may not read its close frame for a while.
   */
  #ended = false;
  #closed: ((code: number, reason: string) => Promise<void>) | undefined;
  #handle: ((data: string) => Promise<void>) | undefined;

  constructor(socket: WebSocket, stream: Duplex, shared: Shared) {
    this.#socket = socket;
    this.#stream = stream;
    this.#shared = shared;
  }

  /** graphql-ws's WebSocket: its protocol, and send, close and onMessage as methods of this. */
  get protocol(): string {
    return this.#socket.protocol;
  }

  opened(server: Server<SocketExtra>, extra: SocketExtra): void {
    this.#closed = server.opened(this, extra);
    this.#socket.on('close', this.#onClose);
  }

  close(code: number, reason: string): void {
    this.#socket.close(code, reason);
  }

  onMessage(handle: (data: string) => Promise<void>): void {
    this.#handle = handle;
    this.#socket.on('message', this.#onMessage);
  }

  /** Writes one text frame; also graphql-ws's send, and each live subscription's (SocketExtra). */
  readonly send = (data: string | Buffer): void => {
    const socket = this.#socket;
    if (this.#ended || socket.readyState !== socket.OPEN) return;
    // Judged before this frame, by what the client has not taken yet: one large result (a
    // history page) is not a slow consumer, a client that leaves frames unread is.
    const { maxBufferedBytes, corked } = this.#shared;
    if (socket.bufferedAmount > maxBufferedBytes) {
      const reason = `Slow consumer: over ${maxBufferedBytes} bytes unread`;
      socket.close(WsCloseCode.PolicyViolation, reason);
      this.#end(WsCloseCode.PolicyViolation, reason);
      return;
    }
    const stream = this.#stream;
    if (!stream.writableCorked) {
      stream.cork();
      if (corked.push(stream) === 1) process.nextTick(uncorkAll, corked);
    }
    socket.send(data, { binary: false });
  };

  readonly #onMessage = (data: RawData, isBinary: boolean): void => {
    // After a slow consumer is given up, what it still sends must start nothing new.
    if (this.#ended) return;
    const socket = this.#socket;
    // docs/contract/CONTRACT.md: a binary frame is not a valid message (graphql-ws would read it as text).
    if (isBinary) return socket.close(WsCloseCode.BadRequest, 'Binary frames are not accepted');
    this.#handle!(messageOf(data)).catch((error: unknown) => {
      this.#shared.logger.error({ err: error }, 'a socket message could not be handled');
      socket.close(WsCloseCode.InternalServerError, 'Internal server error');
    });
  };

  readonly #onClose = (code: number, reason: Buffer): void => this.#end(code, String(reason));

  #end(code: number, reason: string): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#closed!(code, reason).catch((error: unknown) => this.#shared.logger.error({ err: error }, 'socket cleanup failed'));
  }
}

function uncorkAll(corked: Duplex[]): void {
  for (const stream of corked) stream.uncork();
  corked.length = 0;
}

/**
 * A client's message for graphql-ws: parsed when it is a JSON object, else its text, which graphql-ws
 * refuses as its own parse would (4400). graphql-ws's handler of a subscribe message lasts as long as
 * the subscription and keeps what it was handed: the parsed message it keeps anyway, and the text
 * besides (a quarter of a KiB per subscription). Its parseMessage takes either (typed as text only).
 */
function messageOf(data: RawData): string {
  const text = String(data);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return text;
  }
  return typeof parsed === 'object' && parsed !== null ? (parsed as unknown as string) : text;
}
