// Limits on what one socket and one user may hold open: operations running on a socket, and
// sockets a user has on this instance. Each is counted in this process only: a user connected to
// several instances may hold up to the limit on each of them.
import type { GraphQLError } from 'graphql';
import { BadInput, Overloaded } from '../errors.ts';
import { toGraphQLError } from '../server/errors/graphql-errors.ts';

/**
 * The refusal of one more operation on a socket that already runs `max`. When some of them are still
 * running (queries, mutations, subscriptions being set up) it is load: they will end by themselves,
 * so it is RATE_LIMITED with the time the socket lately took to finish one (`retryAfterMs`). When
 * all of them are live subscriptions no wait helps, only completing one or opening another socket
 * does: BAD_USER_INPUT.
 */
export function operationsOverLimit(
  running: Readonly<Record<string, unknown>>,
  max: number,
  retryAfterMs: (inFlight: number) => number,
): GraphQLError | undefined {
  // `running` is graphql-ws's ctx.subscriptions (every operation, not only subscriptions): it records
  // the new operation's id, with no result yet, before it asks onSubscribe, so the count includes it.
  // An operation still running holds null there; a live subscription, its stream.
  const ids = Object.keys(running);
  if (ids.length <= max) return undefined;
  const inFlight = ids.filter((id) => running[id] === null).length - 1;
  if (inFlight > 0) return toGraphQLError(new Overloaded(`${max} operations running on this socket`, retryAfterMs(inFlight)));
  return toGraphQLError(
    new BadInput(`At most ${max} operations may run at once on one socket: complete one first, or open another socket`),
  );
}

/**
 * How many sockets each user holds open on this instance: counts, not the sockets (a Set per user
 * was about 150 bytes per socket). The caller releases only what it admitted, once.
 */
export class SocketsPerUser {
  readonly #held = new Map<string, number>();
  readonly max: number;

  constructor(max: number) {
    this.max = max;
  }

  /** Counts one more socket for `userId` and says true, or says false when the user already holds `max`. */
  admit(userId: string): boolean {
    const held = this.#held.get(userId) ?? 0;
    if (held >= this.max) return false;
    this.#held.set(userId, held + 1);
    return true;
  }

  /** One socket admitted for `userId` has closed. */
  release(userId: string): void {
    const held = this.#held.get(userId);
    if (held === undefined) return;
    if (held > 1) this.#held.set(userId, held - 1);
    else this.#held.delete(userId);
  }
}
