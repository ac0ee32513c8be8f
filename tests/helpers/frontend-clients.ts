// The two frontend set-ups the README teaches, written as a browser app writes them: Apollo Client 4
// and urql 6, queries and mutations over HTTP, subscriptions over graphql-ws, on the typed documents
// of client/generated. The code is a browser's: Node 24 has the same WebSocket (graphql-ws takes the
// global one), so nothing here is Node's own. What the tests add: each socket and app is registered
// with disposal.ts, which stops it after the test that opened it.
import { ApolloClient, ApolloLink, CombinedGraphQLErrors, HttpLink, InMemoryCache, type ApolloCache, type ObservableQuery } from '@apollo/client';
import { SetContextLink } from '@apollo/client/link/context';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { relayStylePagination } from '@apollo/client/utilities';
import { cacheExchange, Client as UrqlClient, fetchExchange, subscriptionExchange } from '@urql/core';
import { OperationTypeNode } from 'graphql';
import { createClient, type Client as WsClient } from 'graphql-ws';
import {
  MessageAddedDocument,
  MessageDetailsFragmentDoc,
  MessagesDocument,
  RoomBadgeFragmentDoc,
  type MessageFieldsFragment,
  type MessagesQuery,
  type MessagesQueryVariables,
  type RoomEventsSubscription,
} from '../../client/generated/graphql.ts';
import { withReceipt, type ReadReceipt } from '../../client/read-state.ts';
import { disposeLater } from './disposal.ts';

// The tests' waits, first written here: still importable from here.
export { until as eventually, range } from './waits.ts';

export interface Endpoints {
  readonly httpUrl: string;
  readonly wsUrl: string;
}

/** Where the app gets its current token (a refresh would happen behind it). */
export type TokenSource = () => string;

/**
 * One graphql-ws client per app. `retryAttempts: 0`: a dropped socket ends the subscriptions on it
 * with an error, and the app subscribes again with `afterSeq` (`keepLive`). graphql-ws's own retries
 * would re-send each subscription as first sent, `afterSeq` and all: a replay of what the app already
 * has, or with no `afterSeq` a gap. `lazy` (the default) opens the socket with the first subscription
 * and again after a drop.
 */
export function chatSocket(wsUrl: string, getToken: TokenSource): WsClient {
  const socket = createClient({
    url: wsUrl,
    connectionParams: () => ({ authorization: `Bearer ${getToken()}` }),
    retryAttempts: 0,
  });
  disposeLater('a graphql-ws client', () => socket.dispose());
  return socket;
}

// --- Apollo Client 4 -------------------------------------------------------------------------------

/**
 * The cache: messages are one list per room, whatever page arguments fetched them (keyArgs roomId);
 * `fetchMore({ variables: { last, before: startCursor } })` prepends older pages. `room(id)` reads a
 * room already in the cache (from rooms or createRoom) without a request. `onlineMembers` is a set
 * that each answer replaces (without `merge: false` Apollo warns that a shorter list loses data).
 * A message's reactions are the whole list each time (a mutation's answer or a roomEvents message):
 * `merge: false` replaces them, as it does each roomEvents result. possibleTypes names RoomEvent's
 * types, so that Apollo can match the inline fragments of RoomEvents against each event without
 * warning that data might be lost.
 */
export function chatCache(): InMemoryCache {
  return new InMemoryCache({
    possibleTypes: { RoomEvent: ['MessagePosted', 'MessageEdited', 'MessageDeleted', 'ReactionChanged', 'MembershipChanged'] },
    typePolicies: {
      Message: { fields: { reactions: { merge: false } } },
      // Events have no id: each roomEvents result replaces the last under the root (its message merges by id).
      Subscription: { fields: { roomEvents: { merge: false } } },
      Query: {
        fields: {
          messages: relayStylePagination(['roomId']),
          rooms: relayStylePagination(),
          room: { read: (_, { args, toReference }) => toReference({ __typename: 'Room', id: args?.id }) },
          onlineMembers: { merge: false },
        },
      },
      Room: { fields: { messages: relayStylePagination() } },
    },
  });
}

export interface ApolloChat {
  readonly client: ApolloClient;
  readonly socket: WsClient;
  stop(): Promise<void>;
}

export function apolloChat({ httpUrl, wsUrl }: Endpoints, getToken: TokenSource): ApolloChat {
  const socket = chatSocket(wsUrl, getToken);
  const auth = new SetContextLink(({ headers }) => ({ headers: { ...headers, authorization: `Bearer ${getToken()}` } }));
  const link = ApolloLink.split(
    ({ operationType }) => operationType === OperationTypeNode.SUBSCRIPTION,
    new GraphQLWsLink(socket),
    auth.concat(new HttpLink({ uri: httpUrl })),
  );
  const client = new ApolloClient({ link, cache: chatCache() });
  return {
    client,
    socket,
    stop: disposeLater('an Apollo client', async () => {
      client.stop();
      await socket.dispose();
    }),
  };
}

type MessageEdge = MessagesQuery['messages']['edges'][number];

/**
 * subscribeToMore's updateQuery for MessageAdded on a Messages query: appends a live message once.
 * A live message carries its own cursor (Message.cursor, the same as its edge's), so it joins the
 * cached page as a real edge and moves endCursor forward.
 */
export function appendLiveMessage(previous: MessagesQuery, message: MessageFieldsFragment): MessagesQuery {
  if (previous.messages.edges.some((edge) => edge.node.id === message.id)) return previous;
  const edge = { __typename: 'MessageEdge', cursor: message.cursor, node: message } as MessageEdge;
  const edges = [...previous.messages.edges, edge].sort((a, b) => a.node.seq - b.node.seq);
  return {
    messages: { ...previous.messages, edges, pageInfo: { ...previous.messages.pageInfo, endCursor: edges.at(-1)!.cursor } },
  };
}

export interface LiveOptions {
  /** Resolves when it is time to subscribe again after the socket dropped. */
  reconnect?: () => Promise<void>;
  /** The server refused the subscription (FORBIDDEN, NOT_FOUND ...): no retry would help. */
  onRefused?: (error: unknown) => void;
  /** Each message the subscription delivers, replayed or live. */
  onMessage?: (message: MessageFieldsFragment) => void;
}

const oneSecond = () => new Promise<void>((resolve) => setTimeout(resolve, 1000));

/**
 * Keeps a room's watched Messages query live, the resume pattern: subscribes to MessageAdded from the
 * highest seq in the cache (so nothing sent between the history load and the subscription is lost),
 * and when the socket drops, waits for `reconnect` and subscribes again from the highest seq then:
 * nothing missed, nothing twice. A refusal (GraphQL errors) ends it. Call it once the query has its
 * first page. Returns a stop.
 */
export function keepLive(
  client: ApolloClient,
  query: ObservableQuery<MessagesQuery, MessagesQueryVariables>,
  roomId: string,
  { reconnect = oneSecond, onRefused, onMessage }: LiveOptions = {},
): () => void {
  let stopped = false;
  let unsubscribe = () => {};
  const highestSeq = () => {
    const cached = client.readQuery({ query: MessagesDocument, variables: { roomId } });
    return Math.max(0, ...(cached?.messages.edges ?? []).map((edge) => edge.node.seq));
  };
  const subscribe = () => {
    unsubscribe = query.subscribeToMore({
      document: MessageAddedDocument,
      variables: { roomId, afterSeq: highestSeq() },
      updateQuery: (_, { complete, previousData, subscriptionData }) => {
        onMessage?.(subscriptionData.data.messageAdded);
        return complete ? appendLiveMessage(previousData, subscriptionData.data.messageAdded) : undefined;
      },
      onError: (error) => {
        unsubscribe();
        if (CombinedGraphQLErrors.is(error)) onRefused?.(error);
        else void reconnect().then(() => stopped || subscribe());
      },
    });
  };
  subscribe();
  return () => {
    stopped = true;
    unsubscribe();
  };
}

/**
 * Apollo: writes the message of a RoomEvents event (MessageEdited, MessageDeleted, ReactionChanged,
 * MessagePosted) into the cache, merged by id: for a subscription made with `fetchPolicy: 'no-cache'`
 * (otherwise Apollo writes the result itself).
 */
export function applyRoomEvent(cache: ApolloCache, event: RoomEventsSubscription['roomEvents']): void {
  if ('message' in event) cache.writeFragment({ fragment: MessageDetailsFragmentDoc, fragmentName: 'MessageDetails', data: event.message });
}

// --- Read state (either client) -------------------------------------------------------------------

export { withReceipt, type ReadReceipt } from '../../client/read-state.ts';

/** Apollo: applies a ReadReceipts event to the cached room, which every watched query showing it (the room list) re-renders. */
export function applyReadReceipt(cache: ApolloCache, receipt: ReadReceipt, viewerId: string): void {
  const id = cache.identify({ __typename: 'Room', id: receipt.roomId });
  const room = cache.readFragment({ fragment: RoomBadgeFragmentDoc, id });
  if (room) cache.writeFragment({ fragment: RoomBadgeFragmentDoc, id, data: withReceipt(room, receipt, viewerId) });
}

// --- urql 6 ------------------------------------------------------------------------------------------

export interface UrqlChat {
  readonly client: UrqlClient;
  readonly socket: WsClient;
  stop(): Promise<void>;
}

export function urqlChat({ httpUrl, wsUrl }: Endpoints, getToken: TokenSource): UrqlChat {
  const socket = chatSocket(wsUrl, getToken);
  const client = new UrqlClient({
    url: httpUrl,
    fetchOptions: () => ({ headers: { authorization: `Bearer ${getToken()}` } }),
    exchanges: [
      cacheExchange,
      fetchExchange,
      subscriptionExchange({
        forwardSubscription(request) {
          const input = { ...request, query: request.query || '' };
          return {
            subscribe(sink) {
              const unsubscribe = socket.subscribe(input, sink);
              return { unsubscribe };
            },
          };
        },
      }),
    ],
  });
  return { client, socket, stop: disposeLater('a urql client', () => socket.dispose()) };
}

/** urql keeps no normalised cache: the app holds each room's messages, one per seq, in seq order. */
export function roomTimeline() {
  const bySeq = new Map<number, MessageFieldsFragment>();
  return {
    add: (...messages: MessageFieldsFragment[]) => messages.forEach((message) => bySeq.set(message.seq, message)),
    messages: () => [...bySeq.values()].sort((a, b) => a.seq - b.seq),
    highestSeq: () => Math.max(0, ...bySeq.keys()),
  };
}

/**
 * The resume pattern with urql: a MessageAdded subscription from the highest seq the app holds; when
 * the socket drops (a network error), wait for `reconnect` and subscribe again from the highest seq
 * then. A refusal (GraphQL errors) ends it. Returns a stop.
 */
export function keepLiveUrql(
  client: UrqlClient,
  roomId: string,
  timeline: ReturnType<typeof roomTimeline>,
  { reconnect = oneSecond, onRefused, onMessage }: LiveOptions = {},
): () => void {
  let stopped = false;
  let current: { unsubscribe(): void } | undefined;
  const subscribe = () => {
    current = client.subscription(MessageAddedDocument, { roomId, afterSeq: timeline.highestSeq() }).subscribe((result) => {
      if (result.error) {
        current?.unsubscribe();
        if (result.error.graphQLErrors.length > 0) onRefused?.(result.error);
        else void reconnect().then(() => stopped || subscribe());
      } else if (result.data) {
        timeline.add(result.data.messageAdded);
        onMessage?.(result.data.messageAdded);
      }
    });
  };
  subscribe();
  return () => {
    stopped = true;
    current?.unsubscribe();
  };
}
