// A frontend on Apollo Client 4, first try: HttpLink for queries and mutations, GraphQLWsLink for
// subscriptions, InMemoryCache with relayStylePagination, on the typed documents of client/generated.
// Two users chat through it: rooms, live messages, paging back through history into one cached list,
// typing, presence, and a resume with afterSeq after the socket dropped.
import { randomUUID } from 'node:crypto';
import { jest } from '@jest/globals';
import type { TypedDocumentNode } from '@apollo/client';
import {
  CreateRoomDocument,
  MeDocument,
  MessageAddedDocument,
  MessageFieldsFragmentDoc,
  MessagesDocument,
  OnlineMembersDocument,
  PresenceDocument,
  ReadReceiptsDocument,
  RoomDocument,
  RoomsDocument,
  SendMessageDocument,
  SetTypingDocument,
  TypingDocument,
  type MessageFieldsFragment,
  type MessagesQuery,
  type PresenceSubscription,
  type RoomsQuery,
  type TypingSubscription,
} from '../client/generated/graphql.ts';
import { sendMessage } from './helpers/chat.ts';
import { feed } from './helpers/feed.ts';
import { markProbesUntilLive, markRead } from './helpers/read-state.ts';
import type { ApolloChat, ReadReceipt } from './helpers/frontend-clients.ts';
import { startServer, stopAllServers, type TestServer } from './helpers/server.ts';
import { createUser, type TestUser } from './helpers/tokens.ts';

// Apollo in development mode, as a dev server runs it (the "development" export condition): its
// warnings about the cache (missing fields, data loss on merge ...) are on, and every test expects none.
(globalThis as { __DEV__?: boolean }).__DEV__ = true;
const { CombinedGraphQLErrors, gql } = await import('@apollo/client');
const { loadDevMessages, loadErrorMessages } = await import('@apollo/client/dev');
const { apolloChat, applyReadReceipt, eventually, keepLive, range } = await import('./helpers/frontend-clients.ts');
loadDevMessages();
loadErrorMessages();

type Message = MessageFieldsFragment;
type TypingEvent = TypingSubscription['typing'];
type PresenceEvent = PresenceSubscription['presence'];

let server: TestServer;
const apps: ApolloChat[] = [];
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
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.stop()));
  jest.restoreAllMocks();
});
afterAll(stopAllServers);

/** The user's app: one ApolloClient with its own cache and socket, stopped after the test. */
function appOf(user: TestUser): ApolloChat {
  const app = apolloChat(server, () => user.token);
  apps.push(app);
  return app;
}

async function createRoom(app: ApolloChat, participants: TestUser[], title?: string) {
  const { data } = await app.client.mutate({ mutation: CreateRoomDocument, variables: { participantIds: participants.map((user) => user.id), title } });
  return data!.createRoom;
}

async function send(app: ApolloChat, roomId: string, content: string, clientMessageId: string = randomUUID()): Promise<Message> {
  const { data } = await app.client.mutate({ mutation: SendMessageDocument, variables: { roomId, content, clientMessageId } });
  return data!.sendMessage;
}

async function setTyping(app: ApolloChat, roomId: string, isTyping: boolean) {
  const { data } = await app.client.mutate({ mutation: SetTypingDocument, variables: { roomId, isTyping } });
  expect(data!.setTyping).toBe(true);
}

async function onlineIds(app: ApolloChat, roomId: string): Promise<string[]> {
  const { data } = await app.client.query({ query: OnlineMembersDocument, variables: { roomId }, fetchPolicy: 'network-only' });
  return data!.onlineMembers.map((member) => member.id).sort();
}

/** Room-scoped subscriptions count their user online once they are set up: then they receive what follows. */
const untilOnline = (app: ApolloChat, roomId: string, user: TestUser, what: string) =>
  eventually(async () => ((await onlineIds(app, roomId)).includes(user.id) ? true : undefined), what);
const untilOffline = (app: ApolloChat, roomId: string, user: TestUser, what: string) =>
  eventually(async () => ((await onlineIds(app, roomId)).includes(user.id) ? undefined : true), what);

/** A subscription through client.subscribe, its data collected into a feed. */
function subscribe<T, D, V extends Record<string, unknown>>(app: ApolloChat, query: TypedDocumentNode<D, V>, variables: V, pick: (data: D) => T) {
  const events = feed<T>();
  const subscription = app.client.subscribe({ query, variables }).subscribe({
    next: (result) => (result.error ? events.fail(result.error) : result.data && events.push(pick(result.data as D))),
    error: (error) => events.fail(error),
    complete: () => events.end(),
  });
  return Object.assign(events, { unsubscribe: () => subscription.unsubscribe() });
}

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
    seqs: () => seqsOf(current()),
    untilSeqs: (expected: number[], what: string, timeoutMs?: number) =>
      results.waitFor((data) => JSON.stringify(seqsOf(data)) === JSON.stringify(expected), what, timeoutMs),
    close: () => subscription.unsubscribe(),
  };
}

const seqsOf = (data: MessagesQuery) => data.messages.edges.map((edge) => edge.node.seq);

describe('Apollo Client 4 over HTTP and graphql-ws, on the generated documents', () => {
  it('two users create a direct room and chat: each message reaches both live subscriptions and the normalised caches', async () => {
    const [alice, bob] = await Promise.all([createUser('alice'), createUser('bob')]);
    const [aliceApp, bobApp] = [appOf(alice), appOf(bob)];
    expect((await aliceApp.client.query({ query: MeDocument })).data!.me).toEqual({ __typename: 'User', id: alice.id, name: 'Alice' });

    const created = await createRoom(aliceApp, [bob]);
    expect(created).toMatchObject({ created: true, room: { __typename: 'Room', kind: 'DIRECT', lastMessage: null } });
    expect(created.room.members.map((member) => member.id).sort()).toEqual([alice.id, bob.id].sort());
    const roomId = created.room.id;
    // The room the mutation answered is in alice's cache: room(id) reads it there without a request.
    const cached = await aliceApp.client.query({ query: RoomDocument, variables: { id: roomId }, fetchPolicy: 'cache-only' });
    expect(cached.data!.room).toEqual(created.room);

    const aliceFeed = subscribe(aliceApp, MessageAddedDocument, { roomId }, (data) => data.messageAdded);
    const bobFeed = subscribe(bobApp, MessageAddedDocument, { roomId }, (data) => data.messageAdded);
    await untilOnline(aliceApp, roomId, alice, "alice's messageAdded subscription to be live");
    await untilOnline(aliceApp, roomId, bob, "bob's messageAdded subscription to be live");

    const hi = await send(aliceApp, roomId, 'Hi Bob!', 'hi-1');
    const reply = await send(bobApp, roomId, 'Hi Alice!');
    expect(hi).toMatchObject({ __typename: 'Message', roomId, seq: 1, senderId: alice.id, senderName: 'Alice', content: 'Hi Bob!', clientMessageId: 'hi-1' });
    expect(reply).toMatchObject({ seq: 2, senderId: bob.id, senderName: 'Bob' });
    for (const [name, events] of [['alice', aliceFeed], ['bob', bobFeed]] as const) {
      await events.waitForCount(2, `both messages on ${name}'s subscription`);
      expect(events.events).toEqual([hi, reply]);
      expect(events.errors).toEqual([]);
    }
    // A retried send (same clientMessageId) answers the first message: the cache keeps one Message.
    expect(await send(aliceApp, roomId, 'Hi Bob!', 'hi-1')).toEqual(hi);
    // What a subscription delivered is a normalised Message in the receiver's cache.
    const bobCache = bobApp.client.cache;
    expect(bobCache.readFragment({ id: bobCache.identify(hi), fragment: MessageFieldsFragmentDoc })).toEqual(hi);

    const rooms = await bobApp.client.query({ query: RoomsDocument, variables: { first: 10 } });
    expect(rooms.data!.rooms.edges.map((edge) => [edge.node.id, edge.node.lastMessage?.content])).toEqual([[roomId, 'Hi Alice!']]);
    expect(warnings).toEqual([]);
  });

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
    expect(warnings).toEqual([]);
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
    expect(warnings).toEqual([]);
  });

  it('shows typing and presence live: ONLINE when the other opens a subscription, typing true then false, OFFLINE when it closes', async () => {
    const [alice, bob] = await Promise.all([createUser('alice'), createUser('bob')]);
    const [aliceApp, bobApp] = [appOf(alice), appOf(bob)];
    const roomId = (await createRoom(aliceApp, [bob])).room.id;

    const presence = subscribe(bobApp, PresenceDocument, { roomId }, (data) => data.presence);
    await untilOnline(aliceApp, roomId, bob, "bob's presence subscription to be live");
    const typing = subscribe(bobApp, TypingDocument, { roomId }, (data) => data.typing);

    const aliceTyping = subscribe(aliceApp, TypingDocument, { roomId }, (data) => data.typing);
    const online = await presence.waitFor((event) => event.userId === alice.id, 'alice ONLINE on bob\'s presence subscription');
    expect(online).toEqual({ __typename: 'PresenceEvent', roomId, userId: alice.id, userName: 'Alice', status: 'ONLINE', at: expect.any(String) });
    expect(await onlineIds(bobApp, roomId)).toEqual([alice.id, bob.id].sort());

    // Bob's typing subscription gives no sign that it is live: alice repeats her true until it arrives.
    await eventually(async () => {
      await setTyping(aliceApp, roomId, true);
      return typing.waitFor((event) => event.userId === alice.id, "alice's true", 300).catch(() => undefined);
    }, "alice's typing true on bob's typing subscription");
    await setTyping(aliceApp, roomId, false);
    await typing.waitFor((event) => event.userId === alice.id && !event.isTyping, "alice's typing false on bob's subscription");
    const ofAlice = typing.events.filter((event: TypingEvent) => event.userId === alice.id);
    expect(ofAlice.at(0)).toEqual({ __typename: 'TypingEvent', roomId, userId: alice.id, userName: 'Alice', isTyping: true, at: expect.any(String) });
    expect(ofAlice.at(-1)!.isTyping).toBe(false);
    expect(aliceTyping.events).toEqual([]);

    aliceTyping.unsubscribe();
    await presence.waitFor((event) => event.userId === alice.id && event.status === 'OFFLINE', 'alice OFFLINE after her subscription closed');
    expect(presence.events.filter((event: PresenceEvent) => event.userId === alice.id).map((event) => event.status)).toEqual(['ONLINE', 'OFFLINE']);
    expect(await onlineIds(bobApp, roomId)).toEqual([bob.id]);
    expect([presence.errors, typing.errors]).toEqual([[], []]);
    expect(warnings).toEqual([]);
  });

  it('surfaces refusals as CombinedGraphQLErrors with extensions.code, for queries and subscriptions alike', async () => {
    const [alice, bob, mallory] = await Promise.all([createUser('alice'), createUser('bob'), createUser('mallory')]);
    const [aliceApp, malloryApp] = [appOf(alice), appOf(mallory)];
    const roomId = (await createRoom(aliceApp, [bob])).room.id;
    const codesOf = (error: unknown) => (CombinedGraphQLErrors.is(error) ? error.errors.map((e) => e.extensions?.code) : [`not GraphQL errors: ${String(error)}`]);

    const forbidden = await malloryApp.client.query({ query: MessagesDocument, variables: { roomId, last: 10 } }).then(() => 'answered', (error) => error);
    expect(codesOf(forbidden)).toEqual(['FORBIDDEN']);
    const tooLong = await aliceApp.client.query({ query: MessagesDocument, variables: { roomId, last: 101 } }).then(() => 'answered', (error) => error);
    expect(codesOf(tooLong)).toEqual(['BAD_USER_INPUT']);

    const refused = subscribe(malloryApp, MessageAddedDocument, { roomId }, (data) => data.messageAdded);
    expect(codesOf(await refused.waitForError("the refusal of mallory's subscription"))).toEqual(['FORBIDDEN']);
    await eventually(() => (refused.ended ? true : undefined), "the end of mallory's refused subscription");
    expect(refused.events).toEqual([]);

    // keepLive takes a refusal as final: no retry.
    const view = historyView(malloryApp, roomId, 10);
    const refusals = feed<unknown>();
    let retries = 0;
    const reconnect = () => (retries++, Promise.resolve());
    keepLive(malloryApp.client, view.query, roomId, { onRefused: (error) => refusals.push(error), reconnect });
    expect(codesOf((await refusals.waitForCount(1, "keepLive's refusal for mallory"))[0])).toEqual(['FORBIDDEN']);
    expect(retries).toBe(0);
    view.close();
    expect(warnings).toEqual([]);
  });

  it('keepLive subscribes from the last cached seq and, after the socket drops, resubscribes from it: every message once, none missed', async () => {
    const [alice, bob] = await Promise.all([createUser('alice'), createUser('bob')]);
    const [aliceApp, bobApp] = [appOf(alice), appOf(bob)];
    const roomId = (await createRoom(aliceApp, [bob])).room.id;
    for (const i of range(1, 2)) await send(aliceApp, roomId, `stored ${i}`);
    const view = historyView(bobApp, roomId, 50);
    await view.untilSeqs([1, 2], "bob's history, seqs 1..2");
    // Sent after the history loaded, before the subscription: afterSeq = 2 brings it.
    const between = await send(aliceApp, roomId, 'between the history and the subscription');

    const delivered = feed<number>();
    const drops = feed<number>();
    let backOnline!: () => void;
    const online = new Promise<void>((resolve) => (backOnline = resolve));
    const reconnect = () => (drops.push(Date.now()), online);
    const stopLive = keepLive(bobApp.client, view.query, roomId, { reconnect, onMessage: (message) => delivered.push(message.seq) });
    await view.untilSeqs([1, 2, 3], 'seq 3, sent between the history and the subscription');
    await untilOnline(aliceApp, roomId, bob, "bob's live subscription to be live");
    await send(aliceApp, roomId, 'live 4');
    await view.untilSeqs(range(1, 4), 'the live message 4');

    // The network goes: graphql-ws reports the closed socket and the subscription fails with it.
    bobApp.socket.terminate();
    await drops.waitForCount(1, 'keepLive to see the subscription fail when the socket dropped');
    await untilOffline(aliceApp, roomId, bob, 'the server to see bob go');
    const missed = [];
    for (const i of range(5, 8)) missed.push(await send(aliceApp, roomId, `while away ${i}`));
    expect(view.seqs()).toEqual(range(1, 4));

    // Back online: keepLive subscribes again from seq 4, the highest in the cache.
    backOnline();
    await view.untilSeqs(range(1, 8), 'the missed messages 5..8 replayed into the cached history');
    await untilOnline(aliceApp, roomId, bob, "bob's resumed subscription to be live");
    const later = await send(aliceApp, roomId, 'after the resume');
    const final = await view.untilSeqs(range(1, 9), 'the live message 9 after the resume');
    expect(delivered.events).toEqual(range(3, 9));
    expect(final.messages.edges.slice(2).map((edge) => edge.node.id)).toEqual([between.id, expect.any(String), ...missed.map((m) => m.id), later.id]);
    expect(drops.events).toHaveLength(1);
    stopLive();
    view.close();
    expect(warnings).toEqual([]);
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
    expect(warnings).toEqual([]);
  });
});
