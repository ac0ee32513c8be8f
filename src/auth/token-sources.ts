// Where a client may put its token: the Authorization header over HTTP; over WebSocket, any of
// connectionParams.authorization / connectionParams.token, the `token` query parameter, the header.
import type { IncomingMessage } from 'node:http';

/** "Bearer <jwt>" or a bare jwt, as docs/contract/CONTRACT.md allows. */
export function tokenFromAuthorization(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const token = value.replace(/^Bearer\s+/i, '').trim();
  return token === '' ? undefined : token;
}

/** What a socket keeps of its upgrade request: the parts a token may come in. */
export interface SocketHandshake {
  readonly url: IncomingMessage['url'];
  readonly headers: Pick<IncomingMessage['headers'], 'authorization'>;
}

export function tokenFromSocket(
  connectionParams: Readonly<Record<string, unknown>> | undefined,
  request: SocketHandshake,
): string | undefined {
  const url = new URL(request.url ?? '/', 'http://socket');
  return (
    tokenFromAuthorization(connectionParams?.authorization ?? connectionParams?.Authorization) ??
    tokenFromAuthorization(connectionParams?.token) ??
    tokenFromAuthorization(url.searchParams.get('token') ?? undefined) ??
    tokenFromAuthorization(request.headers.authorization)
  );
}
