// A request that accepts anything (no Accept header, or */*) gets GraphQL over HTTP's own media type,
// application/graphql-response+json, whose status codes say when a request was refused before it ran.
import type { IncomingMessage } from 'node:http';

const PREFERRED = 'application/graphql-response+json, application/json;q=0.9';

export function withDefaultAccept(request: IncomingMessage): IncomingMessage {
  const accept = request.headers.accept?.trim();
  if (!accept || accept === '*/*') request.headers.accept = PREFERRED;
  return request;
}
