// Limits on what one socket and one user may hold open: operations running on a socket, and
// sockets a user has on this instance. Each is counted in this process only: a user connected to
// several instances may hold up to the limit on each of them.
import type { GraphQLError } from 'graphql';
import { BadInput } from '../errors.ts';
import { toGraphQLError } from '../server/errors/graphql-errors.ts';

/**
 * The refusal of one more operation on a socket that already runs `max`. BAD_USER_INPUT rather than
 * RATE_LIMITED: no wait makes a retry succeed (docs/contract/CONTRACT.md ties RATE_LIMITED to retryAfterMs), only
 * completing another operation on the socket, or opening another socket, does.
 */
export function operationsOverLimit(running: Readonly<Record<string, unknown>>, max: number): GraphQLError | undefined {
  // `running` is graphql-ws's ctx.subscriptions (every operation, not only subscriptions): it records
  // the new operation's id, with no result yet, before it asks onSubscribe, so the count includes it.
  if (Object.keys(running).length <= max) return undefined;
  return toGraphQLError(
    new BadInput(`At most ${max} operations may run at once on one socket: complete one first, or open another socket`),
  );
}

/** The sockets each user holds open on this instance. */
export class SocketsPerUser<S extends object> {
  readonly #sockets = new Map<string, Set<S>>();
  readonly max: number;

  constructor(max: number) {
    this.max = max;
  }

  /** Counts `socket` for `userId` and says true, or says false when the user already holds `max`. */
  admit(userId: string, socket: S): boolean {
    const held = this.#sockets.get(userId) ?? new Set<S>();
    if (held.size >= this.max) return false;
    held.add(socket);
    this.#sockets.set(userId, held);
    return true;
  }

  release(userId: string, socket: S): void {
    const held = this.#sockets.get(userId);
    if (!held?.delete(socket)) return;
    if (held.size === 0) this.#sockets.delete(userId);
  }
}
