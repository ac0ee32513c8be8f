// Live delivery shares one execution per event among subscribers of the same operation shape
// (src/server/ws/ws-shared-results.ts). These tests hold what makes that sharing safe: what a shape is,
// that no field a subscription reaches can answer differently per viewer, and that subscribers with
// different selections, directives or ids on one room each get exactly their own frames.
import { parse, getNamedType, isAbstractType, isObjectType, type ExecutionArgs, type GraphQLNamedType } from 'graphql';
import { schema } from '../src/schema/index.ts';
import { CompiledOperations } from '../src/server/graphql/compiled-operations.ts';
import { SharedResults } from '../src/server/ws/ws-shared-results.ts';
import { createRoom, sendMessage, waitUntilOnline } from './helpers/chat.ts';
import { openSubscriptions } from './helpers/metrics.ts';
import { startServer, type TestServer } from './helpers/server.ts';
import { createUser, type TestUser } from './helpers/tokens.ts';
import { until } from './helpers/waits.ts';
import { collect, rawSocket, sendFrame, waitForFrame, wsClient, type Frame, type RawSocket } from './helpers/ws.ts';

const FEED = `subscription($roomId: ID, $afterSeq: Int, $full: Boolean!) {
  messageAdded(roomId: $roomId, afterSeq: $afterSeq) { seq content @include(if: $full) }
}`;

describe('the shape an event is executed once for', () => {
  const shared = new SharedResults((errors) => errors, new CompiledOperations(schema));
  const document = parse(FEED);
  const shapeOf = (variables: Record<string, unknown>) => shared.shapeOf({ schema, document, variableValues: variables } as ExecutionArgs);

  it('is the same for subscribers of different rooms and resume points: those choose events, not their fields', () => {
    expect(shapeOf({ roomId: 'a', afterSeq: 3, full: true })).toBe(shapeOf({ roomId: 'b', full: true }));
  });

  it('differs when a variable read inside the selection differs', () => {
    expect(shapeOf({ roomId: 'a', full: true })).not.toBe(shapeOf({ roomId: 'a', full: false }));
  });

  it('differs between documents, even with the same variables', () => {
    const other = parse(FEED.replace('seq content', 'seq id content'));
    expect(shared.shapeOf({ schema, document: other, variableValues: { full: true } } as ExecutionArgs)).not.toBe(shapeOf({ full: true }));
  });

  it('follows variables read inside fragments the selection spreads', () => {
    const withFragment = parse(`subscription($roomId: ID, $full: Boolean!) { messageAdded(roomId: $roomId) { ...Fields } }
      fragment Fields on Message { seq content @include(if: $full) }`);
    const shape = (full: boolean) => shared.shapeOf({ schema, document: withFragment, variableValues: { roomId: 'a', full } } as ExecutionArgs);
    expect(shape(true)).not.toBe(shape(false));
  });
});

describe('the fields a subscription reaches', () => {
  // Sharing is safe only while none of these reads the viewer (an unread count, a "sent by me" flag):
  // each was checked, and is named here. A field added to any type a subscription reaches (or a new
  // type) fails this test until it is checked and named, or its feed executes per subscriber.
  const VIEWER_INDEPENDENT = [
    'Subscription.messageAdded', 'Subscription.presence', 'Subscription.readReceipts', 'Subscription.roomEvents', 'Subscription.typing',
    'Message.clientMessageId', 'Message.content', 'Message.createdAt', 'Message.cursor', 'Message.deletedAt', 'Message.editedAt',
    'Message.id', 'Message.reactions', 'Message.replyTo', 'Message.roomId', 'Message.sender', 'Message.senderId',
    'Message.senderName', 'Message.seq',
    'ReactionGroup.count', 'ReactionGroup.emoji', 'ReactionGroup.userIds',
    ...['MessagePosted', 'MessageEdited', 'MessageDeleted'].flatMap((event) =>
      ['actorId', 'at', 'eventSeq', 'message', 'roomId'].map((field) => `${event}.${field}`),
    ),
    ...['actorId', 'added', 'at', 'emoji', 'eventSeq', 'message', 'roomId'].map((field) => `ReactionChanged.${field}`),
    ...['actorId', 'at', 'change', 'eventSeq', 'role', 'roomId', 'user'].map((field) => `MembershipChanged.${field}`),
    'ReadReceipt.at', 'ReadReceipt.lastReadSeq', 'ReadReceipt.roomId', 'ReadReceipt.userId',
    'PresenceEvent.at', 'PresenceEvent.roomId', 'PresenceEvent.status', 'PresenceEvent.userId', 'PresenceEvent.userName',
    'TypingEvent.at', 'TypingEvent.isTyping', 'TypingEvent.roomId', 'TypingEvent.userId', 'TypingEvent.userName',
    'User.id', 'User.name',
  ];

  it('are only fields whose answer is the same for every viewer, each named here', () => {
    const fields = new Set<string>();
    const visited = new Set<string>();
    const visit = (type: GraphQLNamedType) => {
      if (visited.has(type.name)) return;
      visited.add(type.name);
      if (isAbstractType(type)) return schema.getPossibleTypes(type).forEach(visit);
      if (!isObjectType(type)) return;
      for (const field of Object.values(type.getFields())) {
        fields.add(`${type.name}.${field.name}`);
        visit(getNamedType(field.type));
      }
    };
    visit(schema.getSubscriptionType()!);
    expect([...fields].sort()).toEqual([...VIEWER_INDEPENDENT].sort());
  });
});

describe('subscribers of one room with different operations', () => {
  let server: TestServer;
  let alice: TestUser;
  let bob: TestUser;
  let roomId: string;

  beforeAll(async () => {
    server = await startServer();
    [alice, bob] = await Promise.all([createUser('alice'), createUser('bob')]);
    roomId = (await createRoom(server, alice, [bob.id])).room.id;
  });

  const clientOf = (user: TestUser) => wsClient(server.wsUrl, { token: user.token });

  it('each get exactly their own selection, directives applied, for the same message', async () => {
    const full = collect(clientOf(bob), FEED, { roomId, full: true });
    const bare = collect(clientOf(bob), FEED, { roomId, full: false });
    const withSender = collect(clientOf(alice), `subscription($roomId: ID) { messageAdded(roomId: $roomId) { seq sender { id name } } }`, { roomId });
    await waitUntilOnline(server, alice, roomId, bob.id);
    await waitUntilOnline(server, bob, roomId, alice.id);
    const sent = await sendMessage(server, alice, roomId, 'shared once');

    expect(await full.waitForCount(1)).toEqual([{ seq: sent.seq, content: 'shared once' }]);
    expect(await bare.waitForCount(1)).toEqual([{ seq: sent.seq }]);
    expect(await withSender.waitForCount(1)).toEqual([{ seq: sent.seq, sender: { id: alice.id, name: alice.name } }]);
  });

  it('delivers over server-sent events too (GraphiQL), in order, and releases the subscription when the client goes', async () => {
    const activeFeeds = () => openSubscriptions(server, 'messageAdded');
    const before = await sendMessage(server, alice, roomId, 'before the stream');
    const feedsBefore = await activeFeeds();
    const aborted = new AbortController();
    const response = await fetch(server.httpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${bob.token}` },
      body: JSON.stringify({ query: FEED, variables: { roomId, afterSeq: before.seq, full: true } }),
      signal: aborted.signal,
    });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    const sent = [];
    for (const content of ['over SSE 1', 'over SSE 2']) sent.push(await sendMessage(server, alice, roomId, content));
    let text = '';
    const received = () => [...text.matchAll(/^data: (.*)$/gm)].map((match) => JSON.parse(match[1]!).data?.messageAdded).filter(Boolean);
    while (received().length < 2) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    expect(received()).toEqual(sent.map(({ seq, content }) => ({ seq, content })));
    expect(await activeFeeds()).toBe(feedsBefore + 1);

    aborted.abort();
    await reader.cancel().catch(() => undefined);
    await until(async () => (await activeFeeds()) === feedsBefore, "the stream's subscription to end once its client went");
  });

  it("writes each event to every socket under that socket's own operation id, then nothing after its complete", async () => {
    const latest = (await sendMessage(server, alice, roomId, 'before the sockets')).seq;
    const sockets = await Promise.all(
      ['first-id', 'second-id'].map(async (id) => {
        const raw = rawSocket(server.wsUrl);
        await raw.opened;
        sendFrame(raw, { type: 'connection_init', payload: { authorization: `Bearer ${bob.token}` } });
        await waitForFrame(raw, (frame) => frame.type === 'connection_ack', 'connection_ack');
        // Resuming from the latest seq: the next message reaches the socket whenever its feed is ready.
        sendFrame(raw, { id, type: 'subscribe', payload: { query: FEED, variables: { roomId, afterSeq: latest, full: true } } });
        return { raw, id };
      }),
    );
    /** A pong proves the server has handled, and written, everything before the ping on that socket. */
    const roundTrip = async (raw: RawSocket) => {
      const pongs = raw.messages.filter((frame) => (frame as Frame).type === 'pong').length;
      sendFrame(raw, { type: 'ping' });
      await waitForFrame(raw, () => raw.messages.filter((frame) => (frame as Frame).type === 'pong').length > pongs, 'a pong');
    };

    const first = await sendMessage(server, alice, roomId, 'to both');
    for (const { raw, id } of sockets) {
      const frame = await waitForFrame(raw, (each) => each.type === 'next', `a next frame for ${id}`);
      expect(frame).toEqual({ id, type: 'next', payload: { data: { messageAdded: { seq: first.seq, content: 'to both' } } } });
    }

    const [completed, open] = sockets as [(typeof sockets)[0], (typeof sockets)[0]];
    sendFrame(completed.raw, { id: completed.id, type: 'complete' });
    await roundTrip(completed.raw);
    const framesBefore = completed.raw.messages.length;
    const second = await sendMessage(server, alice, roomId, 'to the open one only');
    await waitForFrame(open.raw, (frame) => frame.payload?.data?.messageAdded?.seq === second.seq, 'the second message');
    await roundTrip(completed.raw);
    expect(completed.raw.messages.slice(framesBefore).filter((frame) => (frame as Frame).type !== 'pong')).toEqual([]);
    for (const { raw } of sockets) raw.socket.close();
  });
});
