// Queries and mutations on a socket, answered without graphql-ws's per-operation machinery.
//
// graphql-ws handles every `subscribe` message alike: it validates the parsed message, awaits about
// ten hooks in turn (each a microtask, most of them unset), and serialises `next` and `complete`
// through its own validation. A send over the socket is such a message, so that machinery was paid
// on every message sent. Here a query or mutation whose text this instance has already parsed and
// validated is run straight away: the same checks (an acknowledged connection, an id not in use, the
// socket's operation limit), the same context and compiled execution as through graphql-ws, its
// `next` and `complete` frames written together. Anything else (a subscription, a text seen for the
// first time, a malformed or refused message) goes to graphql-ws as it came, which answers it as
// always: so every error a client can get still comes from one place.
import { getOperationAST, type DocumentNode, type ExecutionArgs } from 'graphql';
import { MessageType, type Context } from 'graphql-ws';
import type { OperationContext } from '../context.ts';
import type { SocketSession } from './context-factory.ts';
import type { SocketExecute } from './socket-execution.ts';
import type { SocketExtra } from './ws-transport.ts';

/** What a socket has once its connection_init was accepted: its identity and graphql-ws's own state for it. */
export interface AcknowledgedSocket {
  readonly session: SocketSession;
  readonly protocol: Context<Record<string, unknown> | undefined, SocketExtra>;
}

export interface DirectAnswerOptions {
  readonly schema: ExecutionArgs['schema'];
  readonly socketOf: (extra: SocketExtra) => AcknowledgedSocket | undefined;
  /** The text's document when it was parsed and validated before; undefined sends it through graphql-ws. */
  readonly validatedDocument: (query: string) => DocumentNode | undefined;
  readonly context: (session: SocketSession) => Promise<OperationContext>;
  readonly execute: SocketExecute;
  /** graphql-ws's ctx.subscriptions holds at most this many operations of a socket. */
  readonly maxOperations: number;
}

/** Answers `text` itself (the promise settles once it has), or answers undefined and leaves it to graphql-ws. */
export type AnswerDirectly = (text: string, extra: SocketExtra) => Promise<void> | undefined;

interface SubscribeMessage {
  id: string;
  payload: { query: string; operationName?: string | null; variables?: Record<string, unknown> | null };
}

export function createDirectAnswers(options: DirectAnswerOptions): AnswerDirectly {
  const { schema, socketOf, validatedDocument, execute, maxOperations } = options;
  /** Per document and operation name, whether it is a query or mutation (a subscription is not answered here). */
  const singleResult = new WeakMap<DocumentNode, Map<string, boolean>>();

  const isSingleResult = (document: DocumentNode, operationName: string | null | undefined): boolean => {
    let byName = singleResult.get(document);
    if (!byName) singleResult.set(document, (byName = new Map()));
    const name = operationName ?? '';
    let single = byName.get(name);
    if (single === undefined) {
      const operation = getOperationAST(document, operationName)?.operation;
      byName.set(name, (single = operation === 'query' || operation === 'mutation'));
    }
    return single;
  };

  const answer = async (socket: AcknowledgedSocket, extra: SocketExtra, message: SubscribeMessage, document: DocumentNode) => {
    const { id, payload } = message;
    const running = socket.protocol.subscriptions as Record<string, null>;
    try {
      const result = await execute({
        schema,
        document,
        operationName: payload.operationName,
        variableValues: payload.variables,
        contextValue: await options.context(socket.session),
      });
      // The client's `complete` for this id, while it ran, took it out: it wants no answer (as graphql-ws does).
      if (!(id in running)) return;
      const quotedId = JSON.stringify(id);
      extra.send(`{"id":${quotedId},"type":"${MessageType.Next}","payload":${JSON.stringify(result)}}`);
      extra.send(`{"id":${quotedId},"type":"${MessageType.Complete}"}`);
    } finally {
      delete running[id];
    }
  };

  return (text, extra) => {
    const socket = socketOf(extra);
    if (!socket?.protocol.acknowledged) return undefined;
    const message = subscribeMessage(text);
    if (!message) return undefined;
    const document = validatedDocument(message.payload.query);
    if (!document || !isSingleResult(document, message.payload.operationName)) return undefined;
    const running = socket.protocol.subscriptions as Record<string, null>;
    // graphql-ws closes the socket for an id in use, and refuses one operation over the limit.
    if (message.id in running || Object.keys(running).length >= maxOperations) return undefined;
    running[message.id] = null;
    return answer(socket, extra, message, document);
  };
}

/** A well-formed `subscribe` message, or undefined for anything graphql-ws should judge. */
function subscribeMessage(text: string): SubscribeMessage | undefined {
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof message !== 'object' || message === null) return undefined;
  const { type, id, payload } = message as Record<string, unknown>;
  if (type !== MessageType.Subscribe || typeof id !== 'string' || id === '') return undefined;
  if (typeof payload !== 'object' || payload === null) return undefined;
  const { query, operationName, variables, extensions } = payload as Record<string, unknown>;
  if (typeof query !== 'string') return undefined;
  if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') return undefined;
  if (variables !== undefined && variables !== null && (typeof variables !== 'object' || Array.isArray(variables))) return undefined;
  if (extensions !== undefined && extensions !== null && (typeof extensions !== 'object' || Array.isArray(extensions))) return undefined;
  return message as SubscribeMessage;
}
