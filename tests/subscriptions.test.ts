// Live messages over the real graphql-ws client: delivery to every member's subscriptions, resume
// with afterSeq while others keep sending, the all-rooms feed, refusals, and delivery after commit.
import type { Client } from 'graphql-ws';
import { createRoom, MESSAGE_FIELDS, sendMessage, subscriptionRefusal, waitUntilOnline } from './helpers/chat.ts';
import type { MessagePayload } from '../src/pubsub/topics.ts';
import { expectData } from './helpers/http.ts';
import { startServer, type TestServer } from './helpers/server.ts';
import { createUser, type TestUser } from './helpers/tokens.ts';
import { range, repeatUntil, until } from './helpers/waits.ts';
import { collect, wsClient, type Collector } from './helpers/ws.ts';

/** What a client receives is the stored message as published. */
type Message = MessagePayload;

const MESSAGE_ADDED = `subscription($roomId: ID, $afterSeq: Int) {
  messageAdded(roomId: $roomId, afterSeq: $afterSeq) { ${MESSAGE_FIELDS} }
}`;
const HISTORY = `query($roomId: ID!, $after: String, $first: Int) {
  messages(roomId: $roomId, first: $first, after: $after) { edges { node { ${MESSAGE_FIELDS} } } }
}`;

let server: TestServer;

beforeAll(async () => {
  // These tests are about seq and paging, not limits: one user sends more than a default burst.
  server = await startServer({ RATE_SEND_MESSAGE_BURST: '1000' });
});

/** A graphql-ws client for the user, disposed after the test. */
const clientOf = (user: TestUser): Client => wsClient(server.wsUrl, { token: user.token });

function messageFeed(user: TestUser, variables: { roomId?: string; afterSeq?: number } = {}): Collector<Message> {
  return collect<Message>(clientOf(user), MESSAGE_ADDED, variables, 'messageAdded');
}

const seqsOf = (events: Message[]) => events.map((message) => message.seq);

/** The first `count` events, or a failure that names what was awaited. */
async function firstEvents<T>(collector: Collector<T>, count: number, what: string, timeoutMs = 5000): Promise<T[]> {
  try {
    return await collector.waitForCount(count, timeoutMs);
  } catch (error) {
    throw new Error(`${what}: ${(error as Error).message}`);
  }
}

/**
 * Sends probe messages until every feed has received one: the sign that a feed is live where presence
 * cannot tell (a feed without roomId counts no presence; a user's second feed changes nothing).
 * Answers the probe every feed got: every message after it must reach them all.
 */
async function sendProbesUntilLive(sender: TestUser, roomId: string, feeds: Collector<Message>[], what: string) {
  const probes: { id: string; seq: number }[] = [];
  const send = async () => void probes.push(await sendMessage(server, sender, roomId, `probe ${probes.length + 1}`));
  const everyFeedHasTheLast = () => feeds.every((feed) => feed.events.some((message) => message.id === probes.at(-1)!.id));
  await repeatUntil(send, everyFeedHasTheLast, `${what} to receive a probe message`);
  return probes.at(-1)!;
}

describe('messageAdded(roomId)', () => {
  it('delivers each message once, in seq order, to every member, the sender\'s other devices included', async () => {
    const [alice, bob, carol] = await Promise.all([createUser('alice'), createUser('bob'), createUser('carol')]);
    const roomId = (await createRoom(server, alice, [bob.id, carol.id])).room.id;
    const aliceLaptop = messageFeed(alice, { roomId });
    const alicePhone = messageFeed(alice, { roomId });
    const bobFeed = messageFeed(bob, { roomId });
    const carolFeed = messageFeed(carol, { roomId });
    const feeds = [aliceLaptop, alicePhone, bobFeed, carolFeed];
    const probe = await sendProbesUntilLive(carol, roomId, feeds, "every member's subscription");

    const sent = await Promise.all(range(1, 30).map((i) => sendMessage(server, i % 2 ? alice : bob, roomId, `message ${i}`)));
    // Sent after the others: once it has arrived, a repeat of any earlier message would have too.
    sent.push(await sendMessage(server, carol, roomId, 'final'));
    const expected = range(probe.seq + 1, probe.seq + 31);
    expect(sent.map((message) => message.seq).sort((a, b) => a - b)).toEqual(expected);
    const idOfSeq = new Map(sent.map((message) => [message.seq, message.id]));
    const last = expected.at(-1)!;
    for (const [name, feed] of [['alice laptop', aliceLaptop], ['alice phone', alicePhone], ['bob', bobFeed], ['carol', carolFeed]] as const) {
      await feed.waitFor((message) => message.seq === last, `seq ${last} on ${name}'s subscription`);
      // The whole stream, probes included, is contiguous: nothing repeated, nothing skipped.
      const seqs = seqsOf(feed.events);
      expect(seqs).toEqual(range(seqs[0]!, last));
      const live = feed.events.filter((message) => message.seq > probe.seq);
      expect(live.map((message) => message.id)).toEqual(expected.map((seq) => idOfSeq.get(seq)));
      expect(feed.errors).toEqual([]);
    }
  });

  it('delivers a message only after it is committed, as the same payload sendMessage answered', async () => {
    const [alice, bob] = await Promise.all([createUser('alice'), createUser('bob')]);
    const roomId = (await createRoom(server, alice, [bob.id])).room.id;
    await sendMessage(server, alice, roomId, 'before the subscription');
    // Reads the room's history the moment each event arrives: a message published before its commit
    // could arrive before a read can see it.
    const storedOnArrival: Promise<Message[]>[] = [];
    const client = clientOf(bob);
    const received: Message[] = [];
    client.subscribe<{ messageAdded: Message }>(
      { query: MESSAGE_ADDED, variables: { roomId } },
      {
        next: ({ data }) => {
          if (!data) return;
          received.push(data.messageAdded);
          storedOnArrival.push(
            expectData(server.httpUrl, alice.token, HISTORY, { roomId, first: 100 }).then((page) =>
              page.messages.edges.map((edge: { node: Message }) => edge.node),
            ),
          );
        },
        error: () => undefined,
        complete: () => undefined,
      },
    );
    await waitUntilOnline(server, alice, roomId, bob.id);

    const answers = await Promise.all(range(1, 20).map((i) => sendMessage(server, alice, roomId, `committed ${i}`)));
    await until(() => received.length >= answers.length, `${answers.length} messages on bob's subscription`);
    const stored = await Promise.all(storedOnArrival);
    received.forEach((message, i) => expect(stored[i]!.map((row) => row.id)).toContain(message.id));
    const bySeq = (a: { seq: number }, b: { seq: number }) => a.seq - b.seq;
    expect(received).toEqual([...answers].sort(bySeq));
    expect(received[0]).toMatchObject({ roomId, senderId: alice.id, senderName: alice.name, clientMessageId: null });
  });
});

describe('messageAdded(roomId, afterSeq)', () => {
  it('replays the stored messages after afterSeq in order, then continues live', async () => {
    const [alice, bob] = await Promise.all([createUser('alice'), createUser('bob')]);
    const roomId = (await createRoom(server, alice, [bob.id])).room.id;
    for (let i = 1; i <= 12; i++) await sendMessage(server, i % 2 ? alice : bob, roomId, `stored ${i}`);

    const feed = messageFeed(bob, { roomId, afterSeq: 5 });
    const replayed = await firstEvents(feed, 7, 'the replay of seqs 6..12');
    expect(seqsOf(replayed)).toEqual(range(6, 12));
    expect(replayed.map((message) => message.content)).toEqual(range(6, 12).map((i) => `stored ${i}`));

    const live = await sendMessage(server, alice, roomId, 'live 13');
    await feed.waitFor((message) => message.seq === 13, 'seq 13, sent after the replay');
    expect(feed.events.at(-1)).toMatchObject({ id: live.id, seq: 13, content: 'live 13' });
    expect(seqsOf(feed.events)).toEqual(range(6, 13));
  });

  it('replays a long absence (5,000 stored messages) completely and in order, then continues live', async () => {
    const [alice, bob] = await Promise.all([createUser('alice'), createUser('bob')]);
    const roomId = (await createRoom(server, alice, [bob.id])).room.id;
    // Stored directly, as if sent while bob was away: the replay, not the sends, is under test.
    const em = server.database.orm.em.fork();
    // The room's log holds its two ADDED events, then one MessagePosted per message.
    await em.execute(
      `insert into messages (room_id, seq, event_seq, sender_id, sender_name, content)
       select ?, n, n + 2, ?, 'Alice', 'away ' || n from generate_series(1, 5000) as n`,
      [roomId, alice.id],
    );
    await em.execute(
      `insert into room_events (room_id, event_seq, kind, actor_id, message_id)
       select room_id, event_seq, 'MessagePosted', sender_id, id from messages where room_id = ?`,
      [roomId],
    );
    await em.execute('update rooms set last_seq = 5000, last_event_seq = 5002 where id = ?', [roomId]);

    const feed = messageFeed(bob, { roomId, afterSeq: 0 });
    const replayed = await firstEvents(feed, 5000, 'the replay of seqs 1..5000', 30_000);
    expect(seqsOf(replayed)).toEqual(range(1, 5000));
    await sendMessage(server, alice, roomId, 'welcome back');
    await feed.waitFor((message) => message.seq === 5001, 'seq 5001, sent after the replay');
    expect(seqsOf(feed.events)).toEqual(range(1, 5001));
  });

  it('a resumed subscription misses nothing and repeats nothing while messages keep arriving', async () => {
    const [alice, bob, carol] = await Promise.all([createUser('alice'), createUser('bob'), createUser('carol')]);
    const roomId = (await createRoom(server, alice, [bob.id, carol.id])).room.id;
    await Promise.all(range(1, 20).map((i) => sendMessage(server, alice, roomId, `before ${i}`)));
    const resumeAfter = 7;

    // 100 sends from two users in parallel batches of 10; carol resumes after the second batch.
    let resumed: Collector<Message> | undefined;
    for (let batch = 0; batch < 10; batch++) {
      if (batch === 2) resumed = messageFeed(carol, { roomId, afterSeq: resumeAfter });
      await Promise.all(range(1, 10).map((i) => sendMessage(server, i % 2 ? alice : bob, roomId, `during ${batch}.${i}`)));
    }
    // A last message after everything: once it arrives, any duplicate or late event would have arrived too.
    const final = await sendMessage(server, bob, roomId, 'final');
    expect(final.seq).toBe(121);
    await resumed!.waitFor((message) => message.seq === final.seq, `the final seq ${final.seq} on the resumed subscription`, 10000);
    expect(seqsOf(resumed!.events)).toEqual(range(resumeAfter + 1, final.seq));
    expect(resumed!.errors).toEqual([]);
  });

  it('with afterSeq past the latest seq replays nothing, stays open and delivers the next message', async () => {
    const [alice, bob] = await Promise.all([createUser('alice'), createUser('bob')]);
    const roomId = (await createRoom(server, alice, [bob.id])).room.id;
    for (let i = 1; i <= 3; i++) await sendMessage(server, alice, roomId, `stored ${i}`);

    const feed = messageFeed(bob, { roomId, afterSeq: 50 });
    await waitUntilOnline(server, alice, roomId, bob.id);
    expect(feed.events).toEqual([]);
    const next = await sendMessage(server, alice, roomId, 'next');
    await firstEvents(feed, 1, 'the message sent after subscribing past the latest seq');
    expect(feed.events).toEqual([expect.objectContaining({ id: next.id, seq: 4 })]);
    expect(feed.errors).toEqual([]);
  });

  it('with afterSeq equal to the latest seq replays nothing and delivers the next message', async () => {
    const [alice, bob] = await Promise.all([createUser('alice'), createUser('bob')]);
    const roomId = (await createRoom(server, alice, [bob.id])).room.id;
    for (let i = 1; i <= 3; i++) await sendMessage(server, alice, roomId, `stored ${i}`);

    const feed = messageFeed(bob, { roomId, afterSeq: 3 });
    await waitUntilOnline(server, alice, roomId, bob.id);
    await sendMessage(server, alice, roomId, 'next');
    await firstEvents(feed, 1, 'seq 4 after resuming at the latest seq');
    expect(seqsOf(feed.events)).toEqual([4]);
  });

  it('refuses a negative afterSeq, and afterSeq without roomId, with BAD_USER_INPUT and no events', async () => {
    const [alice, bob] = await Promise.all([createUser('alice'), createUser('bob')]);
    const roomId = (await createRoom(server, alice, [bob.id])).room.id;
    await sendMessage(server, alice, roomId, 'stored');
    expect(await subscriptionRefusal(clientOf(bob), MESSAGE_ADDED, { roomId, afterSeq: -1 })).toEqual({ codes: ['BAD_USER_INPUT'], data: [], ended: true });
    expect(await subscriptionRefusal(clientOf(bob), MESSAGE_ADDED, { afterSeq: 0 })).toEqual({ codes: ['BAD_USER_INPUT'], data: [], ended: true });
  });
});

describe('messageAdded without roomId', () => {
  it("delivers every room's messages to the member, including a room created afterwards by someone else and its first message", async () => {
    const [alice, bob, carol, dave] = await Promise.all([createUser('alice'), createUser('bob'), createUser('carol'), createUser('dave')]);
    const withAlice = (await createRoom(server, carol, [alice.id])).room.id;
    const withBob = (await createRoom(server, carol, [bob.id, dave.id])).room.id;
    const notCarols = (await createRoom(server, alice, [bob.id])).room.id;
    const feed = messageFeed(carol);
    const probe = await sendProbesUntilLive(alice, withAlice, [feed], "carol's all-rooms feed");
    const afterProbe = () => feed.events.slice(feed.events.findIndex((message) => message.id === probe.id) + 1);

    const fromBob = await sendMessage(server, bob, withBob, 'in the group');
    await feed.waitFor((message) => message.id === fromBob.id, "bob's message in the group room");

    // Created by dave, with carol as a participant, after carol's feed started; the first message
    // follows at once, possibly before the feed has learnt of the room.
    const newRoom = (await createRoom(server, dave, [carol.id, bob.id], 'new')).room.id;
    const first = await sendMessage(server, dave, newRoom, 'first in the new room');
    await feed.waitFor((message) => message.id === first.id, 'the first message of the room created after the feed started');
    const second = await sendMessage(server, bob, newRoom, 'second in the new room');
    await feed.waitFor((message) => message.id === second.id, 'the second message of the new room');

    // A room carol is not in: its message must not reach her; a later message in her room marks the end.
    await sendMessage(server, bob, notCarols, 'not for carol');
    const marker = await sendMessage(server, alice, withAlice, 'marker');
    await feed.waitFor((message) => message.id === marker.id, 'the marker message in the room with alice');

    expect(afterProbe().map((message) => [message.roomId, message.seq, message.content])).toEqual([
      [withBob, 1, 'in the group'],
      [newRoom, 1, 'first in the new room'],
      [newRoom, 2, 'second in the new room'],
      [withAlice, marker.seq, 'marker'],
    ]);
    expect(feed.errors).toEqual([]);
  });
});

describe('refused subscriptions', () => {
  let alice: TestUser;
  let bob: TestUser;
  let roomId: string;
  beforeAll(async () => {
    [alice, bob] = await Promise.all([createUser('alice'), createUser('bob')]);
    roomId = (await createRoom(server, alice, [bob.id])).room.id;
  });

  it('ends a subscription to an unknown room with NOT_FOUND and no events', async () => {
    const result = await subscriptionRefusal(clientOf(alice), MESSAGE_ADDED, { roomId: '00000000-0000-4000-8000-000000000000' });
    expect(result).toEqual({ codes: ['NOT_FOUND'], data: [], ended: true });
  });

  it('ends a subscription to a room the caller is not a member of with FORBIDDEN and no events', async () => {
    const outsider = await createUser('mallory');
    const result = await subscriptionRefusal(clientOf(outsider), MESSAGE_ADDED, { roomId });
    expect(result).toEqual({ codes: ['FORBIDDEN'], data: [], ended: true });
  });

  it('ends a subscription with a malformed room id with BAD_USER_INPUT and no events', async () => {
    const result = await subscriptionRefusal(clientOf(alice), MESSAGE_ADDED, { roomId: 'not-a-room' });
    expect(result).toEqual({ codes: ['BAD_USER_INPUT'], data: [], ended: true });
  });
});
