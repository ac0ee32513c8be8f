// Decides, before any WebSocket exists, whether an HTTP upgrade request may become one: the path
// (404), a browser's Origin (403, see ws-origin-policy.ts) and the rate of connection attempts from the
// client's address (429 with Retry-After; behind a trusted proxy, see client-address.ts). A refused request costs a few bytes and no socket state.
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { RateLimit } from '../../config.ts';
import type { RateLimiter } from '../../limits/index.ts';
import type { ClientAddress } from '../http/client-address.ts';
import { originAllowed } from './ws-origin-policy.ts';

export interface UpgradeGateOptions {
  endpoint: string;
  allowedOrigins: readonly string[];
  connectionsPerIp: RateLimit;
  rateLimiter: RateLimiter;
  clientAddress: ClientAddress;
}

/** Resolves true when the upgrade may go on; otherwise it has answered the request and closed it. */
export type UpgradeGate = (request: IncomingMessage, socket: Duplex) => Promise<boolean>;

export function createUpgradeGate(options: UpgradeGateOptions): UpgradeGate {
  return async (request, socket) => {
    if (new URL(request.url ?? '/', 'http://upgrade').pathname !== options.endpoint) {
      return refuseUpgrade(socket, 404, 'Not found');
    }
    if (!originAllowed(request.headers.origin, request.headers.host, options.allowedOrigins)) {
      return refuseUpgrade(socket, 403, 'This origin may not open a WebSocket here');
    }
    // Node's HTTP server drops its listeners from an upgrading socket: a client that resets while
    // the limiter answers (a Redis round trip) must not become an unhandled 'error'.
    const onError = () => socket.destroy();
    socket.on('error', onError);
    try {
      // Every attempt the origin check let through counts, whatever its token: the limit is on the
      // work an address makes the server do, and a token is checked only after the upgrade.
      const decision = await options.rateLimiter.take('connect', options.clientAddress(request), options.connectionsPerIp);
      if (!decision.allowed) {
        const seconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
        return refuseUpgrade(socket, 429, 'Too many connection attempts', { 'Retry-After': String(seconds) });
      }
    } finally {
      socket.off('error', onError);
    }
    return !socket.destroyed;
  };
}

/** Answers an upgrade request with a plain HTTP error and closes the connection once it is written. */
export function refuseUpgrade(socket: Duplex, status: number, message: string, headers: Record<string, string> = {}): false {
  if (socket.destroyed) return false;
  const body = `${message}\n`;
  const head = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`,
    'Connection: close',
    'Content-Type: text/plain; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  // end() alone would leave the connection half-open until the client closes its side.
  socket.once('finish', () => socket.destroy());
  socket.end(`${head.join('\r\n')}\r\n\r\n${body}`);
  return false;
}
