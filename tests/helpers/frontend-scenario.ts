// The chat a frontend developer builds on either client (tests/apollo-client.test.ts, tests/urql-client.test.ts):
// one scenario, run through an adapter that says how the client does each step. Two users chat in a
// direct room, see typing and presence live, meet refusals as GraphQL error codes, and resume with
// afterSeq after the socket dropped. What only one client does (Apollo's normalised cache, urql's
// document cache) stays in its own suite.
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import {
  MessageAddedDocument,
  MessagesDocument,
  PresenceDocument,
  TypingDocument,
  type CreateRoomMutation,
  type MessageFieldsFragment,
  type RoomsQuery,
} from '../../client/generated/graphql.ts';
import type { Feed } from './feed.ts';
import { feed } from './feed.ts';
import type { LiveOptions } from './frontend-clients.ts';
import { createUser, type TestUser } from './tokens.ts';
import { range, until } from './waits.ts';

type Message = MessageFieldsFragment;

/** A room's history as the app holds it, kept live by the resume pattern once `keepLive` is called. */
export interface History {
  seqs(): number[];
  ids(): string[];
  keepLive(options: LiveOptions): () => void;
}

/** One user's app on the client under test; every call goes through the client, as the app's would. */
export interface ChatApp {
  me(): Promise<{ id: string; name: string | null }>;
  createRoom(participants: TestUser[], title?: string): Promise<CreateRoomMutation['createRoom']>;
  send(roomId: string, content: string, clientMessageId?: string): Promise<Message>;
  setTyping(roomId: string, isTyping: boolean): Promise<void>;
  /** onlineMembers from the network, sorted ids. */
  onlineIds(roomId: string): Promise<string[]>;
  rooms(first: number): Promise<RoomsQuery['rooms']>;
  /** A subscription, its data picked into a feed, its errors failed into it. */
  subscribe<T, D, V extends Record<string, unknown>>(document: TypedDocumentNode<D, V>, variables: V, pick: (data: D) => T): Feed<T> & { unsubscribe(): void };
  /** The codes of a query that must fail. */
  failedQueryCodes<D, V extends Record<string, unknown>>(document: TypedDocumentNode<D, V>, variables: V): Promise<unknown[]>;
  /** The room's newest `last` messages, loading. */
  history(roomId: string, last: number): History;
  /** The network goes: the app's socket drops. */
  dropSocket(): void;
}

export interface FrontendAdapter<App extends ChatApp = ChatApp> {
  /** The user's app, stopped after the test (disposal.ts). */
  appOf(user: TestUser): App;
  /** The codes of the GraphQL errors the client wraps a refusal in. */
  errorCodes(error: unknown): unknown[];
  /** What a subscription delivers, compared with what a mutation answered (urql leaves out __typename). */
  delivered<T extends object>(value: T): T;
  /** The client's own check of what its cache holds of a room the app has just created. */
  roomCreated?(app: App, room: CreateRoomMutation['createRoom']['room']): Promise<void>;
  /** The client's own check of what its cache holds of a message a subscription delivered. */
  messageDelivered?(app: App, message: Message): Promise<void>;
}

const untilOnline = (app: ChatApp, roomId: string, user: TestUser, what: string) =>
  until(async () => (await app.onlineIds(roomId)).includes(user.id), what);
const untilOffline = (app: ChatApp, roomId: string, user: TestUser, what: string) =>
  until(async () => !(await app.onlineIds(roomId)).includes(user.id), what);
const untilSeqs = (history: History, expected: number[], what: string) =>
  until(() => JSON.stringify(history.seqs()) === JSON.stringify(expected), what);

/** Registers the shared scenario's tests in the calling suite. */
export function frontendScenario<App extends ChatApp>(adapter: FrontendAdapter<App>): void {
  it('two users create a direct room and chat: each message reaches both live subscriptions', async () => {
    const [alice, bob] = await Promise.all([createUser('alice'), createUser('bob')]);
    const [aliceApp, bobApp] = [adapter.appOf(alice), adapter.appOf(bob)];
    expect(await aliceApp.me()).toEqual({ __typename: 'User', id: alice.id, name: 'Alice' });

    const created = await aliceApp.createRoom([bob]);
    expect(created).toMatchObject({ created: true, room: { __typename: 'Room', kind: 'DIRECT', lastMessage: null } });
    expect(created.room.members.map((member) => member.id).sort()).toEqual([alice.id, bob.id].sort());
    const roomId = created.room.id;
    await adapter.roomCreated?.(aliceApp, created.room);

    const aliceFeed = aliceApp.subscribe(MessageAddedDocument, { roomId }, (data) => data.messageAdded);
    const bobFeed = bobApp.subscribe(MessageAddedDocument, { roomId }, (data) => data.messageAdded);
    await untilOnline(aliceApp, roomId, alice, "alice's messageAdded subscription to be live");
    await untilOnline(aliceApp, roomId, bob, "bob's messageAdded subscription to be live");

    const hi = await aliceApp.send(roomId, 'Hi Bob!', 'hi-1');
    const reply = await bobApp.send(roomId, 'Hi Alice!');
    expect(hi).toMatchObject({ __typename: 'Message', roomId, seq: 1, senderId: alice.id, senderName: 'Alice', content: 'Hi Bob!', clientMessageId: 'hi-1' });
    expect(reply).toMatchObject({ seq: 2, senderId: bob.id, senderName: 'Bob' });
    for (const [name, events] of [['alice', aliceFeed], ['bob', bobFeed]] as const) {
      await events.waitForCount(2, `both messages on ${name}'s subscription`);
      expect(events.events).toEqual([hi, reply].map(adapter.delivered));
      expect(events.errors).toEqual([]);
    }
    // A retried send (same clientMessageId) answers the first message.
    expect(await aliceApp.send(roomId, 'Hi Bob!', 'hi-1')).toEqual(hi);
    await adapter.messageDelivered?.(bobApp, hi);

    const rooms = await bobApp.rooms(10);
    expect(rooms.edges.map((edge) => [edge.node.id, edge.node.lastMessage?.content])).toEqual([[roomId, 'Hi Alice!']]);
  });

  it('shows typing and presence live: ONLINE when the other opens a subscription, typing true then false, OFFLINE when it closes', async () => {
    const [alice, bob] = await Promise.all([createUser('alice'), createUser('bob')]);
    const [aliceApp, bobApp] = [adapter.appOf(alice), adapter.appOf(bob)];
    const roomId = (await aliceApp.createRoom([bob])).room.id;

    const presence = bobApp.subscribe(PresenceDocument, { roomId }, (data) => data.presence);
    await untilOnline(aliceApp, roomId, bob, "bob's presence subscription to be live");
    const typing = bobApp.subscribe(TypingDocument, { roomId }, (data) => data.typing);

    const aliceTyping = aliceApp.subscribe(TypingDocument, { roomId }, (data) => data.typing);
    const online = await presence.waitFor((event) => event.userId === alice.id, "alice ONLINE on bob's presence subscription");
    expect(online).toEqual(adapter.delivered({ __typename: 'PresenceEvent', roomId, userId: alice.id, userName: 'Alice', status: 'ONLINE', at: expect.any(String) }));
    expect(await bobApp.onlineIds(roomId)).toEqual([alice.id, bob.id].sort());

    // Bob's typing subscription gives no sign that it is live: alice repeats her true until it arrives.
    await until(async () => {
      await aliceApp.setTyping(roomId, true);
      return typing.waitFor((event) => event.userId === alice.id, "alice's true", 300).catch(() => undefined);
    }, "alice's typing true on bob's typing subscription");
    await aliceApp.setTyping(roomId, false);
    await typing.waitFor((event) => event.userId === alice.id && !event.isTyping, "alice's typing false on bob's subscription");
    const ofAlice = typing.events.filter((event) => event.userId === alice.id);
    expect(ofAlice.at(0)).toEqual(adapter.delivered({ __typename: 'TypingEvent', roomId, userId: alice.id, userName: 'Alice', isTyping: true, at: expect.any(String) }));
    expect(ofAlice.at(-1)!.isTyping).toBe(false);
    expect(aliceTyping.events).toEqual([]);

    aliceTyping.unsubscribe();
    await presence.waitFor((event) => event.userId === alice.id && event.status === 'OFFLINE', 'alice OFFLINE after her subscription closed');
    expect(presence.events.filter((event) => event.userId === alice.id).map((event) => event.status)).toEqual(['ONLINE', 'OFFLINE']);
    expect(await bobApp.onlineIds(roomId)).toEqual([bob.id]);
    expect([presence.errors, typing.errors]).toEqual([[], []]);
  });

  it('surfaces refusals as GraphQL errors with extensions.code, for queries and subscriptions alike; the resume pattern takes them as final', async () => {
    const [alice, bob, mallory] = await Promise.all([createUser('alice'), createUser('bob'), createUser('mallory')]);
    const [aliceApp, malloryApp] = [adapter.appOf(alice), adapter.appOf(mallory)];
    const roomId = (await aliceApp.createRoom([bob])).room.id;

    expect(await malloryApp.failedQueryCodes(MessagesDocument, { roomId, last: 10 })).toEqual(['FORBIDDEN']);
    expect(await aliceApp.failedQueryCodes(MessagesDocument, { roomId, last: 101 })).toEqual(['BAD_USER_INPUT']);

    const refused = malloryApp.subscribe(MessageAddedDocument, { roomId }, (data) => data.messageAdded);
    expect(adapter.errorCodes(await refused.waitForError("the refusal of mallory's subscription"))).toEqual(['FORBIDDEN']);
    expect(refused.events).toEqual([]);

    const refusals = feed<unknown>();
    let retries = 0;
    const reconnect = () => (retries++, Promise.resolve());
    malloryApp.history(roomId, 10).keepLive({ onRefused: (error) => refusals.push(error), reconnect });
    expect(adapter.errorCodes((await refusals.waitForCount(1, "the resume pattern's refusal for mallory"))[0])).toEqual(['FORBIDDEN']);
    expect(retries).toBe(0);
  });

  it('the resume pattern subscribes from the highest seq held and, after the socket drops, resubscribes from it: every message once, none missed', async () => {
    const [alice, bob] = await Promise.all([createUser('alice'), createUser('bob')]);
    const [aliceApp, bobApp] = [adapter.appOf(alice), adapter.appOf(bob)];
    const roomId = (await aliceApp.createRoom([bob])).room.id;
    for (const i of range(1, 2)) await aliceApp.send(roomId, `stored ${i}`);
    const history = bobApp.history(roomId, 50);
    await untilSeqs(history, [1, 2], "bob's history, seqs 1..2");
    // Sent after the history loaded, before the subscription: afterSeq = 2 brings it.
    const between = await aliceApp.send(roomId, 'between the history and the subscription');

    const delivered = feed<number>();
    const drops = feed<number>();
    let backOnline!: () => void;
    const online = new Promise<void>((resolve) => (backOnline = resolve));
    const reconnect = () => (drops.push(Date.now()), online);
    const stopLive = history.keepLive({ reconnect, onMessage: (message) => delivered.push(message.seq) });
    await untilSeqs(history, [1, 2, 3], 'seq 3, sent between the history and the subscription');
    await untilOnline(aliceApp, roomId, bob, "bob's live subscription to be live");
    await aliceApp.send(roomId, 'live 4');
    await untilSeqs(history, range(1, 4), 'the live message 4');

    // The network goes: graphql-ws reports the closed socket and the subscription fails with it.
    bobApp.dropSocket();
    await drops.waitForCount(1, 'the resume pattern to see the subscription fail when the socket dropped');
    await untilOffline(aliceApp, roomId, bob, 'the server to see bob go');
    const missed = [];
    for (const i of range(5, 8)) missed.push(await aliceApp.send(roomId, `while away ${i}`));
    expect(history.seqs()).toEqual(range(1, 4));

    // Back online: the app subscribes again from seq 4, the highest it holds.
    backOnline();
    await untilSeqs(history, range(1, 8), 'the missed messages 5..8 replayed into the history');
    await untilOnline(aliceApp, roomId, bob, "bob's resumed subscription to be live");
    const later = await aliceApp.send(roomId, 'after the resume');
    await untilSeqs(history, range(1, 9), 'the live message 9 after the resume');
    expect(delivered.events).toEqual(range(3, 9));
    expect(history.ids().slice(2)).toEqual([between.id, expect.any(String), ...missed.map((message) => message.id), later.id]);
    expect(drops.events).toHaveLength(1);
    stopLive();
  });
}
