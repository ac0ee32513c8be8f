// The service's client: the graphql-ws protocol (subprotocol graphql-transport-ws) spoken directly on
// `ws` rather than through graphql-ws's client, so that the generator's work per frame is as small as
// the baseline client's. Subscriptions, mutations and queries all go over the one socket.
import { WebSocket } from 'ws';
import { closeSocket, opened, readDelivery, type ChatClient, type Page, type SendOutcome, type SentOutcome } from './client.ts';

const MESSAGE_FIELDS = 'id roomId seq senderId senderName content clientMessageId createdAt';
const SUBSCRIBE = `subscription($roomId: ID) { messageAdded(roomId: $roomId) { ${MESSAGE_FIELDS} } }`;
const SEND = `mutation($roomId: ID!, $content: String!, $clientMessageId: String) {
  sendMessage(roomId: $roomId, content: $content, clientMessageId: $clientMessageId) { id } }`;
const EDIT = 'mutation($messageId: ID!, $content: String!) { editMessage(messageId: $messageId, content: $content) { id } }';
const REACT = 'mutation($messageId: ID!, $emoji: String!) { addReaction(messageId: $messageId, emoji: $emoji) { id } }';
const UNREACT = 'mutation($messageId: ID!, $emoji: String!) { removeReaction(messageId: $messageId, emoji: $emoji) { id } }';
const PAGE = `query($roomId: ID!, $last: Int, $before: String) {
  messages(roomId: $roomId, last: $last, before: $before) { edges { node { ${MESSAGE_FIELDS} } } pageInfo { hasPreviousPage startCursor } } }`;

interface Result {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}
type ServerMessage = { type: string; id?: string; payload?: unknown };

export async function connectClient(url: string, token: string): Promise<ChatClient> {
  const socket = new WebSocket(url, 'graphql-transport-ws', { perMessageDeflate: false, skipUTF8Validation: true });
  await opened(socket);
  const pending = new Map<string, { resolve: (result: Result) => void; reject: (error: Error) => void }>();
  const subscriptions = new Set<string>();
  let nextId = 0;
  /** Set by close(): a socket this side closes ends no subscription by surprise. */
  let closing = false;
  let acknowledge!: () => void;
  let refuse!: (error: Error) => void;
  const acknowledged = new Promise<void>((resolve, reject) => ((acknowledge = resolve), (refuse = reject)));

  const operation = (query: string, variables: Record<string, unknown>): Promise<Result> =>
    new Promise((resolve, reject) => {
      const id = `o${nextId++}`;
      pending.set(id, { resolve, reject });
      socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query, variables } }));
    });
  // An error's code, with what was busy when the service was (its message names the bound that refused:
  // "The server is busy (sends waiting for storage): retry in 12 ms"), so a step's errors say which bound.
  const describe = (result: Result) =>
    result.errors?.map((e) => [e.extensions?.code ?? e.message, /busy \(([^)]*)\)/.exec(e.message)?.[1]].filter(Boolean).join(': ')).join(', ') ??
    'no data';
  /** A mutation whose one root field answers a message: its id, or why not. */
  const mutate = async (query: string, variables: Record<string, unknown>): Promise<{ ok: true; id: string } | { ok: false; error: string }> => {
    try {
      const result = await operation(query, variables);
      const answer = result.data && (Object.values(result.data)[0] as { id: string } | null);
      return answer ? { ok: true, id: answer.id } : { ok: false, error: describe(result) };
    } catch (error) {
      return { ok: false, error: (error as Error).message };
    }
  };

  const client: ChatClient = {
    onDelivery: () => undefined,
    subscriptionFailures: 0,
    subscribe(roomId) {
      const id = `s${nextId++}`;
      subscriptions.add(id);
      socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query: SUBSCRIBE, variables: { roomId } } }));
    },
    async send(roomId, content, clientMessageId): Promise<SentOutcome> {
      const outcome = await mutate(SEND, { roomId, content, clientMessageId });
      return outcome.ok ? { ok: true, messageId: outcome.id } : outcome;
    },
    edit: (messageId, content) => mutate(EDIT, { messageId, content }),
    react: (messageId, emoji, added) => mutate(added ? REACT : UNREACT, { messageId, emoji }),
    async page(roomId, previous, last): Promise<Page> {
      const result = await operation(PAGE, { roomId, last, before: previous });
      const messages = result.data?.messages as { edges: unknown[]; pageInfo: { hasPreviousPage: boolean; startCursor: string | null } } | undefined;
      if (!messages) throw new Error(describe(result));
      const { hasPreviousPage, startCursor } = messages.pageInfo;
      return { count: messages.edges.length, previous: hasPreviousPage && startCursor ? startCursor : undefined };
    },
    close: () => {
      closing = true;
      return closeSocket(socket);
    },
  };

  socket.on('message', (data: Buffer) => {
    const text = data.toString();
    const delivery = readDelivery(text);
    if (delivery) return client.onDelivery(delivery.sentAt, delivery.step, delivery.serial);
    const message = JSON.parse(text) as ServerMessage;
    const waiting = message.id === undefined ? undefined : pending.get(message.id);
    if (message.type === 'connection_ack') acknowledge();
    else if (message.type === 'ping') socket.send('{"type":"pong"}');
    else if (waiting && message.type === 'next') {
      pending.delete(message.id!);
      waiting.resolve(message.payload as Result);
    } else if (waiting && message.type === 'error') {
      pending.delete(message.id!);
      waiting.resolve({ errors: message.payload as Result['errors'] });
    } else if ((message.type === 'error' || message.type === 'complete') && subscriptions.delete(message.id!)) {
      client.subscriptionFailures++;
    }
  });
  socket.on('close', (code, reason) => {
    const error = new Error(`socket closed ${code} ${reason}`);
    refuse(error);
    for (const waiting of pending.values()) waiting.reject(error);
    pending.clear();
    if (!closing) client.subscriptionFailures += subscriptions.size;
    subscriptions.clear();
  });
  socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
  await acknowledged;
  return client;
}
