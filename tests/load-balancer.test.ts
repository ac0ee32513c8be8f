// The compose topology without Docker: two instance processes behind a real load balancer on
// loopback, one PostgreSQL, one Redis; a chat over HTTP and WebSocket through the balancer.
import { jest } from '@jest/globals';
import { createRoom, sendMessage, waitUntilOnline } from './helpers/chat.ts';
import { databaseUrl, describeWithPostgres, describeWithRedis, redisUrl } from './helpers/env.ts';
import { haproxyAvailable, startHaproxy } from './helpers/haproxy.ts';
import { startInstance } from './helpers/process.ts';
import { createUser } from './helpers/tokens.ts';
import { range } from './helpers/waits.ts';
import { collect, wsClient } from './helpers/ws.ts';

jest.setTimeout(60_000);


const describeWithHaproxy = haproxyAvailable ? describe : (name: string) =>
  describe(`${name} [SKIPPED: install haproxy (apt-get install haproxy) to run]`, () => it.skip('needs haproxy', () => undefined));

describeWithRedis('behind a load balancer', () => {
  describeWithPostgres('two instances', () => {
    describeWithHaproxy('through HAProxy', () => {
      it('carries a whole chat: rooms and sends over HTTP spread over both instances, live delivery and typing over WebSocket', async () => {
        const env = { DATABASE_URL: databaseUrl!, REDIS_URL: redisUrl! };
        const instances = await Promise.all([startInstance(env), startInstance(env)]);
        const balancer = await startHaproxy(instances.map((instance) => instance.port));
        const lb = { httpUrl: balancer.httpUrl };
        const [alice, bob] = await Promise.all([createUser('alice'), createUser('bob')]);
        const room = (await createRoom(lb, alice, [bob.id])).room.id;
        const aliceSocket = wsClient(balancer.wsUrl, { token: alice.token });
        const bobSocket = wsClient(balancer.wsUrl, { token: bob.token });
        const feed = collect<{ seq: number; content: string }>(
          aliceSocket,
          'subscription($r: ID!) { messageAdded(roomId: $r) { seq content } }',
          { r: room },
        );
        const typing = collect<{ userId: string }>(bobSocket, 'subscription($r: ID!) { typing(roomId: $r) { userId isTyping } }', { r: room });
        await waitUntilOnline(lb, bob, room, alice.id);
        await waitUntilOnline(lb, alice, room, bob.id);
        // Round-robin spreads these 20 requests over both instances.
        for (const i of range(1, 20)) await sendMessage(lb, bob, room, `through the balancer ${i}`);
        await feed.waitForCount(20);
        expect(feed.events.map((event) => event.seq)).toEqual(range(1, 20));
        const setTyping = await fetch(balancer.httpUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${alice.token}` },
          body: JSON.stringify({ query: 'mutation($r: ID!) { setTyping(roomId: $r, isTyping: true) }', variables: { r: room } }),
        });
        expect(setTyping.status).toBe(200);
        await typing.waitFor((event) => event.userId === alice.id, 'alice typing through the balancer');
        await Promise.all([aliceSocket.dispose(), bobSocket.dispose()]);
      });
    });
  });
});
