// editMessage, deleteMessage, addReaction / removeReaction and sendMessage's replyToId over HTTP:
// each rule of docs/contract/CONTRACT.md ("Edit, delete, reactions, replies") and its error code, with nothing
// stored and nothing logged when refused; and deleted content absent from every answer and replay.
import { createRoom } from './helpers/chat.ts';
import { FULL_MESSAGE, mutate, refusal, ROOM_EVENTS, roomAsQueried, type Message } from './helpers/room-events.ts';
import { rawSocket, sendFrame, waitForFrame } from './helpers/ws.ts';
import { startServer, type TestServer } from './helpers/server.ts';
import { createUser, type TestUser } from './helpers/tokens.ts';

let server: TestServer;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
let outsider: TestUser;
let roomId: string;

beforeAll(async () => {
  server = await startServer({ RATE_SEND_MESSAGE_BURST: '1000' });
  [alice, bob, carol, outsider] = await Promise.all([createUser('alice'), createUser('bob'), createUser('carol'), createUser('outsider')]);
  roomId = (await createRoom(server, alice, [bob.id, carol.id], 'changes')).room.id;
});

const send = (user: TestUser, content: string, replyToId?: string) => mutate<Message>(server, user, 'send', { roomId, content, replyToId });
const lastEventSeq = async () => (await roomAsQueried(server, alice, roomId)).lastEventSeq;

/** The call's error code, and that the room's log did not move. */
async function refusedWithoutEvent(user: TestUser, name: Parameters<typeof refusal>[2], variables: Record<string, unknown>) {
  const before = await lastEventSeq();
  const code = await refusal(server, user, name, variables);
  expect(await lastEventSeq()).toBe(before);
  return code;
}

describe('editMessage', () => {
  it("replaces the sender's content, sets editedAt and logs one event; the same content again logs none", async () => {
    const message = await send(bob, 'helo');
    const before = await lastEventSeq();
    const edited = await mutate<Message>(server, bob, 'edit', { messageId: message.id, content: 'hello' });
    expect(edited).toMatchObject({ id: message.id, seq: message.seq, content: 'hello' });
    expect(edited.editedAt).not.toBeNull();
    expect(await lastEventSeq()).toBe(before + 1);
    await mutate(server, bob, 'edit', { messageId: message.id, content: 'hello' });
    expect(await lastEventSeq()).toBe(before + 1);
  });

  it("refuses another user's message with FORBIDDEN, a deleted one and bad content with BAD_USER_INPUT, unknown ids with NOT_FOUND", async () => {
    const message = await send(bob, 'mine');
    expect(await refusedWithoutEvent(alice, 'edit', { messageId: message.id, content: 'theirs' })).toBe('FORBIDDEN');
    expect(await refusedWithoutEvent(bob, 'edit', { messageId: message.id, content: '   ' })).toBe('BAD_USER_INPUT');
    expect(await refusedWithoutEvent(bob, 'edit', { messageId: '999999999', content: 'x' })).toBe('NOT_FOUND');
    expect(await refusedWithoutEvent(bob, 'edit', { messageId: 'not-an-id', content: 'x' })).toBe('NOT_FOUND');
    expect(await refusedWithoutEvent(outsider, 'edit', { messageId: message.id, content: 'x' })).toBe('FORBIDDEN');
    await mutate(server, bob, 'delete', { messageId: message.id });
    expect(await refusedWithoutEvent(bob, 'edit', { messageId: message.id, content: 'again' })).toBe('BAD_USER_INPUT');
  });
});

describe('deleteMessage', () => {
  it('leaves a tombstone: same id, seq and sender, empty content, no reactions, no replyTo; a second delete logs nothing', async () => {
    const original = await send(alice, 'original');
    const reply = await send(bob, 'oops', original.id);
    await mutate(server, carol, 'react', { messageId: reply.id, emoji: '👍' });
    const before = await lastEventSeq();
    const deleted = await mutate<Message>(server, bob, 'delete', { messageId: reply.id });
    expect(deleted).toMatchObject({ id: reply.id, seq: reply.seq, senderId: bob.id, content: '', reactions: [], replyTo: null });
    expect(deleted.deletedAt).not.toBeNull();
    expect(await mutate<Message>(server, bob, 'delete', { messageId: reply.id })).toEqual(deleted);
    expect(await lastEventSeq()).toBe(before + 1);
    const history = (await roomAsQueried(server, alice, roomId)).messages;
    expect(history.find((message) => message.id === reply.id)).toEqual(deleted);
  });

  it('lets the owner of a group delete any message, and nobody else another user\'s (FORBIDDEN)', async () => {
    const bobs = await send(bob, 'bob wrote this');
    expect(await refusedWithoutEvent(carol, 'delete', { messageId: bobs.id })).toBe('FORBIDDEN');
    expect(await refusedWithoutEvent(outsider, 'delete', { messageId: bobs.id })).toBe('FORBIDDEN');
    expect((await mutate<Message>(server, alice, 'delete', { messageId: bobs.id })).deletedAt).not.toBeNull();
  });

  it('answers the replying message with its replyTo as a tombstone once the original is deleted', async () => {
    const original = await send(alice, 'the secret original');
    const reply = await send(bob, 'a reply', original.id);
    expect(reply.replyTo).toMatchObject({ id: original.id, content: 'the secret original' });
    await mutate(server, alice, 'delete', { messageId: original.id });
    const again = (await roomAsQueried(server, bob, roomId)).messages.find((message) => message.id === reply.id)!;
    expect(again.replyTo).toMatchObject({ id: original.id, content: '' });
    expect(again.replyTo!.deletedAt).not.toBeNull();
  });
});

describe('reactions', () => {
  it('groups by emoji in first-use order, users earliest first; repeats and absent removals log nothing', async () => {
    const message = await send(alice, 'react to me');
    const before = await lastEventSeq();
    await mutate(server, bob, 'react', { messageId: message.id, emoji: '👍' });
    await mutate(server, carol, 'react', { messageId: message.id, emoji: ':tada:' });
    await mutate(server, alice, 'react', { messageId: message.id, emoji: '👍' });
    const same = await mutate<Message>(server, bob, 'react', { messageId: message.id, emoji: '👍' });
    expect(same.reactions).toEqual([
      { emoji: '👍', count: 2, userIds: [bob.id, alice.id] },
      { emoji: ':tada:', count: 1, userIds: [carol.id] },
    ]);
    await mutate(server, carol, 'unreact', { messageId: message.id, emoji: '👍' });
    expect(await lastEventSeq()).toBe(before + 3);
    // A group keeps its place while it has users; emptied, it goes, and comes back last.
    await mutate(server, bob, 'unreact', { messageId: message.id, emoji: '👍' });
    await mutate(server, alice, 'unreact', { messageId: message.id, emoji: '👍' });
    const after = await mutate<Message>(server, bob, 'react', { messageId: message.id, emoji: '👍' });
    expect(after.reactions.map((group) => group.emoji)).toEqual([':tada:', '👍']);
    expect(await lastEventSeq()).toBe(before + 6);
  });

  it('refuses emoji of 0 or 33 code points, with spaces or control characters, a 21st distinct emoji, and deleted messages', async () => {
    const message = await send(alice, 'limits');
    for (const emoji of ['', 'x'.repeat(33), 'a b', 'tab\t', 'bell\u0007', 'zero\u200bwidth']) {
      expect(await refusedWithoutEvent(bob, 'react', { messageId: message.id, emoji })).toBe('BAD_USER_INPUT');
    }
    expect((await mutate<Message>(server, bob, 'react', { messageId: message.id, emoji: '😀'.repeat(32) })).reactions).toHaveLength(1);
    for (let i = 2; i <= 20; i++) await mutate(server, bob, 'react', { messageId: message.id, emoji: `:e${i}:` });
    expect(await refusedWithoutEvent(carol, 'react', { messageId: message.id, emoji: ':e21:' })).toBe('BAD_USER_INPUT');
    // An emoji already there is not a 21st.
    expect((await mutate<Message>(server, carol, 'react', { messageId: message.id, emoji: ':e20:' })).reactions).toHaveLength(20);
    await mutate(server, alice, 'delete', { messageId: message.id });
    expect(await refusedWithoutEvent(bob, 'react', { messageId: message.id, emoji: '👍' })).toBe('BAD_USER_INPUT');
    expect(await refusedWithoutEvent(outsider, 'react', { messageId: message.id, emoji: '👍' })).toBe('FORBIDDEN');
  });
});

describe('replies', () => {
  it("refuses a reply to another room's message, an unknown or malformed id with BAD_USER_INPUT, storing nothing", async () => {
    const elsewhere = (await createRoom(server, alice, [outsider.id])).room.id;
    const foreign = await mutate<Message>(server, alice, 'send', { roomId: elsewhere, content: 'elsewhere' });
    for (const replyToId of [foreign.id, '999999999', 'nope']) {
      expect(await refusedWithoutEvent(bob, 'send', { roomId, content: 'reply', replyToId })).toBe('BAD_USER_INPUT');
    }
  });
});

describe('deleted content', () => {
  it('never leaves the server again: not in history, lastMessage, replyTo, nor any replay (raw frames and HTTP bodies searched)', async () => {
    const secret = `secret-${Date.now()}`;
    const original = await send(alice, `${secret} original`);
    await send(bob, 'a reply', original.id);
    await mutate(server, carol, 'react', { messageId: original.id, emoji: `:${secret}:` });
    const last = await send(alice, `${secret} newest`);
    await mutate(server, alice, 'delete', { messageId: original.id });
    await mutate(server, alice, 'delete', { messageId: last.id });

    const bodies = await Promise.all(
      [
        [`query($id: ID!) { room(id: $id) { lastMessage { ${FULL_MESSAGE} } messages(last: 100) { edges { node { ${FULL_MESSAGE} } } } } }`, { id: roomId }],
        [`query { rooms(first: 100) { edges { node { lastMessage { ${FULL_MESSAGE} } } } } }`, {}],
        [`query($roomId: ID!) { messages(roomId: $roomId, first: 100) { edges { node { ${FULL_MESSAGE} } } } }`, { roomId }],
      ].map(async ([query, variables]) => {
        const response = await fetch(server.httpUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${bob.token}` },
          body: JSON.stringify({ query, variables }),
        });
        return response.text();
      }),
    );
    for (const body of bodies) {
      expect(body).toContain('"deletedAt"');
      expect(body).not.toContain(secret);
    }

    const { lastEventSeq } = await roomAsQueried(server, alice, roomId);
    const raw = rawSocket(server.wsUrl);
    try {
      await raw.opened;
      sendFrame(raw, { type: 'connection_init', payload: { token: bob.token } });
      await waitForFrame(raw, (frame) => frame.type === 'connection_ack', 'connection_ack');
      sendFrame(raw, { id: 'events', type: 'subscribe', payload: { query: ROOM_EVENTS, variables: { roomId, after: 0 } } });
      const messageAdded = `subscription($roomId: ID, $afterSeq: Int) { messageAdded(roomId: $roomId, afterSeq: $afterSeq) { ${FULL_MESSAGE} } }`;
      sendFrame(raw, { id: 'messages', type: 'subscribe', payload: { query: messageAdded, variables: { roomId, afterSeq: 0 } } });
      await waitForFrame(raw, (frame) => frame.id === 'events' && frame.payload?.data?.roomEvents?.eventSeq === lastEventSeq, 'the replay to its end');
      await waitForFrame(raw, (frame) => frame.id === 'messages' && frame.payload?.data?.messageAdded?.id === last.id, 'the message replay to its end');
      const frames = JSON.stringify(raw.messages);
      expect(frames).toContain(original.id);
      expect(frames).not.toContain(secret);
    } finally {
      raw.socket.close();
    }
  });
});
