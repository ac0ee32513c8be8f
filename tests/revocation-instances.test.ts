// Revocation across instances (PostgreSQL + Redis): a member subscribed on instance A and removed
// through instance B gets the contract's ending within one second, and nothing committed after it.
import { createRoom, MESSAGE_FIELDS, sendMessage, waitUntilOnline } from './helpers/chat.ts';
import { describeWithPostgres, describeWithRedis } from './helpers/env.ts';
import { dataOf, endingOf, mutate, ROOM_EVENTS, watch, type RoomEvent } from './helpers/room-events.ts';
import { startServer, type TestServer } from './helpers/server.ts';
import { createUser } from './helpers/tokens.ts';
import { wsClient } from './helpers/ws.ts';

const MESSAGE_ADDED = `subscription($roomId: ID) { messageAdded(roomId: $roomId) { ${MESSAGE_FIELDS} } }`;
const TYPING = 'subscription($roomId: ID!) { typing(roomId: $roomId) { userId isTyping } }';

describeWithRedis('revocation across instances', () => {
  describeWithPostgres('on one PostgreSQL and one Redis', () => {
    let a: TestServer;
    let b: TestServer;

    beforeAll(async () => {
      [a, b] = await Promise.all([startServer(), startServer()]);
    });

    it('a member on A removed through B gets the MembershipChanged, FORBIDDEN and complete within a second, and nothing sent after', async () => {
      const [alice, bob, carol] = await Promise.all([createUser('alice'), createUser('bob'), createUser('carol')]);
      const roomId = (await createRoom(b, alice, [bob.id, carol.id], 'two instances')).room.id;
      const client = wsClient(a.wsUrl, { token: bob.token });
      const events = watch(client, ROOM_EVENTS, { roomId });
      const messages = watch(client, MESSAGE_ADDED, { roomId });
      const typing = watch(client, TYPING, { roomId });
      // Typing and messageAdded count bob present, on A; B sees it through Redis once both are live.
      await waitUntilOnline(b, alice, roomId, bob.id);
      await sendMessage(b, carol, roomId, 'before');
      await events.results.waitFor((result) => result.data?.roomEvents?.message?.content === 'before', 'the message before');

      await mutate(b, alice, 'remove', { roomId, userId: bob.id });
      // Each wait expires one second after the removal answered: the contract's bound.
      const deadline = Date.now() + 1000;
      await sendMessage(b, carol, roomId, 'right after the removal');
      for (const [what, each] of [['roomEvents', events], ['messageAdded', messages], ['typing', typing]] as const) {
        await each.completed(`${what} to complete`, Math.max(1, deadline - Date.now()));
        expect(endingOf(each)).toMatchObject({ codes: ['FORBIDDEN'], withData: false });
      }
      const delivered = dataOf(events, 'roomEvents') as RoomEvent[];
      expect(delivered.at(-1)).toMatchObject({ __typename: 'MembershipChanged', user: { id: bob.id }, change: 'REMOVED' });
      expect(JSON.stringify(events.results.events) + JSON.stringify(messages.results.events)).not.toContain('right after the removal');
    });
  });
});
