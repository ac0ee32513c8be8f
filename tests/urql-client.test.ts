// A frontend on urql 6, first try: fetchExchange for queries and mutations, subscriptionExchange over
// graphql-ws, the document cacheExchange, on the typed documents of client/generated. Two users chat
// through it (the scenario both clients share, helpers/frontend-scenario.ts), and what is urql's own:
// paging back through history into the app's timeline, and the document cache's invalidation.
import { randomUUID } from 'node:crypto';
import type { AnyVariables, CombinedError, OperationContext, TypedDocumentNode } from '@urql/core';
import {
  CreateRoomDocument,
  MeDocument,
  MessagesDocument,
  OnlineMembersDocument,
  ReadReceiptsDocument,
  RoomsDocument,
  SendMessageDocument,
  SetTypingDocument,
  type MessageFieldsFragment,
  type RoomFieldsFragment,
} from '../client/generated/graphql.ts';
import { sendMessage } from './helpers/chat.ts';
import { feed } from './helpers/feed.ts';
import { keepLiveUrql, roomTimeline, urqlChat, withReceipt, type ReadReceipt, type UrqlChat } from './helpers/frontend-clients.ts';
import { frontendScenario, type ChatApp, type FrontendAdapter } from './helpers/frontend-scenario.ts';
import { markProbesUntilLive, markRead } from './helpers/read-state.ts';
import { startServer, type TestServer } from './helpers/server.ts';
import { createUser, type TestUser } from './helpers/tokens.ts';
import { range } from './helpers/waits.ts';

type Message = MessageFieldsFragment;

let server: TestServer;

beforeAll(async () => {
  // The paging test sends more than one default burst.
  server = await startServer({ RATE_SEND_MESSAGE_BURST: '1000' });
});

/** The user's app: one urql Client with its own document cache and socket, stopped after the test. */
const appOf = (user: TestUser): UrqlChat => urqlChat(server, () => user.token);

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

const codesOf = (error: CombinedError | undefined) => error?.graphQLErrors.map((e) => e.extensions.code);

/** The shared scenario's steps, as an app on urql takes them. */
function chatApp(app: UrqlChat): ChatApp {
  return {
    me: async () => (await query(app, MeDocument, {})).data.me,
    createRoom: (participants, title) => createRoom(app, participants, title),
    send: (roomId, content, clientMessageId) => send(app, roomId, content, clientMessageId),
    setTyping: async (roomId, isTyping) => expect((await mutate(app, SetTypingDocument, { roomId, isTyping })).setTyping).toBe(true),
    async onlineIds(roomId) {
      const { data } = await query(app, OnlineMembersDocument, { roomId }, { requestPolicy: 'network-only' });
      return data.onlineMembers.map((member) => member.id).sort();
    },
    rooms: async (first) => (await query(app, RoomsDocument, { first })).data.rooms,
    subscribe(document, variables, pick) {
      const events = feed<ReturnType<typeof pick>>();
      const subscription = app.client.subscription(document, variables).subscribe((result) => {
        if (result.error) events.fail(result.error);
        else if (result.data) events.push(pick(result.data));
      });
      return Object.assign(events, { unsubscribe: () => subscription.unsubscribe() });
    },
    failedQueryCodes: async (document, variables) => codesOf((await app.client.query(document, variables).toPromise()).error) ?? ['answered'],
    history(roomId, last) {
      // urql keeps no normalised cache: the app holds each room's messages in its timeline.
      const timeline = roomTimeline();
      void query(app, MessagesDocument, { roomId, last }).then(
        ({ data }) => timeline.add(...data.messages.edges.map((edge) => edge.node)),
        () => undefined, // a refused history: the subscription meets the same refusal
      );
      return {
        seqs: () => seqsOf(timeline.messages()),
        ids: () => timeline.messages().map((message) => message.id),
        keepLive: (options) => keepLiveUrql(app.client, roomId, timeline, options),
      };
    },
    dropSocket: () => app.socket.terminate(),
  };
}

/**
 * urql adds __typename to queries and mutations (its document cache keys on typenames), not to
 * subscriptions: what a subscription delivers compares to a mutation's answer without it.
 */
const withoutTypename = <T extends object>(value: T) => {
  const { __typename, ...rest } = value as T & { __typename?: string };
  return rest as T;
};

const urqlAdapter: FrontendAdapter = {
  appOf: (user) => chatApp(appOf(user)),
  errorCodes: (error) => codesOf(error as CombinedError) ?? [`not a CombinedError: ${String(error)}`],
  delivered: withoutTypename,
};

const seqsOf = (messages: { seq: number }[]) => messages.map((message) => message.seq);

describe('urql 6 over HTTP and graphql-ws, on the generated documents', () => {
  frontendScenario(urqlAdapter);

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
