// Several instances as separate OS processes sharing one PostgreSQL and one Redis: fan-out, shared
// presence, a crashed instance, a graceful stop, and a client that reconnects elsewhere.
import { jest } from '@jest/globals';
import { createRoom, onlineMemberIds, sendMessage, waitUntilOnline } from './helpers/chat.ts';
import { databaseUrl, describeWithPostgres, describeWithRedis, redisUrl } from './helpers/env.ts';
import { expectData } from './helpers/http.ts';
import { startInstance, type InstanceProcess } from './helpers/process.ts';
import { openSubscriptions } from './helpers/metrics.ts';
import { createUser, type TestUser } from './helpers/tokens.ts';
import { collect, wsClient, withTimeout } from './helpers/ws.ts';
import { range, repeatUntil, until } from './helpers/waits.ts';

jest.setTimeout(90_000);

const sharedEnv = () => ({ DATABASE_URL: databaseUrl!, REDIS_URL: redisUrl! });
const seqs = (events: { seq: number }[]) => events.map((event) => event.seq);

const MESSAGE_ADDED = 'subscription($roomId: ID, $afterSeq: Int) { messageAdded(roomId: $roomId, afterSeq: $afterSeq) { roomId seq content senderId } }';
const TYPING = 'subscription($roomId: ID!) { typing(roomId: $roomId) { userId isTyping } }';
const PRESENCE = 'subscription($roomId: ID!) { presence(roomId: $roomId) { userId status } }';
const SET_TYPING = 'mutation($roomId: ID!) { setTyping(roomId: $roomId, isTyping: true) }';

describeWithRedis('several instances', () => {
  describeWithPostgres('on one PostgreSQL and one Redis', () => {
    let a: InstanceProcess;
    let b: InstanceProcess;
    let c: InstanceProcess;
    let alice: TestUser;
    let bob: TestUser;
    let carol: TestUser;

    beforeAll(async () => {
      // Long enough that a renewal lands before the first timer ends even on a busy machine.
      const env = { ...sharedEnv(), TYPING_TIMEOUT_MS: '3000' };
      [a, b, c] = await Promise.all([startInstance(env), startInstance(env), startInstance(env)]);
      [alice, bob, carol] = await Promise.all([createUser('alice'), createUser('bob'), createUser('carol')]);
    });

    it('a subscriber on A receives the messages sent through B and C in order, exactly once', async () => {
      const room = (await createRoom(a, alice, [bob.id, carol.id])).room.id;
      const client = wsClient(a.wsUrl, { token: alice.token });
      const feed = collect<{ seq: number }>(client, MESSAGE_ADDED, { roomId: room });
      await waitUntilOnline(b, bob, room, alice.id);
      await Promise.all([
        ...range(1, 30).map((i) => sendMessage(b, bob, room, `from B ${i}`)),
        ...range(1, 30).map((i) => sendMessage(c, carol, room, `from C ${i}`)),
      ]);
      await feed.waitForCount(60, 10_000);
      // Sent once the 60 have arrived: a repeat of any of them would come before it.
      await sendMessage(b, bob, room, 'after the others');
      await feed.waitFor((event) => event.seq === 61, 'seq 61, sent after the others');
      expect(seqs(feed.events)).toEqual(range(1, 61));
    });

    it('typing on B reaches a subscriber on A', async () => {
      const room = (await createRoom(a, alice, [bob.id])).room.id;
      const client = wsClient(a.wsUrl, { token: alice.token });
      const typing = collect<{ userId: string; isTyping: boolean }>(client, TYPING, { roomId: room });
      await waitUntilOnline(c, alice, room, alice.id);
      await expectData(b.httpUrl, bob.token, SET_TYPING, { roomId: room });
      expect(await typing.waitFor((event) => event.userId === bob.id, 'bob typing')).toEqual({ userId: bob.id, isTyping: true });
    });

    it('typing renewed through another instance expires once, after the last renewal, and a false through another instance leaves no stray false', async () => {
      const room = (await createRoom(a, carol, [bob.id, alice.id])).room.id;
      const client = wsClient(c.wsUrl, { token: carol.token });
      const typing = collect<{ userId: string; isTyping: boolean }>(client, TYPING, { roomId: room });
      await waitUntilOnline(c, carol, room, carol.id);
      const set = (instance: InstanceProcess, user: TestUser, isTyping: boolean) =>
        expectData(instance.httpUrl, user.token, 'mutation($r: ID!, $t: Boolean!) { setTyping(roomId: $r, isTyping: $t) }', { r: room, t: isTyping });
      const of = (user: TestUser) => typing.events.filter((event) => event.userId === user.id).map((event) => event.isTyping);
      // alice's true through C, after bob's last change, starts a timer that ends after any of bob's:
      // her false is the sign that whatever bob's timers announce has arrived.
      const aliceExpired = (count: number) => until(() => of(alice).length === count, `alice's expiry number ${count / 2}, after bob's timers`);

      await set(a, bob, true);
      await new Promise((resolve) => setTimeout(resolve, 1000)); // the renewal comes when A's timer has two thirds left
      const renewedAt = Date.now();
      await set(b, bob, true);
      await set(c, alice, true);
      await typing.waitFor((event) => event.userId === bob.id && !event.isTyping, "bob's false");
      expect(Date.now() - renewedAt).toBeGreaterThanOrEqual(2900);
      await aliceExpired(2);
      expect(of(bob)).toEqual([true, true, false]);

      await set(a, bob, true);
      await set(b, bob, false);
      await set(c, alice, true);
      await aliceExpired(4);
      expect(of(bob).slice(3)).toEqual([true, false]);
    });

    it('an all-rooms feed on A follows a room created on B and gets its messages sent through C', async () => {
      const dave = await createUser('dave');
      const client = wsClient(a.wsUrl, { token: dave.token });
      const feed = collect<{ roomId: string; seq: number }>(client, MESSAGE_ADDED, {});
      // The feed is live once a probe in one of dave's rooms reaches it.
      const probeRoom = (await createRoom(b, dave, [carol.id])).room.id;
      let probes = 0;
      await repeatUntil(
        () => sendMessage(c, carol, probeRoom, `probe ${++probes}`),
        () => feed.events.some((event) => event.roomId === probeRoom),
        'the all-rooms feed to receive a probe',
        10_000,
      );
      const room = (await createRoom(b, bob, [dave.id, carol.id])).room.id;
      await Promise.all(range(1, 5).map((i) => sendMessage(c, carol, room, `new room ${i}`)));
      await feed.waitFor((event) => event.roomId === room && event.seq === 5, 'seq 5 of the new room');
      expect(seqs(feed.events.filter((event) => event.roomId === room))).toEqual(range(1, 5));
    });

    it('a user subscribed on A and on B is ONLINE once and OFFLINE only after both close; every instance agrees', async () => {
      const room = (await createRoom(a, alice, [bob.id, carol.id])).room.id;
      const watcher = wsClient(c.wsUrl, { token: carol.token });
      const presence = collect<{ userId: string; status: string }>(watcher, PRESENCE, { roomId: room });
      await waitUntilOnline(c, carol, room, carol.id);
      const onA = wsClient(a.wsUrl, { token: bob.token });
      const onB = wsClient(b.wsUrl, { token: bob.token });
      const subA = collect(onA, TYPING, { roomId: room });
      const subB = collect(onB, TYPING, { roomId: room });
      await presence.waitFor((event) => event.userId === bob.id && event.status === 'ONLINE', 'bob ONLINE');
      for (const instance of [a, b, c]) {
        await until(async () => (await onlineMemberIds(instance, carol, room)).includes(bob.id), `${instance.httpUrl} to count bob online`);
      }
      await subA.dispose();
      // A has run the closed subscription's cleanup once it counts it closed: any OFFLINE it made is out.
      await until(async () => (await openSubscriptions(a, 'typing')) === 0, "A to close bob's subscription");
      expect(await onlineMemberIds(b, carol, room)).toContain(bob.id);
      await subB.dispose();
      await presence.waitFor((event) => event.userId === bob.id && event.status === 'OFFLINE', 'bob OFFLINE');
      // A later presence change in the room: a second OFFLINE of bob's would have come before it.
      collect(wsClient(a.wsUrl, { token: alice.token }), TYPING, { roomId: room });
      await presence.waitFor((event) => event.userId === alice.id && event.status === 'ONLINE', 'alice ONLINE, after');
      const bobEvents = presence.events.filter((event) => event.userId === bob.id).map((event) => event.status);
      expect(bobEvents).toEqual(['ONLINE', 'OFFLINE']);
      for (const instance of [a, b, c]) expect(await onlineMemberIds(instance, carol, room)).not.toContain(bob.id);
    });
  });

  describeWithPostgres('when an instance goes away', () => {
    let survivor: InstanceProcess;
    let alice: TestUser;
    let bob: TestUser;

    beforeAll(async () => {
      survivor = await startInstance({ ...sharedEnv(), PRESENCE_EXPIRY_MS: '15000' });
    });
    // Each test its own pair, so that each has its own direct room.
    beforeEach(async () => {
      [alice, bob] = await Promise.all([createUser('alice'), createUser('bob')]);
    });

    it('killed with SIGKILL, its users go OFFLINE on the survivors within 30 seconds', async () => {
      const doomed = await startInstance({ ...sharedEnv(), PRESENCE_EXPIRY_MS: '15000' });
      const room = (await createRoom(survivor, alice, [bob.id])).room.id;
      const watcher = wsClient(survivor.wsUrl, { token: alice.token });
      const presence = collect<{ userId: string; status: string }>(watcher, PRESENCE, { roomId: room });
      // The watch is live (it counts alice present) before bob comes: his ONLINE cannot pass it by.
      await waitUntilOnline(survivor, alice, room, alice.id);
      const victim = wsClient(doomed.wsUrl, { token: bob.token, retryAttempts: 0 });
      collect(victim, TYPING, { roomId: room });
      await presence.waitFor((event) => event.userId === bob.id && event.status === 'ONLINE', 'bob ONLINE', 20_000);
      const killedAt = Date.now();
      doomed.kill('SIGKILL');
      await presence.waitFor((event) => event.userId === bob.id && event.status === 'OFFLINE', 'bob OFFLINE after SIGKILL', 30_000);
      const seconds = (Date.now() - killedAt) / 1000;
      console.info(`OFFLINE arrived ${seconds.toFixed(1)} s after SIGKILL (PRESENCE_EXPIRY_MS=15000)`);
      expect(seconds).toBeLessThan(30);
      expect(await onlineMemberIds(survivor, alice, room)).not.toContain(bob.id);
    });

    it('stopped with SIGTERM, it finishes in-flight sends, closes sockets with 1001, announces OFFLINE and exits 0 within 10 s', async () => {
      const leaving = await startInstance(sharedEnv());
      const room = (await createRoom(survivor, alice, [bob.id])).room.id;
      const watcher = wsClient(survivor.wsUrl, { token: alice.token });
      const presence = collect<{ userId: string; status: string }>(watcher, PRESENCE, { roomId: room });
      await waitUntilOnline(survivor, alice, room, alice.id);
      const closes: number[] = [];
      const onLeaving = wsClient(leaving.wsUrl, { token: bob.token, on: { closed: (event) => closes.push((event as { code: number }).code) } });
      collect(onLeaving, TYPING, { roomId: room });
      await presence.waitFor((event) => event.userId === bob.id && event.status === 'ONLINE', 'bob ONLINE', 20_000);
      const sends = range(1, 40).map((i) =>
        sendMessage(leaving, bob, room, `in flight ${i}`).then(
          (message) => message.seq,
          () => undefined,
        ),
      );
      // Stopped once the first send has been answered: the others are in flight or about to be.
      await Promise.race(sends);
      const stoppedAt = Date.now();
      leaving.kill('SIGTERM');
      const exit = await withTimeout(leaving.exited, 'the instance to exit', 10_000);
      expect(exit.code).toBe(0);
      expect(Date.now() - stoppedAt).toBeLessThan(10_000);
      console.info(`SIGTERM to exit 0: ${Date.now() - stoppedAt} ms`, leaving.output().split('\n').filter((l) => l.includes('stopped')).join('\n'));
      expect(closes).toContain(1001);
      await presence.waitFor((event) => event.userId === bob.id && event.status === 'OFFLINE', 'bob OFFLINE after SIGTERM');
      const answered = (await Promise.all(sends)).filter((seq): seq is number => seq !== undefined);
      expect(answered.length).toBeGreaterThan(0);
      const stored = await expectData(survivor.httpUrl, alice.token, 'query($r: ID!) { messages(roomId: $r, last: 100) { edges { node { seq } } } }', { r: room });
      const storedSeqs = stored.messages.edges.map((edge: { node: { seq: number } }) => edge.node.seq);
      expect(storedSeqs).toEqual(range(1, storedSeqs.length));
      for (const seq of answered) expect(storedSeqs).toContain(seq);
    });

    it('a client whose instance is killed reconnects to another and, resuming with afterSeq, loses nothing', async () => {
      const first = await startInstance(sharedEnv());
      const room = (await createRoom(survivor, alice, [bob.id])).room.id;
      const urls = [first.wsUrl, survivor.wsUrl];
      let attempt = 0;
      // The pattern the README teaches: keep the variables object and move afterSeq forward as
      // messages arrive; graphql-ws re-sends that same payload on every reconnect.
      const variables: { roomId: string; afterSeq: number } = { roomId: room, afterSeq: 0 };
      const received: number[] = [];
      const client = wsClient('', {
        url: () => urls[Math.min(attempt++, urls.length - 1)]!,
        token: alice.token,
        retryAttempts: 10,
        retryWait: () => new Promise((resolve) => setTimeout(resolve, 200)),
        shouldRetry: () => true,
      });
      client.subscribe<{ messageAdded: { seq: number } }>(
        { query: MESSAGE_ADDED, variables },
        {
          next: ({ data }) => {
            if (!data) return;
            received.push(data.messageAdded.seq);
            variables.afterSeq = data.messageAdded.seq;
          },
          error: () => undefined,
          complete: () => undefined,
        },
      );
      await waitUntilOnline(survivor, bob, room, alice.id);
      const sender = (async () => {
        for (let i = 1; i <= 60; i++) {
          await sendMessage(survivor, bob, room, `message ${i}`);
          if (i === 20) first.kill('SIGKILL');
        }
      })();
      await sender;
      await until(() => received.length >= 60, 'all 60 messages after the reconnect', 15_000);
      expect(received).toEqual(range(1, 60));
    });
  });
});
