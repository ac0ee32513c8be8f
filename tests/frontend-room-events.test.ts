// Edits, deletes and reactions in the two frontends the README teaches, on the generated documents
// of client/operations/room-events.graphql. Apollo: each change, whether made by this app (the
// mutation answers the Message) or delivered by roomEvents (the event carries the Message), merges
// into the cached message by its id, so a query held only in the cache shows it without a refetch.
// urql (document cache, no normalisation): roomEvents delivers each change, replayed then live.
import { jest } from '@jest/globals';
import {
  AddReactionDocument,
  CreateRoomDocument,
  DeleteMessageDocument,
  EditMessageDocument,
  MessageDetailsFragmentDoc,
  MessagesDocument,
  RemoveReactionDocument,
  RoomEventsDocument,
  SendMessageDocument,
  SendReplyDocument,
  type MessagesQuery,
  type RoomEventsSubscription,
} from '../client/generated/graphql.ts';
import { feed } from './helpers/feed.ts';
import type { ApolloChat, UrqlChat } from './helpers/frontend-clients.ts';
import { startServer, stopAllServers, type TestServer } from './helpers/server.ts';
import { createUser, type TestUser } from './helpers/tokens.ts';

// Apollo in development mode, as a dev server runs it: its cache warnings are on, and none is expected.
(globalThis as { __DEV__?: boolean }).__DEV__ = true;
const { loadDevMessages, loadErrorMessages } = await import('@apollo/client/dev');
const { apolloChat, applyRoomEvent, urqlChat } = await import('./helpers/frontend-clients.ts');
loadDevMessages();
loadErrorMessages();

type RoomEvent = RoomEventsSubscription['roomEvents'];

let server: TestServer;
const apps: (ApolloChat | UrqlChat)[] = [];
let warnings: unknown[][];

beforeAll(async () => {
  server = await startServer();
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

function apolloOf(user: TestUser): ApolloChat {
  const app = apolloChat(server, () => user.token);
  apps.push(app);
  return app;
}

function urqlOf(user: TestUser): UrqlChat {
  const app = urqlChat(server, () => user.token);
  apps.push(app);
  return app;
}

async function groupWith(app: ApolloChat, others: TestUser[]): Promise<string> {
  const { data } = await app.client.mutate({ mutation: CreateRoomDocument, variables: { participantIds: others.map((user) => user.id), title: 'event log' } });
  return data!.createRoom.room.id;
}

async function send(app: ApolloChat, roomId: string, content: string) {
  const { data } = await app.client.mutate({ mutation: SendMessageDocument, variables: { roomId, content } });
  return data!.sendMessage;
}

/**
 * A chat window that can only read the cache: the room's Messages query loaded once from the network,
 * then watched with `cache-only`, so whatever it shows afterwards came from the cache, never a refetch.
 */
async function cachedHistory(app: ApolloChat, roomId: string) {
  await app.client.query({ query: MessagesDocument, variables: { roomId, last: 10 } });
  const results = feed<MessagesQuery>();
  const subscription = app.client
    .watchQuery({ query: MessagesDocument, variables: { roomId, last: 10 }, fetchPolicy: 'cache-only' })
    .subscribe({ next: (result) => void (result.dataState === 'complete' && results.push(result.data)), error: (error) => results.fail(error) });
  const contents = (data: MessagesQuery) => data.messages.edges.map((edge) => edge.node.content);
  return {
    untilContents: (expected: string[], what: string) => results.waitFor((data) => JSON.stringify(contents(data)) === JSON.stringify(expected), what),
    close: () => subscription.unsubscribe(),
  };
}

/** The message as the app's normalised cache holds it, every changeable field included. */
const cachedMessage = (app: ApolloChat, id: string) =>
  app.client.cache.readFragment({ fragment: MessageDetailsFragmentDoc, fragmentName: 'MessageDetails', id: app.client.cache.identify({ __typename: 'Message', id }) });

describe('Apollo Client 4: edits, deletes and reactions update the cached message by id, with no refetch', () => {
  it("the app's own editMessage, addReaction, removeReaction and deleteMessage answers merge into the message its history shows", async () => {
    const [alice, bob] = await Promise.all([createUser('alice'), createUser('bob')]);
    const app = apolloOf(alice);
    const roomId = await groupWith(app, [bob, await createUser('carol')]);
    const first = await send(app, roomId, 'helo');
    const second = await send(app, roomId, 'sent to the wrong room');
    const history = await cachedHistory(app, roomId);
    await history.untilContents(['helo', 'sent to the wrong room'], 'the history as loaded');

    const edited = (await app.client.mutate({ mutation: EditMessageDocument, variables: { messageId: first.id, content: 'hello' } })).data!.editMessage;
    await history.untilContents(['hello', 'sent to the wrong room'], 'the edit in the cache-only history');
    expect(cachedMessage(app, first.id)).toEqual(edited);
    expect(edited).toMatchObject({ id: first.id, seq: 1, content: 'hello', editedAt: expect.any(String), deletedAt: null });

    await app.client.mutate({ mutation: AddReactionDocument, variables: { messageId: first.id, emoji: '👍' } });
    expect(cachedMessage(app, first.id)!.reactions).toEqual([{ __typename: 'ReactionGroup', emoji: '👍', count: 1, userIds: [alice.id] }]);
    await app.client.mutate({ mutation: RemoveReactionDocument, variables: { messageId: first.id, emoji: '👍' } });
    expect(cachedMessage(app, first.id)!.reactions).toEqual([]);

    const reply = (await app.client.mutate({ mutation: SendReplyDocument, variables: { roomId, content: 'oops', replyToId: second.id } })).data!.sendMessage;
    expect(reply.replyTo).toEqual({ __typename: 'Message', id: second.id, senderId: alice.id, senderName: 'Alice', content: 'sent to the wrong room', deletedAt: null });

    const deleted = (await app.client.mutate({ mutation: DeleteMessageDocument, variables: { messageId: second.id } })).data!.deleteMessage;
    await history.untilContents(['hello', ''], 'the delete in the cache-only history');
    expect(deleted).toMatchObject({ id: second.id, seq: 2, content: '', deletedAt: expect.any(String), reactions: [] });
    // The reply's replyTo is a reference to the same cached message: it shows the delete too.
    expect(cachedMessage(app, reply.id)!.replyTo).toMatchObject({ id: second.id, content: '', deletedAt: deleted.deletedAt });
    history.close();
    expect(warnings).toEqual([]);
  });

  it.each([
    ['Apollo writes each result into the cache', 'cache-first', false],
    ["the app writes each event's message (applyRoomEvent) on a no-cache subscription", 'no-cache', true],
  ] as const)("another member's edit, reaction and delete reach the cached message through roomEvents (replayed then live): %s", async (_, fetchPolicy, applies) => {
    const [alice, bob] = await Promise.all([createUser('alice'), createUser('bob')]);
    const [aliceApp, bobApp] = [apolloOf(alice), apolloOf(bob)];
    const roomId = await groupWith(aliceApp, [bob, await createUser('carol')]);
    const message = await send(aliceApp, roomId, 'helo');
    const history = await cachedHistory(bobApp, roomId);
    await history.untilContents(['helo'], "bob's history as loaded");

    // From eventSeq 0: the replay covers whatever alice does before the subscription is live.
    const events = feed<RoomEvent>();
    const subscription = bobApp.client.subscribe({ query: RoomEventsDocument, variables: { roomId, afterEventSeq: 0 }, fetchPolicy }).subscribe({
      next: (result) => {
        if (result.error) return events.fail(result.error);
        if (!result.data) return;
        if (applies) applyRoomEvent(bobApp.client.cache, result.data.roomEvents);
        events.push(result.data.roomEvents);
      },
      error: (error) => events.fail(error),
    });
    await aliceApp.client.mutate({ mutation: EditMessageDocument, variables: { messageId: message.id, content: 'hello' } });
    await history.untilContents(['hello'], "the edit, delivered by roomEvents, in bob's cache-only history");
    await aliceApp.client.mutate({ mutation: AddReactionDocument, variables: { messageId: message.id, emoji: '🎉' } });
    await events.waitFor((event) => event.__typename === 'ReactionChanged', 'the reaction on roomEvents');
    expect(cachedMessage(bobApp, message.id)).toMatchObject({ content: 'hello', editedAt: expect.any(String), reactions: [{ emoji: '🎉', count: 1, userIds: [alice.id] }] });
    await aliceApp.client.mutate({ mutation: DeleteMessageDocument, variables: { messageId: message.id } });
    await history.untilContents([''], "the delete, delivered by roomEvents, in bob's cache-only history");
    expect(cachedMessage(bobApp, message.id)).toMatchObject({ content: '', deletedAt: expect.any(String), reactions: [] });

    const messageEvents = events.events.filter((event) => event.__typename !== 'MembershipChanged');
    expect(messageEvents.map((event) => event.__typename)).toEqual(['MessagePosted', 'MessageEdited', 'ReactionChanged', 'MessageDeleted']);
    expect(events.errors).toEqual([]);
    subscription.unsubscribe();
    history.close();
    expect(warnings).toEqual([]);
  });
});

describe('urql 6 (document cache): roomEvents delivers edits, deletes and reactions', () => {
  it('with roomId from eventSeq 0, and without roomId for every room of the caller, each change once and in order', async () => {
    const [alice, bob] = await Promise.all([createUser('alice'), createUser('bob')]);
    const aliceApp = apolloOf(alice);
    const bobApp = urqlOf(bob);
    const roomId = await groupWith(aliceApp, [bob, await createUser('carol')]);
    const message = await send(aliceApp, roomId, 'helo');

    const collect = (variables: { roomId?: string; afterEventSeq?: number }) => {
      const events = feed<RoomEvent>();
      const subscription = bobApp.client.subscription(RoomEventsDocument, variables).subscribe((result) => {
        if (result.error) events.fail(result.error);
        else if (result.data) events.push(result.data.roomEvents);
      });
      return Object.assign(events, { unsubscribe: () => subscription.unsubscribe() });
    };
    const oneRoom = collect({ roomId, afterEventSeq: 0 });
    const allRooms = collect({});
    // The all-rooms form has no replay: alice's probes (reactions toggled on and off) go until one arrives.
    const probes = ['👀', '👁️'];
    let emoji = probes[0]!;
    for (let i = 0; !allRooms.events.some((event) => event.__typename === 'ReactionChanged'); i++) {
      emoji = probes[i % 2]!;
      await aliceApp.client.mutate({ mutation: AddReactionDocument, variables: { messageId: message.id, emoji } });
      await aliceApp.client.mutate({ mutation: RemoveReactionDocument, variables: { messageId: message.id, emoji } });
      await allRooms.waitFor((event) => event.__typename === 'ReactionChanged', 'a probe on the all-rooms subscription', 300).catch(() => undefined);
    }
    // The last probe's removal is the last event before the changes under test.
    const isLastProbe = (event: RoomEvent) => event.__typename === 'ReactionChanged' && event.emoji === emoji && !event.added;
    const lastProbe = (await allRooms.waitFor(isLastProbe, "the last probe's removal on the all-rooms subscription")).eventSeq;

    await aliceApp.client.mutate({ mutation: EditMessageDocument, variables: { messageId: message.id, content: 'hello' } });
    await aliceApp.client.mutate({ mutation: AddReactionDocument, variables: { messageId: message.id, emoji: '🎉' } });
    const deleted = (await aliceApp.client.mutate({ mutation: DeleteMessageDocument, variables: { messageId: message.id } })).data!.deleteMessage;
    for (const events of [oneRoom, allRooms]) await events.waitFor((event) => event.__typename === 'MessageDeleted', 'the delete on roomEvents');

    const tail = (events: RoomEvent[]) => events.filter((event) => event.eventSeq > lastProbe);
    for (const events of [oneRoom, allRooms]) {
      expect(tail(events.events).map((event) => event.__typename)).toEqual(['MessageEdited', 'ReactionChanged', 'MessageDeleted']);
      expect(events.errors).toEqual([]);
    }
    const [edit, reaction, deletion] = tail(oneRoom.events) as [RoomEvent & { message: { content: string } }, RoomEvent & { emoji: string; added: boolean }, RoomEvent & { message: typeof deleted }];
    expect(edit.message).toMatchObject({ id: message.id, content: 'hello', editedAt: expect.any(String) });
    expect(reaction).toMatchObject({ emoji: '🎉', added: true, actorId: alice.id });
    // urql adds no __typename to the nested message (Apollo's answer has one).
    expect({ ...deletion.message, __typename: 'Message' }).toEqual(deleted);
    // With roomId from 0: gap-free from the room's first event.
    expect(oneRoom.events.map((event) => event.eventSeq)).toEqual(oneRoom.events.map((_, i) => i + 1));
    oneRoom.unsubscribe();
    allRooms.unsubscribe();
  });
});
