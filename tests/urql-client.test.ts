// A frontend on urql 6, first try: fetchExchange for queries and mutations, subscriptionExchange over
// graphql-ws, the document cacheExchange, on the typed documents of client/generated. Two users chat
// through it: rooms, live messages, paging back through history, the document cache's invalidation,
// typing, presence, and a resume with afterSeq after the socket dropped.
import { randomUUID } from 'node:crypto';
import type { AnyVariables, CombinedError, OperationContext, TypedDocumentNode } from '@urql/core';
import {
  CreateRoomDocument,
  MeDocument,
  MessageAddedDocument,
  MessagesDocument,
  OnlineMembersDocument,
  PresenceDocument,
  ReadReceiptsDocument,
  RoomsDocument,
  SendMessageDocument,
  SetTypingDocument,
  TypingDocument,
  type MessageFieldsFragment,
  type PresenceSubscription,
  type RoomFieldsFragment,
  type TypingSubscription,
} from '../client/generated/graphql.ts';
import { sendMessage } from './helpers/chat.ts';
import { feed } from './helpers/feed.ts';
import {
  eventually, keepLiveUrql, range, roomTimeline, urqlChat, withReceipt, type ReadReceipt, type UrqlChat,
} from './helpers/frontend-clients.ts';
import { markProbesUntilLive, markRead } from './helpers/read-state.ts';
import { startServer, stopAllServers, type TestServer } from './helpers/server.ts';
import { createUser, type TestUser } from './helpers/tokens.ts';

type Message = MessageFieldsFragment;
type TypingEvent = TypingSubscription['typing'];
type PresenceEvent = PresenceSubscription['presence'];

let server: TestServer;
const apps: UrqlChat[] = [];

beforeAll(async () => {
  // The paging test sends more than one default burst.
  server = await startServer({ RATE_SEND_MESSAGE_BURST: '1000' });
});
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.stop()));
});
afterAll(stopAllServers);

/** The user's app: one urql Client with its own document cache and socket, stopped after the test. */
function appOf(user: TestUser): UrqlChat {
  const app = urqlChat(server, () => user.token);
  apps.push(app);
  return app;
}

/** A query's data, or a failure naming the errors; with whether the document cache answered. */
async function query<D, V extends AnyVariables>(app: UrqlChat, document: TypedDocumentNode<D, V>, variables: V, context?: Partial<OperationContext>) {
  const result = await app.client.query(document, variables, context).toPromise();
  if (result.error || !result.data) throw new Error(`query failed: ${result.error?.message ?? 'no data'}`);
  return { data: result.data, fromCache: result.operation.context.meta?.cacheOutcome === 'hit' };
}

async function mutate<D, V extends AnyVariables>(app: UrqlChat, document: TypedDocumentNode<D, V>, variables: V): Promise<D> {
  const result = await app.client.mutation(document, variables).toPromise();
  if (result.error || !result.data) throw new Error(`mutation failed: ${result.error?.message ?? 'no data'}`);
  return result.data;
}

const createRoom = async (app: UrqlChat, participants: TestUser[], title?: string) =>
  (await mutate(app, CreateRoomDocument, { participantIds: participants.map((user) => user.id), title })).createRoom;
const send = async (app: UrqlChat, roomId: string, content: string, clientMessageId: string = randomUUID()): Promise<Message> =>
  (await mutate(app, SendMessageDocument, { roomId, content, clientMessageId })).sendMessage;
const setTyping = async (app: UrqlChat, roomId: string, isTyping: boolean) =>
  expect((await mutate(app, SetTypingDocument, { roomId, isTyping })).setTyping).toBe(true);

async function onlineIds(app: UrqlChat, roomId: string): Promise<string[]> {
  const { data } = await query(app, OnlineMembersDocument, { roomId }, { requestPolicy: 'network-only' });
  return data.onlineMembers.map((member) => member.id).sort();
}

/** Room-scoped subscriptions count their user online once they are set up: then they receive what follows. */
const untilOnline = (app: UrqlChat, roomId: string, user: TestUser, what: string) =>
  eventually(async () => ((await onlineIds(app, roomId)).includes(user.id) ? true : undefined), what);
const untilOffline = (app: UrqlChat, roomId: string, user: TestUser, what: string) =>
  eventually(async () => ((await onlineIds(app, roomId)).includes(user.id) ? undefined : true), what);

/** A subscription through client.subscription, its data collected into a feed. */
function subscribe<T, D, V extends AnyVariables>(app: UrqlChat, document: TypedDocumentNode<D, V>, variables: V, pick: (data: D) => T) {
  const events = feed<T>();
  const subscription = app.client.subscription(document, variables).subscribe((result) => {
    if (result.error) events.fail(result.error);
    else if (result.data) events.push(pick(result.data));
  });
  return Object.assign(events, { unsubscribe: () => subscription.unsubscribe() });
}

/**
 * urql adds __typename to queries and mutations (its document cache keys on typenames), not to
 * subscriptions: what a subscription delivers compares to a mutation's answer without it.
 */
const withoutTypename = <T extends object>(value: T) => {
  const { __typename, ...rest } = value as T & { __typename?: string };
  return rest;
};

const seqsOf = (messages: { seq: number }[]) => messages.map((message) => message.seq);

describe('urql 6 over HTTP and graphql-ws, on the generated documents', () => {
  it('two users create a direct room and chat: each message reaches both live subscriptions', async () => {
    const [alice, bob] = await Promise.all([createUser('alice'), createUser('bob')]);
    const [aliceApp, bobApp] = [appOf(alice), appOf(bob)];
    expect((await query(aliceApp, MeDocument, {})).data.me).toEqual({ __typename: 'User', id: alice.id, name: 'Alice' });

    const created = await createRoom(aliceApp, [bob]);
    expect(created).toMatchObject({ created: true, room: { __typename: 'Room', kind: 'DIRECT', lastMessage: null } });
    expect(created.room.members.map((member) => member.id).sort()).toEqual([alice.id, bob.id].sort());
    const roomId = created.room.id;

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
      expect(events.events).toEqual([hi, reply].map(withoutTypename));
      expect(events.errors).toEqual([]);
    }
    // A retried send (same clientMessageId) answers the first message.
    expect(await send(aliceApp, roomId, 'Hi Bob!', 'hi-1')).toEqual(hi);

    const rooms = await query(bobApp, RoomsDocument, { first: 10 });
    expect(rooms.data.rooms.edges.map((edge) => [edge.node.id, edge.node.lastMessage?.content])).toEqual([[roomId, 'Hi Alice!']]);
  });

  it('pages back with last/before into one timeline, oldest first, nothing repeated or missing', async () => {
    const [alice, bob] = await Promise.all([createUser('alice'), createUser('bob')]);
    const [aliceApp, bobApp] = [appOf(alice), appOf(bob)];
    const roomId = (await createRoom(aliceApp, [bob])).room.id;
    for (const i of range(1, 25)) await send(aliceApp, roomId, `message ${i}`);

    const timeline = roomTimeline();
    let page = (await query(bobApp, MessagesDocument, { roomId, last: 10 })).data.messages;
    expect(seqsOf(page.edges.map((edge) => edge.node))).toEqual(range(16, 25));
    timeline.add(...page.edges.map((edge) => edge.node));
    const pages = [range(6, 15), range(1, 5)];
    for (const expected of pages) {
      expect(page.pageInfo.hasPreviousPage).toBe(true);
      page = (await query(bobApp, MessagesDocument, { roomId, last: 10, before: page.pageInfo.startCursor })).data.messages;
      expect(seqsOf(page.edges.map((edge) => edge.node))).toEqual(expected);
      timeline.add(...page.edges.map((edge) => edge.node));
    }
    expect(page.pageInfo.hasPreviousPage).toBe(false);
    expect(timeline.messages().map((message) => message.content)).toEqual(range(1, 25).map((i) => `message ${i}`));
  });

  it("the document cache answers a repeated query until the app's own mutation returns its typenames; empty lists need additionalTypenames", async () => {
    const [alice, bob] = await Promise.all([createUser('alice'), createUser('bob')]);
    const [aliceApp, bobApp] = [appOf(alice), appOf(bob)];
    const roomId = (await createRoom(aliceApp, [bob])).room.id;
    await send(aliceApp, roomId, 'first');

    const history = { roomId, last: 20 };
    expect((await query(aliceApp, MessagesDocument, history)).fromCache).toBe(false);
    expect((await query(aliceApp, MessagesDocument, history)).fromCache).toBe(true);
    // alice's own sendMessage returns a Message: her cached pages holding Messages are dropped.
    await send(aliceApp, roomId, 'second');
    const refreshed = await query(aliceApp, MessagesDocument, history);
    expect(refreshed.fromCache).toBe(false);
    expect(refreshed.data.messages.edges.map((edge) => edge.node.content)).toEqual(['first', 'second']);
    // Another user's message changes nothing in alice's cache: subscriptions bring those.
    await send(bobApp, roomId, 'from bob');
    expect((await query(aliceApp, MessagesDocument, history)).data.messages.edges).toHaveLength(2);

    // An empty list holds no typename to invalidate: the app names what the list would hold.
    const carol = await createUser('carol');
    const carolApp = appOf(carol);
    const roomsWithHint = { additionalTypenames: ['Room'] };
    expect((await query(carolApp, RoomsDocument, { first: 10 })).data.rooms.edges).toEqual([]);
    expect((await query(carolApp, RoomsDocument, { first: 20 }, roomsWithHint)).data.rooms.edges).toEqual([]);
    const carolsRoom = (await createRoom(carolApp, [alice])).room.id;
    const withoutHint = await query(carolApp, RoomsDocument, { first: 10 });
    expect([withoutHint.fromCache, withoutHint.data.rooms.edges]).toEqual([true, []]);
    const withHint = await query(carolApp, RoomsDocument, { first: 20 }, roomsWithHint);
    expect([withHint.fromCache, withHint.data.rooms.edges.map((edge) => edge.node.id)]).toEqual([false, [carolsRoom]]);
  });

  it('shows typing and presence live: ONLINE when the other opens a subscription, typing true then false, OFFLINE when it closes', async () => {
    const [alice, bob] = await Promise.all([createUser('alice'), createUser('bob')]);
    const [aliceApp, bobApp] = [appOf(alice), appOf(bob)];
    const roomId = (await createRoom(aliceApp, [bob])).room.id;

    const presence = subscribe(bobApp, PresenceDocument, { roomId }, (data) => data.presence);
    await untilOnline(aliceApp, roomId, bob, "bob's presence subscription to be live");
    const typing = subscribe(bobApp, TypingDocument, { roomId }, (data) => data.typing);

    const aliceTyping = subscribe(aliceApp, TypingDocument, { roomId }, (data) => data.typing);
    const online = await presence.waitFor((event) => event.userId === alice.id, "alice ONLINE on bob's presence subscription");
    expect(online).toEqual({ roomId, userId: alice.id, userName: 'Alice', status: 'ONLINE', at: expect.any(String) });
    expect(await onlineIds(bobApp, roomId)).toEqual([alice.id, bob.id].sort());

    // Bob's typing subscription gives no sign that it is live: alice repeats her true until it arrives.
    await eventually(async () => {
      await setTyping(aliceApp, roomId, true);
      return typing.waitFor((event) => event.userId === alice.id, "alice's true", 300).catch(() => undefined);
    }, "alice's typing true on bob's typing subscription");
    await setTyping(aliceApp, roomId, false);
    await typing.waitFor((event) => event.userId === alice.id && !event.isTyping, "alice's typing false on bob's subscription");
    const ofAlice = typing.events.filter((event: TypingEvent) => event.userId === alice.id);
    expect(ofAlice.at(0)).toEqual({ roomId, userId: alice.id, userName: 'Alice', isTyping: true, at: expect.any(String) });
    expect(ofAlice.at(-1)!.isTyping).toBe(false);
    expect(aliceTyping.events).toEqual([]);

    aliceTyping.unsubscribe();
    await presence.waitFor((event) => event.userId === alice.id && event.status === 'OFFLINE', 'alice OFFLINE after her subscription closed');
    expect(presence.events.filter((event: PresenceEvent) => event.userId === alice.id).map((event) => event.status)).toEqual(['ONLINE', 'OFFLINE']);
    expect(await onlineIds(bobApp, roomId)).toEqual([bob.id]);
    expect([presence.errors, typing.errors]).toEqual([[], []]);
  });

  it('surfaces refusals as CombinedError with extensions.code, for queries and subscriptions alike', async () => {
    const [alice, bob, mallory] = await Promise.all([createUser('alice'), createUser('bob'), createUser('mallory')]);
    const [aliceApp, malloryApp] = [appOf(alice), appOf(mallory)];
    const roomId = (await createRoom(aliceApp, [bob])).room.id;
    const codesOf = (error: CombinedError | undefined) => error?.graphQLErrors.map((e) => e.extensions.code);

    const forbidden = await malloryApp.client.query(MessagesDocument, { roomId, last: 10 }).toPromise();
    expect([forbidden.data, codesOf(forbidden.error)]).toEqual([null, ['FORBIDDEN']]);
    const tooLong = await aliceApp.client.query(MessagesDocument, { roomId, last: 101 }).toPromise();
    expect(codesOf(tooLong.error)).toEqual(['BAD_USER_INPUT']);

    const refused = subscribe(malloryApp, MessageAddedDocument, { roomId }, (data) => data.messageAdded);
    expect(codesOf((await refused.waitForError("the refusal of mallory's subscription")) as CombinedError)).toEqual(['FORBIDDEN']);
    expect(refused.events).toEqual([]);

    // keepLiveUrql takes a refusal as final: no retry.
    const refusals = feed<unknown>();
    let retries = 0;
    const reconnect = () => (retries++, Promise.resolve());
    keepLiveUrql(malloryApp.client, roomId, roomTimeline(), { onRefused: (error) => refusals.push(error), reconnect });
    expect(codesOf((await refusals.waitForCount(1, "keepLiveUrql's refusal for mallory"))[0] as CombinedError)).toEqual(['FORBIDDEN']);
    expect(retries).toBe(0);
  });

  it('keepLiveUrql subscribes from the highest seq held and, after the socket drops, resubscribes from it: every message once, none missed', async () => {
    const [alice, bob] = await Promise.all([createUser('alice'), createUser('bob')]);
    const [aliceApp, bobApp] = [appOf(alice), appOf(bob)];
    const roomId = (await createRoom(aliceApp, [bob])).room.id;
    for (const i of range(1, 2)) await send(aliceApp, roomId, `stored ${i}`);
    const timeline = roomTimeline();
    timeline.add(...(await query(bobApp, MessagesDocument, { roomId, last: 50 })).data.messages.edges.map((edge) => edge.node));
    expect(seqsOf(timeline.messages())).toEqual([1, 2]);
    // Sent after the history loaded, before the subscription: afterSeq = 2 brings it.
    const between = await send(aliceApp, roomId, 'between the history and the subscription');

    const delivered = feed<number>();
    const drops = feed<number>();
    let backOnline!: () => void;
    const online = new Promise<void>((resolve) => (backOnline = resolve));
    const reconnect = () => (drops.push(Date.now()), online);
    const stopLive = keepLiveUrql(bobApp.client, roomId, timeline, { reconnect, onMessage: (message) => delivered.push(message.seq) });
    await delivered.waitFor((seq) => seq === 3, 'seq 3, sent between the history and the subscription');
    await untilOnline(aliceApp, roomId, bob, "bob's live subscription to be live");
    await send(aliceApp, roomId, 'live 4');
    await delivered.waitFor((seq) => seq === 4, 'the live message 4');

    // The network goes: graphql-ws reports the closed socket and the subscription fails with it.
    bobApp.socket.terminate();
    await drops.waitForCount(1, 'keepLiveUrql to see the subscription fail when the socket dropped');
    await untilOffline(aliceApp, roomId, bob, 'the server to see bob go');
    const missed = [];
    for (const i of range(5, 8)) missed.push(await send(aliceApp, roomId, `while away ${i}`));
    expect(seqsOf(timeline.messages())).toEqual(range(1, 4));

    // Back online: keepLiveUrql subscribes again from seq 4, the highest the app holds.
    backOnline();
    await delivered.waitFor((seq) => seq === 8, 'the missed messages 5..8 replayed');
    await untilOnline(aliceApp, roomId, bob, "bob's resumed subscription to be live");
    const later = await send(aliceApp, roomId, 'after the resume');
    await delivered.waitFor((seq) => seq === 9, 'the live message 9 after the resume');
    expect(delivered.events).toEqual(range(3, 9));
    expect(timeline.messages().slice(2).map((message) => message.id)).toEqual([between.id, expect.any(String), ...missed.map((m) => m.id), later.id]);
    expect(drops.events).toHaveLength(1);
    stopLive();
  });

  it("clears the room list's badge from the receipt of the user's other device, in the app's state, without a refetch", async () => {
    const [alice, bob] = await Promise.all([createUser('alice'), createUser('bob')]);
    const aliceApp = appOf(alice);
    const roomId = (await createRoom(aliceApp, [bob])).room.id;
    // The app's room list, which each receipt updates; the feed only tells the test a receipt came.
    const rooms = new Map<string, RoomFieldsFragment>();
    const receipts = feed<ReadReceipt>();
    const receiving = aliceApp.client.subscription(ReadReceiptsDocument, {}).subscribe(({ data }) => {
      if (!data) return;
      const room = rooms.get(data.readReceipts.roomId);
      if (room) rooms.set(room.id, { ...room, ...withReceipt(room, data.readReceipts, alice.id) });
      receipts.push(data.readReceipts);
    });
    await markProbesUntilLive(server, alice, bob, roomId, [receipts]);
    for (const i of range(1, 3)) await sendMessage(server, bob, roomId, `unread ${i}`);
    const list = await query(aliceApp, RoomsDocument, { first: 10 }, { requestPolicy: 'network-only' });
    for (const edge of list.data.rooms.edges) rooms.set(edge.node.id, edge.node);
    const before = rooms.get(roomId)!;
    expect(before.unreadCount).toBe(3);

    const laptop = await markRead(server, alice, roomId, 1000);
    await receipts.waitFor((receipt) => receipt.userId === alice.id && receipt.lastReadSeq === laptop.lastReadSeq, "the laptop's receipt");
    const after = rooms.get(roomId)!;
    expect({ lastReadSeq: after.lastReadSeq, unreadCount: after.unreadCount }).toEqual({ lastReadSeq: before.lastReadSeq + 3, unreadCount: 0 });
    receiving.unsubscribe();
  });
});
