// Faults an operator meets: Redis going away and coming back, the PostgreSQL connection lost and
// regained, and several instances migrating an empty database at once.
import { jest } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { migrationsList } from '../migrations/index.ts';
import { createRoom, sendMessage, waitUntilOnline } from './helpers/chat.ts';
import { disposeLater } from './helpers/disposal.ts';
import { databaseUrl, describeWithPostgres, describeWithRedis } from './helpers/env.ts';
import { expectData, graphqlHttp } from './helpers/http.ts';
import { startInstance, stopAllInstances } from './helpers/process.ts';
import { startOwnRedis } from './helpers/redis-server.ts';
import { startServer } from './helpers/server.ts';
import { startTcpProxy } from './helpers/tcp-proxy.ts';
import { createUser } from './helpers/tokens.ts';
import { range, repeatUntil, until } from './helpers/waits.ts';
import { collect, wsClient } from './helpers/ws.ts';

jest.setTimeout(90_000);

const MESSAGE_ADDED = 'subscription($roomId: ID, $afterSeq: Int) { messageAdded(roomId: $roomId, afterSeq: $afterSeq) { seq } }';

/** Room events this instance's listeners have received from pub-sub (chat_pubsub_received_total). */
async function eventsReceived(server: { httpUrl: string }): Promise<number> {
  const text = await (await fetch(server.httpUrl.replace('/graphql', '/metrics'))).text();
  return Number(/^chat_pubsub_received_total\{topic="events"\} (\d+)$/m.exec(text)?.[1] ?? 0);
}

async function health(httpUrl: string) {
  const response = await fetch(httpUrl.replace('/graphql', '/health'));
  return { status: response.status, body: (await response.json()) as { checks: Record<string, string> } };
}


describeWithRedis('a Redis outage', () => {
  it("an instance's own subscribers get its events at once, through Redis's outage too, and once: the echo from Redis is dropped", async () => {
    const own = await startOwnRedis();
    try {
      const server = await startServer({ REDIS_URL: own.url });
      const [alice, bob] = await Promise.all([createUser('alice'), createUser('bob')]);
      const room = (await createRoom(server, alice, [bob.id])).room.id;
      const client = wsClient(server.wsUrl, { token: alice.token });
      const live = collect<{ seq: number }>(client, MESSAGE_ADDED, { roomId: room });
      await waitUntilOnline(server, bob, room, alice.id);
      const receivedBefore = await eventsReceived(server);
      for (const i of range(1, 5)) await sendMessage(server, bob, room, `sent ${i}`);
      await live.waitForCount(5);
      // One event per send reached this instance's listeners: its own, not its own again from Redis.
      await sendMessage(server, bob, room, 'sent 6');
      await live.waitForCount(6);
      expect((await eventsReceived(server)) - receivedBefore).toBe(6);

      await own.stop();
      await until(async () => (await health(server.httpUrl)).status === 503, 'the instance to notice the outage');
      const during = (await sendMessage(server, bob, room, 'during')).seq;
      // Delivered while Redis is still away: no catch-up needed on the instance that stored it.
      await live.waitFor((event) => event.seq === during, 'the message sent during the outage, before Redis returns');
      expect(live.events.map((event) => event.seq)).toEqual(range(1, during));
      await client.dispose();
    } finally {
      await own.stop();
    }
  });

  describeWithPostgres('with two instances', () => {
    it('loses no message: sends still store and answer, live delivery resumes, and a resumed subscription gets the outage exactly once', async () => {
      const redis = await startOwnRedis();
      const env = { DATABASE_URL: databaseUrl!, REDIS_URL: redis.url };
      const [a, b] = await Promise.all([startInstance(env), startInstance(env)]);
      const [alice, bob] = await Promise.all([createUser('alice'), createUser('bob')]);
      const room = (await createRoom(a, alice, [bob.id])).room.id;
      const client = wsClient(a.wsUrl, { token: alice.token });
      const live = collect<{ seq: number }>(client, MESSAGE_ADDED, { roomId: room });
      await waitUntilOnline(b, bob, room, alice.id);
      for (const i of range(1, 5)) await sendMessage(b, bob, room, `before ${i}`);
      await live.waitForCount(5);

      await redis.stop();
      const during = [];
      for (const i of range(1, 20)) during.push(await sendMessage(b, bob, room, `during ${i}`));
      expect(during.map((message) => message.seq)).toEqual(range(6, 25));
      const down = await health(b.httpUrl);
      expect(down.status).toBe(503);
      expect(down.body.checks).toMatchObject({ database: 'up', redis: 'down' });

      await redis.start();
      await until(async () => (await health(a.httpUrl)).status === 200 && (await health(b.httpUrl)).status === 200, 'both instances healthy again', 15_000);
      // Live delivery resumes by itself: the next messages arrive, and the subscriber's gap is filled from storage.
      await repeatUntil(() => sendMessage(b, bob, room, 'after'), () => live.events.length > 25, 'live delivery after Redis returned', 15_000);
      const received = live.events.map((event) => event.seq);
      expect(received).toEqual(range(1, received.length));

      const resumer = wsClient(a.wsUrl, { token: alice.token });
      const resumed = collect<{ seq: number }>(resumer, MESSAGE_ADDED, { roomId: room, afterSeq: 5 });
      const replay = await resumed.waitForCount(20);
      expect(replay.map((event) => event.seq)).toEqual(range(6, 25));
      console.info(`Redis outage: ${during.length} messages sent during it; the resumed subscription got ${replay.length} of them, ${new Set(replay.map((e) => e.seq)).size} distinct`);
      await Promise.all([client.dispose(), resumer.dispose()]);
    });

    it('a quiet room gets what was sent through another instance during the outage once Redis returns, with no further send, in order and once', async () => {
      const own = await startOwnRedis();
      try {
        const env = { DATABASE_URL: databaseUrl!, REDIS_URL: own.url };
        const [a, b] = await Promise.all([startInstance(env), startInstance(env)]);
        const [alice, bob] = await Promise.all([createUser('alice'), createUser('bob')]);
        const room = (await createRoom(a, alice, [bob.id])).room.id;
        const client = wsClient(a.wsUrl, { token: alice.token });
        const inRoom = collect<{ seq: number }>(client, MESSAGE_ADDED, { roomId: room });
        const allRooms = collect<{ seq: number }>(client, MESSAGE_ADDED, {});
        const has = (feed: { events: { seq: number }[] }, seq: number) => feed.events.some((event) => event.seq === seq);
        // Both feeds live: the room feed once alice counts as online, the all-rooms feed once a probe arrives.
        await waitUntilOnline(b, bob, room, alice.id);
        let last = 0;
        await until(async () => ((last = (await sendMessage(b, bob, room, 'probe')).seq), allRooms.events.length > 0), 'the all-rooms feed live');
        await Promise.all([inRoom.waitFor((event) => event.seq === last, 'the last probe'), allRooms.waitFor((event) => event.seq === last, 'the last probe')]);

        await own.stop();
        await until(async () => (await health(a.httpUrl)).status === 503, 'instance A to notice the outage');
        for (const i of range(1, 3)) last = (await sendMessage(b, bob, room, `during ${i}`)).seq;
        await own.start();
        const restarted = Date.now();
        await Promise.all([inRoom.waitFor((event) => event.seq === last, 'the outage caught up', 10_000), allRooms.waitFor((event) => event.seq === last, 'the outage caught up', 10_000)]);
        console.info(`Redis outage catch-up: a quiet room's subscribers on the other instance got the outage's messages ${Date.now() - restarted} ms after Redis answered again`);
        expect([has(inRoom, last - 2), has(allRooms, last - 2)]).toEqual([true, true]);
        await until(async () => (await health(a.httpUrl)).status === 200, 'instance A healthy again');
        // Whatever the catch-up and a later event may both carry comes once.
        last = (await sendMessage(b, bob, room, 'after')).seq;
        await Promise.all([inRoom.waitFor((event) => event.seq === last, 'the message after'), allRooms.waitFor((event) => event.seq === last, 'the message after')]);
        expect(inRoom.events.map((event) => event.seq)).toEqual(range(1, last));
        const allSeqs = allRooms.events.map((event) => event.seq);
        expect(allSeqs).toEqual(range(allSeqs[0]!, last));
        await client.dispose();
      } finally {
        await own.stop();
      }
    });

    it('200 rooms followed on one instance all catch up after an outage, each message once', async () => {
      const own = await startOwnRedis();
      try {
        const rooms = 200;
        const env = { DATABASE_URL: databaseUrl!, REDIS_URL: own.url, RATE_CREATE_ROOM_BURST: '1000', RATE_SEND_MESSAGE_BURST: '1000' };
        const [a, b] = await Promise.all([startInstance(env), startInstance(env)]);
        const [alice, bob, carol] = await Promise.all([createUser('alice'), createUser('bob'), createUser('carol')]);
        const roomIds: string[] = [];
        for (const i of range(1, rooms)) roomIds.push((await createRoom(a, alice, [bob.id, carol.id], `room ${i}`)).room.id);
        // Every room followed twice on A: by one all-rooms feed and by a feed of its own (100 to a socket).
        const sockets = range(1, 3).map(() => wsClient(a.wsUrl, { token: alice.token }));
        const allRooms = collect<{ roomId: string; seq: number }>(sockets[2]!, 'subscription { messageAdded { roomId seq } }');
        const perRoom = roomIds.map((roomId, i) =>
          collect<{ seq: number }>(sockets[i % 2]!, MESSAGE_ADDED, { roomId }),
        );
        // The all-rooms feed delivers whatever is sent once it has read its rooms' positions: once a probe arrives.
        await until(async () => (await sendMessage(b, bob, roomIds[0]!, 'probe'), allRooms.events.length > 0), 'the all-rooms feed live');
        // So does each room's own feed once it is set up (200 of them, slower under load): a probe to each room
        // whose feed has had nothing yet, again until every one has had one.
        const notYetLive = () => roomIds.filter((_, i) => perRoom[i]!.events.length === 0);
        await repeatUntil(
          () => Promise.all(notYetLive().map((roomId) => sendMessage(b, bob, roomId, 'probe'))),
          () => notYetLive().length === 0,
          "every room's own feed live",
          20_000,
          500,
        );
        const inRoom = (roomId: string) => allRooms.events.filter((event) => event.roomId === roomId).map((event) => event.seq);
        const last = new Map<string, number>();
        for (const roomId of roomIds) last.set(roomId, (await sendMessage(b, bob, roomId, 'before')).seq);
        await Promise.all(perRoom.map((feed, i) => feed.waitFor((event) => event.seq === last.get(roomIds[i]!), 'the message before', 20_000)));
        await allRooms.waitFor(() => roomIds.every((roomId) => inRoom(roomId).includes(last.get(roomId)!)), 'every room live', 20_000);

        await own.stop();
        for (const roomId of roomIds) last.set(roomId, (await sendMessage(b, bob, roomId, 'during')).seq);
        await own.start();
        const restarted = Date.now();
        await Promise.all(perRoom.map((feed, i) => feed.waitFor((event) => event.seq === last.get(roomIds[i]!), 'the message sent during the outage', 20_000)));
        await allRooms.waitFor(() => roomIds.every((roomId) => inRoom(roomId).includes(last.get(roomId)!)), 'every room caught up', 20_000);
        console.info(`Redis outage catch-up: ${rooms} rooms, each followed by two feeds on one instance, caught up ${Date.now() - restarted} ms after Redis answered again`);
        // In order, each once: every feed's seqs run one by one up to the last sent.
        const consecutive = (seqs: number[]) => range(seqs[0]!, seqs[0]! + seqs.length - 1);
        perRoom.forEach((feed, i) => {
          const seqs = feed.events.map((event) => event.seq);
          expect([seqs, seqs.at(-1)]).toEqual([consecutive(seqs), last.get(roomIds[i]!)]);
        });
        for (const roomId of roomIds) expect([inRoom(roomId), inRoom(roomId).at(-1)]).toEqual([consecutive(inRoom(roomId)), last.get(roomId)]);
        await Promise.all(sockets.map((socket) => socket.dispose()));
      } finally {
        await own.stop();
      }
    });
  });
});

describeWithPostgres('a lost PostgreSQL connection', () => {
  it('fails requests with a clear error while it is gone and serves again without a restart', async () => {
    const target = new URL(databaseUrl!);
    const proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
    const viaProxy = new URL(databaseUrl!);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    const server = await startServer({ DATABASE_URL: viaProxy.toString() });
    const [alice, bob] = await Promise.all([createUser('alice'), createUser('bob')]);
    const room = (await createRoom(server, alice, [bob.id])).room.id;
    await sendMessage(server, alice, room, 'before');

    proxy.cut();
    const failed = await graphqlHttp(server.httpUrl, alice.token, 'mutation($r: ID!) { sendMessage(roomId: $r, content: "during") { seq } }', { r: room });
    expect(failed.errors?.[0]?.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
    expect(failed.errors?.[0]?.message).toMatch(/database/i);
    expect((await health(server.httpUrl)).status).toBe(503);

    proxy.restore();
    await until(async () => (await health(server.httpUrl)).status === 200, 'health to recover', 15_000);
    const after = await sendMessage(server, alice, room, 'after');
    expect(after.seq).toBe(2);
    await server.stop();
    await proxy.close();
  });
});

describeWithPostgres('migrations with several instances', () => {
  it('three instances started together against an empty database all come up, and the schema is made once', async () => {
    const name = `chat_migrate_${randomUUID().slice(0, 8)}`;
    const admin = new Client({ connectionString: databaseUrl });
    await admin.connect();
    await admin.query(`create database ${name}`);
    try {
      const url = new URL(databaseUrl!);
      url.pathname = `/${name}`;
      const instances = await Promise.all(range(1, 3).map(() => startInstance({ DATABASE_URL: url.toString() })));
      for (const instance of instances) expect((await health(instance.httpUrl)).status).toBe(200);
      const alice = await createUser('alice');
      const me = await expectData(instances[2]!.httpUrl, alice.token, '{ me { id } }');
      expect(me.me.id).toBe(alice.id);
      const check = new Client({ connectionString: url.toString() });
      const endCheck = disposeLater('a PostgreSQL client', () => check.end());
      await check.connect();
      const applied = await check.query('select count(*)::int as count from mikro_orm_migrations');
      await endCheck();
      expect(applied.rows[0].count).toBe(migrationsList.length);
      await stopAllInstances();
    } finally {
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    }
  });
});
