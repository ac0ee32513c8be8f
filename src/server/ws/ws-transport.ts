// graphql-ws's protocol (makeServer) carried on `ws` sockets: what graphql-ws/use/ws does, with this
// service's transport policy. graphql-ws's adapter waits for the kernel to take each frame, so a
// client that stops reading leaves its events queued out of sight (and its subscriptions end after
// 1024); here frames go to the socket at once, unsent data shows in `bufferedAmount`, and a socket
// whose unsent data passes maxBufferedBytes is a slow consumer: closed with 1008, its operations
// ended at once. A socket costs about that much memory at most, and its client learns why it was cut.
// Frames sent to a socket in the same tick (a result's `next` and its `complete`) leave in one write.
import type { IncomingMessage } from 'node:http';
import type { SocketHandshake } from '../../auth/token-sources.ts';
import type { Server } from 'graphql-ws';
import type { ClientAddress } from '../http/client-address.ts';
import { WsCloseCode } from './ws-close-codes.ts';
import type { Logger } from 'pino';
import type { WebSocket, WebSocketServer } from 'ws';

/** What graphql-ws's hooks get as `ctx.extra`. */
export interface SocketExtra {
  readonly socket: WebSocket;
  /** Not the whole request, which would stay in memory as long as the socket. */
  readonly handshake: SocketHandshake;
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
  const { maxBufferedBytes, logger } = options;
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

  wss.on('connection', (socket: WebSocket, request: IncomingMessage) => {
    answered.add(socket);
    socket.on('pong', () => answered.add(socket));

    // graphql-ws's cleanup (operations returned, onClose) runs once: when the socket closes, or at
    // once when this side gives up on a slow consumer, which may not read its close frame for a while.
    let ended = false;
    const end = (code: number, reason: string) => {
      if (ended) return;
      ended = true;
      closed(code, reason).catch((error: unknown) => logger.error({ err: error }, 'socket cleanup failed'));
    };

    // ws emits 'error' for what the peer did wrong (a frame over maxPayload, bad UTF-8, a protocol
    // error) after it has begun closing with the right code (1009, 1007, 1002): nothing to add.
    socket.on('error', (error) => logger.debug({ err: error }, 'socket protocol error'));

    // The TCP socket under the WebSocket, corked from a tick's first frame to the end of that tick.
    const stream = request.socket;
    let corked = false;
    const uncork = () => {
      corked = false;
      stream.uncork();
    };

    const send = (data: string | Buffer) => {
      if (ended || socket.readyState !== socket.OPEN) return;
      // Judged before this frame, by what the client has not taken yet: one large result (a
      // history page) is not a slow consumer, a client that leaves frames unread is.
      if (socket.bufferedAmount > maxBufferedBytes) {
        const reason = `Slow consumer: over ${maxBufferedBytes} bytes unread`;
        socket.close(WsCloseCode.PolicyViolation, reason);
        end(WsCloseCode.PolicyViolation, reason);
        return;
      }
      if (!corked) {
        corked = true;
        stream.cork();
        process.nextTick(uncork);
      }
      socket.send(data, { binary: false });
    };

    const closed = server.opened(
      {
        protocol: socket.protocol,
        send,
        close: (code, reason) => socket.close(code, reason),
        onMessage: (handle) =>
          socket.on('message', (data, isBinary) => {
            // After a slow consumer is given up, what it still sends must start nothing new.
            if (ended) return;
            // docs/contract/CONTRACT.md: a binary frame is not a valid message (graphql-ws would read it as text).
            if (isBinary) return socket.close(WsCloseCode.BadRequest, 'Binary frames are not accepted');
            handle(String(data)).catch((error: unknown) => {
              logger.error({ err: error }, 'a socket message could not be handled');
              socket.close(WsCloseCode.InternalServerError, 'Internal server error');
            });
          }),
      },
      {
        socket,
        handshake: { url: request.url, headers: { authorization: request.headers.authorization } },
        clientAddress: options.clientAddress(request),
        send,
      },
    );
    socket.once('close', (code, reason) => end(code, String(reason)));
  });
}
