// roomEvents and membership over the real graphql-ws client: the log from a room's creation, replay
// then live with no gap while every kind of change keeps coming, the all-rooms form following
// membership, the membership rules, and what a removed member's open subscriptions get.
import type { Client } from 'graphql-ws';
import { createRoom, MESSAGE_FIELDS, sendMessage, waitUntilOnline } from './helpers/chat.ts';
import { expectData, graphqlHttp } from './helpers/http.ts';
import {
  applyEvents,
  dataOf,
  endingOf,
  mutate,
  refusal,
  ROOM_EVENTS,
  roomAsQueried,
  watch,
  type Message,
  type RoomEvent,
} from './helpers/room-events.ts';
import { startServer, type TestServer } from './helpers/server.ts';
import { createUser, type TestUser } from './helpers/tokens.ts';
import { range } from './helpers/waits.ts';
import { collect, wsClient, type Collector } from './helpers/ws.ts';

let server: TestServer;

beforeAll(async () => {
  server = await startServer({ RATE_SEND_MESSAGE_BURST: '1000', RATE_CREATE_ROOM_BURST: '1000', MAX_ROOM_MEMBERS: '5' });
});

/** The user's graphql-ws client, disposed after the test (disposal.ts). */
const clientOf = (user: TestUser): Client => wsClient(server.wsUrl, { token: user.token });

const roomEvents = (user: TestUser, variables: { roomId?: string; after?: number } = {}) =>
  collect<RoomEvent>(clientOf(user), ROOM_EVENTS, variables, 'roomEvents');
const seqsOf = (events: RoomEvent[]) => events.map((event) => event.eventSeq);

async function groupOf(owner: TestUser, ...others: TestUser[]): Promise<string> {
  return (await createRoom(server, owner, others.map((user) => user.id), 'group')).room.id;
}

describe('the room event log', () => {
  it("starts with one ADDED per initial member, the creator first as OWNER; a room's first message follows them", async () => {
    const [alice, bob, carol] = await Promise.all([createUser('alice'), createUser('bob'), createUser('carol')]);
    const roomId = await groupOf(alice, bob, carol);
    await sendMessage(server, bob, roomId, 'first');
    const events = await roomEvents(carol, { roomId, after: 0 }).waitForCount(4);
    expect(events.map((event) => [event.eventSeq, event.__typename, event.actorId, event.user?.id, event.change, event.role])).toEqual([
      [1, 'MembershipChanged', alice.id, alice.id, 'ADDED', 'OWNER'],
      [2, 'MembershipChanged', alice.id, bob.id, 'ADDED', 'MEMBER'],
      [3, 'MembershipChanged', alice.id, carol.id, 'ADDED', 'MEMBER'],
      [4, 'MessagePosted', bob.id, undefined, undefined, undefined],
    ]);
    expect(events[3]!.message).toMatchObject({ seq: 1, content: 'first' });
  });

  it('replays then goes live with no gap and no duplicate while every kind of change keeps coming, and ends equal to the queries', async () => {
    const [alice, bob, carol, dave] = await Promise.all([createUser('alice'), createUser('bob'), createUser('carol'), createUser('dave')]);
    const roomId = await groupOf(alice, bob, carol);
    const sent: Message[] = [];
    for (let i = 1; i <= 10; i++) sent.push(await mutate<Message>(server, alice, 'send', { roomId, content: `before ${i}` }));
    const feed = roomEvents(bob, { roomId, after: 0 });
    // Changes of every kind keep coming while the replay runs and after it.
    for (let i = 1; i <= 10; i++) {
      const message = await mutate<Message>(server, carol, 'send', { roomId, content: `during ${i}`, replyToId: sent[i - 1]!.id });
      await mutate(server, alice, 'edit', { messageId: sent[i - 1]!.id, content: `edited ${i}` });
      await mutate(server, bob, 'react', { messageId: message.id, emoji: i % 2 ? '👍' : '🎉' });
      if (i % 3 === 0) await mutate(server, carol, 'delete', { messageId: message.id });
      if (i % 4 === 0) await mutate(server, bob, 'unreact', { messageId: message.id, emoji: '🎉' });
      if (i === 5) await mutate(server, carol, 'add', { roomId, userIds: [dave.id] });
      if (i === 8) await mutate(server, alice, 'remove', { roomId, userId: dave.id });
    }
    const queried = await roomAsQueried(server, alice, roomId);
    const events = await feed.waitForCount(queried.lastEventSeq, 10_000);
    expect(seqsOf(events)).toEqual(range(1, queried.lastEventSeq));
    const applied = applyEvents(events);
    expect(applied.members).toEqual(queried.members);
    expect(applied.messages).toEqual(queried.messages);
  });

  it('refuses a negative afterEventSeq, and afterEventSeq without roomId, with BAD_USER_INPUT; past the newest replays nothing and stays open', async () => {
    const [alice, bob] = await Promise.all([createUser('alice'), createUser('bob')]);
    const roomId = (await createRoom(server, alice, [bob.id])).room.id;
    for (const variables of [{ roomId, after: -1 }, { after: 0 }]) {
      const refused = watch(clientOf(bob), ROOM_EVENTS, variables);
      await refused.completed('the refused subscription to end');
      expect(JSON.stringify(refused.results.events) + JSON.stringify(refused.results.errors)).toContain('BAD_USER_INPUT');
    }
    const past = roomEvents(bob, { roomId, after: 1000 });
    await probeUntilLive(alice, roomId, [past]);
    // Nothing replayed: no ADDED event of the room's creation, only probes sent while it was open.
    expect(past.events.every((event) => event.__typename === 'MessagePosted' && event.message!.content.startsWith('probe'))).toBe(true);
  });
});

/**
 * A roomEvents or all-rooms feed signals no readiness (it counts no presence): probes are sent one by one until
 * every feed has delivered one of them (a probe sent before a feed was live never reaches it).
 */
async function probeUntilLive(sender: TestUser, roomId: string, feeds: Collector<{ content?: string; message?: { content: string } }>[]) {
  for (let i = 0; i < 50; i++) {
    const content = `probe ${i}`;
    await sendMessage(server, sender, roomId, content);
    const shown = (event: { content?: string; message?: { content: string } }) => (event.message?.content ?? event.content) === content;
    const arrived = await Promise.all(feeds.map((feed) => feed.waitFor(shown, content, 250).then(() => true, () => false)));
    if (arrived.every(Boolean)) return;
  }
  throw new Error('the all-rooms feeds never delivered a probe');
}

describe('membership rules', () => {
  it('refuses membership changes on a direct room, removal by a non-owner, of the caller or of a non-member, and too many members', async () => {
    const [alice, bob, carol, dave, erin, frank] = (await Promise.all(
      ['alice', 'bob', 'carol', 'dave', 'erin', 'frank'].map((name) => createUser(name)),
    )) as [TestUser, TestUser, TestUser, TestUser, TestUser, TestUser];
    const direct = (await createRoom(server, alice, [bob.id])).room.id;
    expect(await refusal(server, alice, 'add', { roomId: direct, userIds: [carol.id] })).toBe('BAD_USER_INPUT');
    expect(await refusal(server, alice, 'remove', { roomId: direct, userId: bob.id })).toBe('BAD_USER_INPUT');
    expect(await refusal(server, alice, 'leave', { roomId: direct })).toBe('BAD_USER_INPUT');
    const group = await groupOf(alice, bob, carol);
    const before = (await roomAsQueried(server, alice, group)).lastEventSeq;
    expect(await refusal(server, bob, 'remove', { roomId: group, userId: carol.id })).toBe('FORBIDDEN');
    expect(await refusal(server, alice, 'remove', { roomId: group, userId: alice.id })).toBe('BAD_USER_INPUT');
    expect(await refusal(server, alice, 'remove', { roomId: group, userId: dave.id })).toBe('BAD_USER_INPUT');
    expect(await refusal(server, dave, 'add', { roomId: group, userIds: [erin.id] })).toBe('FORBIDDEN');
    // MAX_ROOM_MEMBERS is 5 here: three members and three more is one too many, and adds nobody.
    expect(await refusal(server, bob, 'add', { roomId: group, userIds: [dave.id, erin.id, frank.id] })).toBe('BAD_USER_INPUT');
    const after = await roomAsQueried(server, alice, group);
    expect(after.lastEventSeq).toBe(before);
    expect(Object.keys(after.members).sort()).toEqual([alice.id, bob.id, carol.id].sort());
    // Members already there are ignored: one event, for the one added.
    const added = await mutate(server, bob, 'add', { roomId: group, userIds: [carol.id, dave.id, dave.id] });
    expect(added.lastEventSeq).toBe(before + 1);
  });

  it('answers FORBIDDEN to a removed member for queries, mutations and new subscriptions at once', async () => {
    const [alice, bob, carol] = await Promise.all([createUser('alice'), createUser('bob'), createUser('carol')]);
    const roomId = await groupOf(alice, bob, carol);
    const message = await sendMessage(server, bob, roomId, 'before');
    await mutate(server, alice, 'remove', { roomId, userId: bob.id });
    const query = await graphqlHttp(server.httpUrl, bob.token, 'query($id: ID!) { room(id: $id) { id } }', { id: roomId });
    expect(query.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(await refusal(server, bob, 'send', { roomId, content: 'after' })).toBe('FORBIDDEN');
    expect(await refusal(server, bob, 'edit', { messageId: message.id, content: 'after' })).toBe('FORBIDDEN');
    expect(await refusal(server, bob, 'leave', { roomId })).toBe('FORBIDDEN');
    const refused = watch(clientOf(bob), ROOM_EVENTS, { roomId, after: 0 });
    await refused.completed('the refused subscription to end');
    expect(JSON.stringify(refused.results.events) + JSON.stringify(refused.results.errors)).toContain('FORBIDDEN');
    expect(dataOf(refused, 'roomEvents')).toEqual([]);
    // Added back, they are a member again, with the whole history.
    await mutate(server, carol, 'add', { roomId, userIds: [bob.id] });
    expect((await roomAsQueried(server, bob, roomId)).messages.map((each) => each.content)).toEqual(['before']);
  });

  it("passes the owner's role, when the owner leaves, to the member added earliest; the last member leaves an empty room", async () => {
    const [alice, bob, carol, dave] = await Promise.all([createUser('alice'), createUser('bob'), createUser('carol'), createUser('dave')]);
    const roomId = await groupOf(alice, carol, bob);
    await mutate(server, alice, 'add', { roomId, userIds: [dave.id] });
    const feed = roomEvents(dave, { roomId, after: 0 });
    expect(await mutate(server, alice, 'leave', { roomId })).toBe(true);
    const events = await feed.waitForCount(6);
    expect(events.slice(4).map((event) => [event.user?.id, event.change, event.role, event.actorId])).toEqual([
      [alice.id, 'LEFT', null, alice.id],
      [carol.id, 'ROLE_CHANGED', 'OWNER', alice.id],
    ]);
    expect((await roomAsQueried(server, dave, roomId)).members).toEqual({ [carol.id]: 'OWNER', [bob.id]: 'MEMBER', [dave.id]: 'MEMBER' });
    await mutate(server, carol, 'remove', { roomId, userId: bob.id });
    await mutate(server, carol, 'leave', { roomId });
    await mutate(server, dave, 'leave', { roomId });
    expect(await refusal(server, dave, 'send', { roomId, content: 'anyone?' })).toBe('FORBIDDEN');
  });
});

describe('a member removed or gone', () => {
  const MESSAGE_ADDED = `subscription($roomId: ID) { messageAdded(roomId: $roomId) { ${MESSAGE_FIELDS} } }`;
  const TYPING = 'subscription($roomId: ID!) { typing(roomId: $roomId) { userId isTyping } }';
  const PRESENCE = 'subscription($roomId: ID!) { presence(roomId: $roomId) { userId status } }';

  it('gets, on every subscription on the room, its MembershipChanged (roomEvents), one FORBIDDEN result with no data, then complete; the socket goes on', async () => {
    const [alice, bob, carol] = await Promise.all([createUser('alice'), createUser('bob'), createUser('carol')]);
    const roomId = await groupOf(alice, bob, carol);
    const other = (await createRoom(server, bob, [carol.id])).room.id;
    const bobs = clientOf(bob);
    const watched = {
      roomEvents: watch(bobs, ROOM_EVENTS, { roomId }),
      messageAdded: watch(bobs, MESSAGE_ADDED, { roomId }),
      typing: watch(bobs, TYPING, { roomId }),
      presence: watch(bobs, PRESENCE, { roomId }),
    };
    const elsewhere = collect<Message>(bobs, MESSAGE_ADDED, { roomId: other }, 'messageAdded');
    const alicesPresence = collect<{ userId: string; status: string }>(clientOf(alice), PRESENCE, { roomId }, 'presence');
    const alicesTyping = collect<{ userId: string; isTyping: boolean }>(clientOf(alice), TYPING, { roomId }, 'typing');
    await waitUntilOnline(server, alice, roomId, bob.id);
    await waitUntilOnline(server, carol, other, bob.id);
    await waitUntilOnline(server, alice, roomId, alice.id);
    await expectData(server.httpUrl, bob.token, 'mutation($roomId: ID!) { setTyping(roomId: $roomId, isTyping: true) }', { roomId });
    await alicesTyping.waitFor((event) => event.userId === bob.id && event.isTyping, "bob's typing");

    await mutate(server, alice, 'remove', { roomId, userId: bob.id });
    // Sent right after the removal: it must reach nobody removed.
    await sendMessage(server, alice, roomId, 'after the removal');
    for (const [field, each] of Object.entries(watched)) await each.completed(`${field} to complete`);
    const events = dataOf(watched.roomEvents, 'roomEvents') as RoomEvent[];
    expect(events.map((event) => [event.__typename, event.user?.id, event.change])).toEqual([['MembershipChanged', bob.id, 'REMOVED']]);
    for (const each of Object.values(watched)) {
      const ending = endingOf(each);
      expect(ending).toMatchObject({ codes: ['FORBIDDEN'], withData: false, position: ending.count - 1 });
    }
    expect(dataOf(watched.messageAdded, 'messageAdded')).toEqual([]);
    // Bob goes OFFLINE in the room, his typing ends, and his other subscription goes on.
    await alicesPresence.waitFor((event) => event.userId === bob.id && event.status === 'OFFLINE', 'bob OFFLINE');
    await alicesTyping.waitFor((event) => event.userId === bob.id && !event.isTyping, "bob's typing false");
    await sendMessage(server, carol, other, 'still here');
    await elsewhere.waitFor((message) => message.content === 'still here', 'the message of the other room');
  });

  it('a member who leaves gets the same ending on their subscriptions, and their all-rooms feeds stop after it', async () => {
    const [alice, bob, carol] = await Promise.all([createUser('alice'), createUser('bob'), createUser('carol')]);
    const roomId = await groupOf(alice, bob, carol);
    const other = (await createRoom(server, alice, [bob.id])).room.id;
    const bobs = clientOf(bob);
    const own = watch(bobs, ROOM_EVENTS, { roomId });
    const all = collect<RoomEvent>(bobs, ROOM_EVENTS, {}, 'roomEvents');
    const allMessages = collect<Message>(bobs, MESSAGE_ADDED, {}, 'messageAdded');
    await probeUntilLive(alice, roomId, [all, allMessages]);
    await mutate(server, bob, 'leave', { roomId });
    await sendMessage(server, alice, roomId, 'after bob left');
    await sendMessage(server, alice, other, 'in the other room');
    await own.completed('the room feed to complete');
    expect(endingOf(own).codes).toEqual(['FORBIDDEN']);
    await all.waitFor((event) => event.message?.content === 'in the other room', 'the other room on the all-rooms feed');
    await allMessages.waitFor((message) => message.content === 'in the other room', 'the other room on the all-rooms messages');
    const fromRoom = all.events.filter((event) => event.roomId === roomId);
    expect(fromRoom.at(-1)).toMatchObject({ __typename: 'MembershipChanged', user: { id: bob.id }, change: 'LEFT' });
    expect(allMessages.events.map((message) => message.content)).not.toContain('after bob left');
  });

  it('an all-rooms feed follows a room the caller is added to from its ADDED event, and stops after their removal', async () => {
    const [alice, bob, carol] = await Promise.all([createUser('alice'), createUser('bob'), createUser('carol')]);
    const roomId = await groupOf(alice, bob, carol);
    const other = (await createRoom(server, alice, [carol.id])).room.id;
    await sendMessage(server, alice, roomId, 'history before carol... no, before dave');
    const dave = await createUser('dave');
    const daves = clientOf(dave);
    const all = collect<RoomEvent>(daves, ROOM_EVENTS, {}, 'roomEvents');
    const allMessages = collect<Message>(daves, MESSAGE_ADDED, {}, 'messageAdded');
    // Dave's all-rooms feeds are live once they deliver a room he is in: a direct room with carol.
    const ownRoom = (await createRoom(server, carol, [dave.id])).room.id;
    await sendMessage(server, carol, ownRoom, 'hello dave');
    await all.waitFor((event) => event.message?.content === 'hello dave', 'the first message of his own room');
    await allMessages.waitFor((message) => message.content === 'hello dave', 'the first message of his own room (messageAdded)');

    await mutate(server, bob, 'add', { roomId, userIds: [dave.id] });
    await sendMessage(server, alice, roomId, 'welcome dave');
    await all.waitFor((event) => event.message?.content === 'welcome dave', 'the message after his addition');
    await allMessages.waitFor((message) => message.content === 'welcome dave', 'the message after his addition (messageAdded)');
    const fromRoom = all.events.filter((event) => event.roomId === roomId);
    expect(fromRoom[0]).toMatchObject({ __typename: 'MembershipChanged', user: { id: dave.id }, change: 'ADDED' });
    expect(allMessages.events.map((message) => message.content)).not.toContain('history before carol... no, before dave');

    await mutate(server, alice, 'remove', { roomId, userId: dave.id });
    await sendMessage(server, alice, roomId, 'dave is gone');
    await sendMessage(server, carol, ownRoom, 'still talking');
    await all.waitFor((event) => event.message?.content === 'still talking', 'his own room after the removal');
    await allMessages.waitFor((message) => message.content === 'still talking', 'his own room after the removal (messageAdded)');
    expect(all.events.filter((event) => event.roomId === roomId).at(-1)).toMatchObject({ change: 'REMOVED', user: { id: dave.id } });
    expect(allMessages.events.map((message) => message.content)).not.toContain('dave is gone');
    expect(all.events.some((event) => event.roomId === other)).toBe(false);
  });
});

describe('changes at the same time', () => {
  it("a member's sends racing their removal are stored before it or refused, never logged after it", async () => {
    const [alice, bob, carol] = await Promise.all([createUser('alice'), createUser('bob'), createUser('carol')]);
    const rooms = await Promise.all(range(1, 8).map(() => groupOf(alice, bob, carol)));
    await Promise.all(
      rooms.map((roomId) =>
        Promise.allSettled([
          ...range(1, 6).map((i) => sendMessage(server, bob, roomId, `racing ${i}`)),
          mutate(server, alice, 'remove', { roomId, userId: bob.id }),
        ]),
      ),
    );
    for (const roomId of rooms) {
      const { lastEventSeq } = await roomAsQueried(server, alice, roomId);
      const events = await roomEvents(alice, { roomId, after: 0 }).waitForCount(lastEventSeq);
      const removedAt = events.findIndex((event) => event.change === 'REMOVED');
      expect(events.slice(removedAt + 1).filter((event) => event.actorId === bob.id)).toEqual([]);
    }
  });


  it("an owner leaving while someone tries to remove the next owner: each answers as the contract says, none fails", async () => {
    const [alice, bob, carol] = await Promise.all([createUser('alice'), createUser('bob'), createUser('carol')]);
    const rooms = await Promise.all(range(1, 6).map(() => groupOf(alice, bob, carol)));
    const outcomes = await Promise.all(
      rooms.map((roomId) =>
        Promise.all([mutate(server, alice, 'leave', { roomId }), refusal(server, carol, 'remove', { roomId, userId: bob.id })]),
      ),
    );
    expect(outcomes).toEqual(rooms.map(() => [true, 'FORBIDDEN']));
    for (const roomId of rooms) expect((await roomAsQueried(server, bob, roomId)).members).toEqual({ [bob.id]: 'OWNER', [carol.id]: 'MEMBER' });
  });

  it('the same member removed twice at once, a leave racing an add, an edit racing a delete: no lost event, no gap', async () => {
    const [alice, bob, carol, dave] = await Promise.all([createUser('alice'), createUser('bob'), createUser('carol'), createUser('dave')]);
    const roomId = await groupOf(alice, bob, carol);
    const twice = await Promise.allSettled([
      mutate(server, alice, 'remove', { roomId, userId: bob.id }),
      mutate(server, alice, 'remove', { roomId, userId: bob.id }),
    ]);
    expect(twice.map((outcome) => outcome.status).sort()).toEqual(['fulfilled', 'rejected']);
    await Promise.all([mutate(server, carol, 'leave', { roomId }), mutate(server, alice, 'add', { roomId, userIds: [dave.id, bob.id] })]);
    const messages = await Promise.all(range(1, 10).map((i) => mutate<Message>(server, dave, 'send', { roomId, content: `m${i}` })));
    await Promise.allSettled(
      messages.flatMap((message, i) => [
        mutate(server, dave, 'edit', { messageId: message.id, content: `edited ${i}` }),
        mutate(server, alice, 'delete', { messageId: message.id }),
        mutate(server, bob, 'react', { messageId: message.id, emoji: '👍' }),
        sendMessage(server, bob, roomId, `racing ${i}`),
      ]),
    );
    const queried = await roomAsQueried(server, alice, roomId);
    const events = await roomEvents(alice, { roomId, after: 0 }).waitForCount(queried.lastEventSeq);
    expect(seqsOf(events)).toEqual(range(1, queried.lastEventSeq));
    const applied = applyEvents(events);
    expect(applied.members).toEqual(queried.members);
    expect(applied.messages).toEqual(queried.messages);
    expect(queried.members).toEqual({ [alice.id]: 'OWNER', [bob.id]: 'MEMBER', [dave.id]: 'MEMBER' });
  });
});

describe('a member removed, subscribed over server-sent events', () => {
  it('gets the MembershipChanged, one FORBIDDEN result with no data, and the end of the stream (complete)', async () => {
    const [alice, bob, carol] = await Promise.all([createUser('alice'), createUser('bob'), createUser('carol')]);
    const roomId = await groupOf(alice, bob, carol);
    const response = await fetch(server.httpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${bob.token}` },
      body: JSON.stringify({ query: ROOM_EVENTS, variables: { roomId, after: 0 } }),
    });
    const reader = response.body!.getReader();
    try {
      const decoder = new TextDecoder();
      let text = '';
      const results = () => [...text.matchAll(/^data: (.+)$/gm)].map((match) => JSON.parse(match[1]!) as { data?: any; errors?: any[] });
      const readUntil = async (enough: () => boolean) => {
        while (!enough()) {
          const { done, value } = await reader.read();
          if (done) return;
          text += decoder.decode(value, { stream: true });
        }
      };
      // The replay of the room's three ADDED events: the stream is live.
      await readUntil(() => results().length >= 3);
      await mutate(server, alice, 'remove', { roomId, userId: bob.id });
      await sendMessage(server, alice, roomId, 'after the removal');
      await readUntil(() => false);
      const all = results();
      expect(all.slice(3, -1).map((result) => [result.data?.roomEvents?.change, result.data?.roomEvents?.user?.id])).toEqual([['REMOVED', bob.id]]);
      // graphql-js writes the missing data as null; over WebSocket the result has no data key at all.
      expect(all.at(-1)!.data ?? null).toBeNull();
      expect(all.at(-1)!.errors!.map((error) => error.extensions?.code)).toEqual(['FORBIDDEN']);
      expect(text).toMatch(/event: complete\ndata:\n\n$/);
      expect(text).not.toContain('after the removal');
    } finally {
      await reader.cancel().catch(() => undefined);
    }
  });
});
