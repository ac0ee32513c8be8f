// One group room whose members are all subscribed: every message fans out to all of them.
import { connectFleet, warmUp } from '../fleet.ts';
import { runLadder } from '../open-loop.ts';
import { seedRooms } from '../seed.ts';
import { roomId, userId, type RoomSeed } from '../spec.ts';
import { SCHEMAS, type Scenario } from './scenario.ts';

const groupRoom = (tag: string, members: number): RoomSeed => ({
  id: roomId(tag, 'group', 0),
  kind: 'GROUP',
  members: Array.from({ length: members }, (_, i) => userId(tag, 'group', i)),
});

export const group: Scenario = {
  describe: ({ group: plan }) => `one group room, ${plan.members} members subscribed, senders in turn, ${plan.stepSeconds} s per offered rate`,
  async seed(pool, tag, plan) {
    for (const schema of SCHEMAS) await seedRooms(pool, schema, [groupRoom(tag, plan.group.members)]);
    return {};
  },
  inTurns: true,
  async drive(spec, log, takeTurn) {
    const plan = spec.plan.group;
    const started = performance.now();
    const fleet = await connectFleet(spec, [groupRoom(spec.tag, plan.members)]);
    const connectMs = Math.round(performance.now() - started);
    const warm = await warmUp(fleet);
    log(`${fleet.members.length} sockets connected in ${connectMs} ms, subscriptions live after ${warm.ms} ms`);
    const ladder = await runLadder(fleet, plan, spec.serverPid, log, takeTurn);
    const subscriptionFailures = fleet.subscriptionFailures();
    await fleet.close();
    return { sockets: fleet.members.length, connectMs, warmUpMs: warm.ms, subscriptionFailures, ...ladder };
  },
};
