// A frontend on Apollo Client 4, first try: HttpLink for queries and mutations, GraphQLWsLink for
// subscriptions, InMemoryCache with relayStylePagination, on the typed documents of client/generated.
// Two users chat through it (the scenario both clients share, helpers/frontend-scenario.ts), and what
// is Apollo's own: the normalised cache, and paging back through history into one cached list.
import { randomUUID } from 'node:crypto';
import { jest } from '@jest/globals';
import type { TypedDocumentNode } from '@apollo/client';
import {
  CreateRoomDocument,
  MeDocument,
  MessageFieldsFragmentDoc,
  MessagesDocument,
  OnlineMembersDocument,
  ReadReceiptsDocument,
  RoomDocument,
  RoomsDocument,
  SendMessageDocument,
  SetTypingDocument,
  type MessageFieldsFragment,
  type MessagesQuery,
  type RoomsQuery,
} from '../client/generated/graphql.ts';
import { sendMessage } from './helpers/chat.ts';
import { feed } from './helpers/feed.ts';
import type { ApolloChat, ReadReceipt } from './helpers/frontend-clients.ts';
import { frontendScenario, type ChatApp, type FrontendAdapter } from './helpers/frontend-scenario.ts';
import { markProbesUntilLive, markRead } from './helpers/read-state.ts';
import { startServer, type TestServer } from './helpers/server.ts';
import { createUser, type TestUser } from './helpers/tokens.ts';
import { range, until } from './helpers/waits.ts';

// Apollo in development mode, as a dev server runs it (the "development" export condition): its
// warnings about the cache (missing fields, data loss on merge ...) are on, and every test expects none.
(globalThis as { __DEV__?: boolean }).__DEV__ = true;
const { CombinedGraphQLErrors, gql } = await import('@apollo/client');
const { loadDevMessages, loadErrorMessages } = await import('@apollo/client/dev');
const { apolloChat, applyReadReceipt, keepLive } = await import('./helpers/frontend-clients.ts');
loadDevMessages();
loadErrorMessages();

type Message = MessageFieldsFragment;

let server: TestServer;
/** What Apollo warns about in development (missing fields, cache data loss ...): none is expected. */
let warnings: unknown[][];

beforeAll(async () => {
  // The paging test sends more than one default burst.
  server = await startServer({ RATE_SEND_MESSAGE_BURST: '1000' });
});
beforeEach(() => {
  warnings = [];
  jest.spyOn(console, 'warn').mockImplementation((...args) => void warnings.push(args));
  jest.spyOn(console, 'error').mockImplementation((...args) => void warnings.push(args));
});
afterEach(() => {
  jest.restoreAllMocks();
  expect(warnings).toEqual([]);
});

/** The user's app: one ApolloClient with its own cache and socket, stopped after the test. */
const appOf = (user: TestUser): ApolloChat => apolloChat(server, () => user.token);

async function createRoom(app: ApolloChat, participants: TestUser[], title?: string) {
  const { data } = await app.client.mutate({ mutation: CreateRoomDocument, variables: { participantIds: participants.map((user) => user.id), title } });
  return data!.createRoom;
}

async function send(app: ApolloChat, roomId: string, content: string, clientMessageId: string = randomUUID()): Promise<Message> {
  const { data } = await app.client.mutate({ mutation: SendMessageDocument, variables: { roomId, content, clientMessageId } });
  return data!.sendMessage;
}

async function onlineIds(app: ApolloChat, roomId: string): Promise<string[]> {
  const { data } = await app.client.query({ query: OnlineMembersDocument, variables: { roomId }, fetchPolicy: 'network-only' });
  return data!.onlineMembers.map((member) => member.id).sort();
}

/** Room-scoped subscriptions count their user online once they are set up: then they receive what follows. */
const untilOnline = (app: ApolloChat, roomId: string, user: TestUser, what: string) =>
  until(async () => (await onlineIds(app, roomId)).includes(user.id), what);

/** A chat window: the room's Messages query, watched, with every complete result it emits. */
function historyView(app: ApolloChat, roomId: string, last: number) {
  const query = app.client.watchQuery({ query: MessagesDocument, variables: { roomId, last } });
  const results = feed<MessagesQuery>();
  const subscription = query.subscribe({
    next: (result) => void (result.dataState === 'complete' && results.push(result.data)),
    error: (error) => results.fail(error),
  });
  const current = () => results.events.at(-1)!;
  return {
    query,
    results,
    seqs: () => (results.events.length ? seqsOf(current()) : []),
    untilSeqs: (expected: number[], what: string, timeoutMs?: number) =>
      results.waitFor((data) => JSON.stringify(seqsOf(data)) === JSON.stringify(expected), what, timeoutMs),
    close: () => subscription.unsubscribe(),
  };
}

const seqsOf = (data: MessagesQuery) => data.messages.edges.map((edge) => edge.node.seq);

/** The shared scenario's steps, as an app on Apollo Client takes them; `apollo` for the cache checks. */
function chatApp(app: ApolloChat): ChatApp & { apollo: ApolloChat } {
  return {
    apollo: app,
    me: async () => (await app.client.query({ query: MeDocument })).data!.me,
    createRoom: (participants, title) => createRoom(app, participants, title),
    send: (roomId, content, clientMessageId) => send(app, roomId, content, clientMessageId),
    async setTyping(roomId, isTyping) {
      const { data } = await app.client.mutate({ mutation: SetTypingDocument, variables: { roomId, isTyping } });
      expect(data!.setTyping).toBe(true);
    },
    onlineIds: (roomId) => onlineIds(app, roomId),
    rooms: async (first) => (await app.client.query({ query: RoomsDocument, variables: { first } })).data!.rooms,
    subscribe(query, variables, pick) {
      const events = feed<ReturnType<typeof pick>>();
      const subscription = app.client.subscribe({ query, variables }).subscribe({
        next: (result) => (result.error ? events.fail(result.error) : result.data && events.push(pick(result.data as never))),
        error: (error) => events.fail(error),
        complete: () => events.end(),
      });
      return Object.assign(events, { unsubscribe: () => subscription.unsubscribe() });
    },
    async failedQueryCodes(query, variables) {
      const error = await app.client.query({ query, variables }).then(() => 'answered', (failure: unknown) => failure);
      return apolloAdapter.errorCodes(error);
    },
    history(roomId, last) {
      const view = historyView(app, roomId, last);
      return {
        seqs: view.seqs,
        ids: () => view.results.events.at(-1)?.messages.edges.map((edge) => edge.node.id) ?? [],
        keepLive: (options) => keepLive(app.client, view.query, roomId, options),
      };
    },
    dropSocket: () => app.socket.terminate(),
  };
}

const apolloAdapter: FrontendAdapter<ReturnType<typeof chatApp>> = {
  appOf: (user) => chatApp(appOf(user)),
  errorCodes: (error) => (CombinedGraphQLErrors.is(error) ? error.errors.map((e) => e.extensions?.code) : [`not GraphQL errors: ${String(error)}`]),
  delivered: (value) => value,
  // The room the mutation answered is in the cache: room(id) reads it there without a request.
  async roomCreated(app, room) {
    const cached = await app.apollo.client.query({ query: RoomDocument, variables: { id: room.id }, fetchPolicy: 'cache-only' });
    expect(cached.data!.room).toEqual(room);
  },
  // What a subscription delivered is a normalised Message in the receiver's cache.
  async messageDelivered(app, message) {
    const cache = app.apollo.client.cache;
    expect(cache.readFragment({ id: cache.identify(message), fragment: MessageFieldsFragmentDoc })).toEqual(message);
  },
};

describe('Apollo Client 4 over HTTP and graphql-ws, on the generated documents', () => {
  frontendScenario(apolloAdapter);

  it('pages back with fetchMore(last, before) into one cached list per room, oldest first, nothing repeated or missing', async () => {
    const [alice, bob] = await Promise.all([createUser('alice'), createUser('bob')]);
    const [aliceApp, bobApp] = [appOf(alice), appOf(bob)];
    const roomId = (await createRoom(aliceApp, [bob])).room.id;
    const otherRoomId = (await createRoom(aliceApp, [bob, await createUser('carol')], 'other')).room.id;
    for (const i of range(1, 25)) await send(aliceApp, roomId, `message ${i}`);
    await send(aliceApp, otherRoomId, 'in the other room');

    const view = historyView(bobApp, roomId, 10);
    await view.untilSeqs(range(16, 25), 'the newest page, seqs 16..25');
    expect(view.results.events.at(-1)!.messages.pageInfo).toMatchObject({ hasPreviousPage: true });

    const older = await view.query.fetchMore({ variables: { before: view.results.events.at(-1)!.messages.pageInfo.startCursor } });
    expect(seqsOf(older.data!)).toEqual(range(6, 15));
    await view.untilSeqs(range(6, 25), 'the cached list 6..25 after the first page back');
    const oldest = await view.query.fetchMore({ variables: { before: view.results.events.at(-1)!.messages.pageInfo.startCursor } });
    expect(seqsOf(oldest.data!)).toEqual(range(1, 5));
    const all = await view.untilSeqs(range(1, 25), 'the cached list 1..25 after the second page back');
    expect(all.messages.edges.map((edge) => edge.node.content)).toEqual(range(1, 25).map((i) => `message ${i}`));
    expect(all.messages.pageInfo).toMatchObject({ hasPreviousPage: false, hasNextPage: false });

    // One list per room in the cache, whatever page arguments fetched it; the other room has its own.
    const other = await bobApp.client.query({ query: MessagesDocument, variables: { roomId: otherRoomId, last: 10 } });
    expect(other.data!.messages.edges.map((edge) => edge.node.content)).toEqual(['in the other room']);
    const rootFields = Object.keys((bobApp.client.cache.extract() as Record<string, object>).ROOT_QUERY ?? {}).filter((key) => key.startsWith('messages'));
    expect(rootFields.sort()).toEqual([`messages:{"roomId":"${roomId}"}`, `messages:{"roomId":"${otherRoomId}"}`].sort());
    expect(seqsOf(bobApp.client.readQuery({ query: MessagesDocument, variables: { roomId } })!)).toEqual(range(1, 25));

    // Live messages join the end of the same list.
    const lastStoredCursor = all.messages.edges.at(-1)!.cursor;
    const delivered = feed<number>();
    const stopLive = keepLive(bobApp.client, view.query, roomId, { onMessage: (message) => delivered.push(message.seq) });
    await untilOnline(aliceApp, roomId, bob, "bob's live subscription to be live");
    const newest = await send(aliceApp, roomId, 'live 26');
    await view.untilSeqs(range(1, 26), 'the live message 26 at the end of the cached list');
    expect(view.results.events.at(-1)!.messages.edges.at(-1)!.node).toEqual(newest);
    expect(delivered.events).toEqual([26]);

    // A live message carries its cursor (Message.cursor): endCursor moves to it, and a forward page
    // from there (catching up by cursor instead of afterSeq) brings what was sent meanwhile.
    stopLive();
    await send(aliceApp, roomId, 'sent while not live 27');
    const liveCursor = view.results.events.at(-1)!.messages.pageInfo.endCursor;
    expect(liveCursor).toBe(newest.cursor);
    expect(liveCursor).not.toBe(lastStoredCursor);
    await view.query.fetchMore({ variables: { last: null, first: 10, after: liveCursor } });
    const caughtUp = await view.untilSeqs(range(1, 27), 'seq 27 paged forward from the live message cursor');
    expect(new Set(caughtUp.messages.edges.map((edge) => edge.cursor)).size).toBe(27);
    view.close();
  });

  it('pages Room.messages with fetchMore too (relayStylePagination on Room.messages)', async () => {
    const [alice, bob] = await Promise.all([createUser('alice'), createUser('bob')]);
    const aliceApp = appOf(alice);
    const roomId = (await createRoom(aliceApp, [bob])).room.id;
    for (const i of range(1, 7)) await send(aliceApp, roomId, `message ${i}`);

    // Not among client/operations: a room screen that loads the room with its newest page.
    const roomHistory = gql`
      query RoomHistory($id: ID!, $last: Int, $before: String) {
        room(id: $id) {
          id
          title
          messages(last: $last, before: $before) {
            edges { cursor node { ...MessageFields } }
            pageInfo { hasPreviousPage startCursor }
          }
        }
      }
    `;
    // graphql-tag cannot interpolate the generated fragment document (it has no `loc`): join the definitions.
    const RoomHistoryDocument: TypedDocumentNode<RoomHistory, { id: string; last?: number; before?: string | null }> = {
      ...roomHistory,
      definitions: [...roomHistory.definitions, ...MessageFieldsFragmentDoc.definitions],
    };
    type RoomHistory = { room: { id: string; title: string | null; messages: { edges: { cursor: string; node: Message }[]; pageInfo: { hasPreviousPage: boolean; startCursor: string | null } } } };
    const query = aliceApp.client.watchQuery({ query: RoomHistoryDocument, variables: { id: roomId, last: 3 } });
    const results = feed<RoomHistory>();
    const subscription = query.subscribe({ next: (result) => void (result.dataState === 'complete' && results.push(result.data)) });
    const seqs = (data: RoomHistory) => data.room.messages.edges.map((edge) => edge.node.seq);
    const reached = (expected: number[], what: string) => results.waitFor((data) => JSON.stringify(seqs(data)) === JSON.stringify(expected), what);

    await reached([5, 6, 7], "the room's newest page, 5..7");
    for (const expected of [range(2, 7), range(1, 7)]) {
      await query.fetchMore({ variables: { before: results.events.at(-1)!.room.messages.pageInfo.startCursor } });
      await reached(expected, `Room.messages merged to ${expected[0]}..7`);
    }
    expect(results.events.at(-1)!.room.messages.pageInfo.hasPreviousPage).toBe(false);
    subscription.unsubscribe();
  });

  it("clears the room list's badge from the receipt of the user's other device, updating the cache without a refetch", async () => {
    const [alice, bob] = await Promise.all([createUser('alice'), createUser('bob')]);
    const aliceApp = appOf(alice);
    const roomId = (await createRoom(aliceApp, [bob])).room.id;
    // What the app does with each receipt: the cache update; the feed only tells the test it came.
    const receipts = feed<ReadReceipt>();
    const receiving = aliceApp.client.subscribe({ query: ReadReceiptsDocument }).subscribe(({ data }) => {
      if (!data) return;
      applyReadReceipt(aliceApp.client.cache, data.readReceipts, alice.id);
      receipts.push(data.readReceipts);
    });
    await markProbesUntilLive(server, alice, bob, roomId, [receipts]);
    for (const i of range(1, 3)) await sendMessage(server, bob, roomId, `unread ${i}`);

    // The room list: from the network once, then only from the cache.
    const list = aliceApp.client.watchQuery({ query: RoomsDocument, variables: { first: 10 }, fetchPolicy: 'network-only', nextFetchPolicy: 'cache-only' });
    const results = feed<RoomsQuery>();
    const watching = list.subscribe({ next: (result) => void (result.dataState === 'complete' && results.push(result.data)) });
    const badge = (data: RoomsQuery) => data.rooms.edges.find((edge) => edge.node.id === roomId)!.node;
    const before = badge(await results.waitFor((data) => badge(data).unreadCount === 3, 'the badge at 3'));

    const laptop = await markRead(server, alice, roomId, 1000);
    const after = badge(await results.waitFor((data) => badge(data).unreadCount === 0, 'the badge cleared by the receipt'));
    expect(after.lastReadSeq).toBe(before.lastReadSeq + 3);
    expect({ lastReadSeq: after.lastReadSeq, unreadCount: after.unreadCount }).toEqual({ lastReadSeq: laptop.lastReadSeq, unreadCount: laptop.unreadCount });
    watching.unsubscribe();
    receiving.unsubscribe();
  });
});
