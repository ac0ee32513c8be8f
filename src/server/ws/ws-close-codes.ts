// Every close code a socket of this service can end with: RFC 6455's and graphql-ws's own, named
// once, so that a reader finds them all in one place.
import { CloseCode as GraphqlWsCloseCode } from 'graphql-ws';

export const WsCloseCode = {
  /** RFC 6455: the server is shutting down. */
  GoingAway: 1001,
  /** RFC 6455: a limit (too many sockets for one user) or a slow consumer (does not read what it subscribed to). */
  PolicyViolation: 1008,
  /** RFC 6455, sent by ws itself for a frame over maxFrameBytes. */
  MessageTooBig: 1009,
  /** RFC 6455: the server cannot take the socket now (its database did not answer at connection_init). */
  TryAgainLater: 1013,
  /** graphql-ws: a frame that is not a protocol message (binary frames here). */
  BadRequest: GraphqlWsCloseCode.BadRequest,
  /** graphql-ws: the server failed unexpectedly. */
  InternalServerError: GraphqlWsCloseCode.InternalServerError,
  /** graphql-ws: no valid token at connection_init, or the token expired. */
  Unauthorized: GraphqlWsCloseCode.Unauthorized,
} as const;
