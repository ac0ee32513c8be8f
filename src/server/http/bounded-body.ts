// Every HTTP request body is read here, in memory, up to HTTP_MAX_BODY_BYTES and no further (CONTRACT,
// Limits): one whose Content-Length is over the limit is refused with 413 before a byte of it is read,
// one streamed without a length (chunked) as soon as its bytes pass the limit, and nothing in either
// runs. A body within the limit goes on already read, so that no route (GraphQL, /dev/token) reads
// an unbounded one.
import type { IncomingMessage, ServerResponse } from 'node:http';

type Handler = (request: IncomingMessage, response: ServerResponse) => unknown;

/** Bytes of a refused body still read and dropped, so that the client can read the 413 before the socket closes. */
const DRAIN_BYTES = 1024 * 1024;

export function withBoundedBody(maxBytes: number, handle: Handler): Handler {
  return (request, response) => {
    if (request.method === 'GET' || request.method === 'HEAD') return handle(request, response);
    if (Number(request.headers['content-length']) > maxBytes) return refuse(request, response, maxBytes);
    const chunks: Buffer[] = [];
    let received = 0;
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received <= maxBytes) {
        chunks.push(chunk);
        return;
      }
      request.off('data', onData).off('end', onEnd);
      chunks.length = 0;
      refuse(request, response, maxBytes);
    };
    const onEnd = () => {
      // Yoga's server adapter takes a request whose `body` is a Uint8Array as already read.
      if (received > 0) Object.assign(request, { body: Buffer.concat(chunks, received) });
      handle(request, response);
    };
    request.on('data', onData).on('end', onEnd);
  };
}

function refuse(request: IncomingMessage, response: ServerResponse, maxBytes: number): void {
  const body = JSON.stringify({
    errors: [{ message: `The request body is larger than ${maxBytes} bytes`, extensions: { code: 'BAD_USER_INPUT' } }],
  });
  response.writeHead(413, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), connection: 'close' });
  response.end(body);
  // Closing at once would reset the connection under a client still writing, which may then never
  // see the answer: the rest is read and dropped, up to a bound, and the socket is closed after that.
  let drained = 0;
  request.on('data', (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > DRAIN_BYTES) request.socket.destroy();
  });
  request.resume();
}
