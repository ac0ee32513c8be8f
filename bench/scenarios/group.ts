// One group room whose members are all subscribed: every message fans out to all of them. The
// instructions-group scenario runs a smaller room at a low rate with each system under callgrind,
// counting each step's instructions.
import { countInstructions } from '../callgrind.ts';
import { connectFleet, warmUp } from '../fleet.ts';
import { runLadder } from '../open-loop.ts';
import { seedRooms } from '../seed.ts';
import { roomId, userId, type GroupPlan, type Plan, type RoomSeed } from '../spec.ts';
import { SCHEMAS, type Scenario } from './scenario.ts';

type GroupScenarioName = 'group' | 'instructions-group';

const groupRoom = (tag: string, name: GroupScenarioName, members: number): RoomSeed => ({
  id: roomId(tag, name, 0),
  kind: 'GROUP',
  members: Array.from({ length: members }, (_, i) => userId(tag, name, i)),
});

/** A ladder over one group room whose plan is `planOf(plan)`. */
function groupRoomLadder(name: GroupScenarioName, planOf: (plan: Plan) => GroupPlan, what: string): Scenario {
  return {
    describe: (plan) => `one group room, ${planOf(plan).members} members subscribed, senders in turn${what}, ${planOf(plan).stepSeconds} s per offered rate`,
    async seed(pool, tag, plan) {
      for (const schema of SCHEMAS) await seedRooms(pool, schema, [groupRoom(tag, name, planOf(plan).members)]);
      return {};
    },
    inTurns: true,
    async drive(spec, log, takeTurn) {
      const plan = planOf(spec.plan);
      const started = performance.now();
      const fleet = await connectFleet(spec, [groupRoom(spec.tag, name, plan.members)]);
      const connectMs = Math.round(performance.now() - started);
      const warm = await warmUp(fleet);
      log(`${fleet.members.length} sockets connected in ${connectMs} ms, subscriptions live after ${warm.ms} ms`);
      const count = spec.underCallgrind ? () => countInstructions(spec.serverPid) : undefined;
      const ladder = await runLadder(fleet, plan, spec.serverPid, log, takeTurn, undefined, count);
      const subscriptionFailures = fleet.subscriptionFailures();
      await fleet.close();
      return { sockets: fleet.members.length, connectMs, warmUpMs: warm.ms, subscriptionFailures, ...ladder };
    },
  };
}

export const group = groupRoomLadder('group', (plan) => plan.group, '');

export const instructionsGroup: Scenario = {
  ...groupRoomLadder('instructions-group', (plan) => plan.instructionsGroup, ', each system under callgrind (the first steps warm up)'),
  underCallgrind: true,
};
