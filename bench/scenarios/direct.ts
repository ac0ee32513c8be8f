// Direct rooms: every room's two members subscribed, offered message rates rising step by step.
// The mixed scenario runs the same rooms and ladder with another writer (directRoomsLadder), and the
// instructions scenario a low rate with each system under callgrind, counting each step's instructions.
import { countInstructions } from '../callgrind.ts';
import { connectFleet, warmUp, type Fleet } from '../fleet.ts';
import { runLadder, type Write } from '../open-loop.ts';
import { seedRooms } from '../seed.ts';
import { directRooms } from '../spec.ts';
import { SCHEMAS, type Scenario } from './scenario.ts';

/** A ladder over direct rooms whose plan is `plan[name]`; `writer` decides each write (sends by default). */
export function directRoomsLadder(name: 'direct' | 'mixed' | 'instructions', what: string, writer?: (fleet: Fleet) => Write): Scenario {
  return {
    describe: (plan) =>
      `${plan[name].rooms} direct rooms, both members subscribed (${plan[name].rooms * 2} sockets)${what}, ${plan[name].stepSeconds} s per offered rate`,
    async seed(pool, tag, plan) {
      for (const schema of SCHEMAS) await seedRooms(pool, schema, directRooms(tag, name, plan[name].rooms));
      return {};
    },
    inTurns: true,
    async drive(spec, log, takeTurn) {
      const plan = spec.plan[name];
      const started = performance.now();
      const fleet = await connectFleet(spec, directRooms(spec.tag, name, plan.rooms));
      const connectMs = Math.round(performance.now() - started);
      const warm = await warmUp(fleet);
      log(`${fleet.members.length} sockets connected in ${connectMs} ms, subscriptions live after ${warm.ms} ms`);
      const count = spec.underCallgrind ? () => countInstructions(spec.serverPid) : undefined;
      const ladder = await runLadder(fleet, plan, spec.serverPid, log, takeTurn, writer?.(fleet), count);
      const subscriptionFailures = fleet.subscriptionFailures();
      await fleet.close();
      return { sockets: fleet.members.length, connectMs, warmUpMs: warm.ms, subscriptionFailures, ...ladder };
    },
  };
}

export const direct = directRoomsLadder('direct', '');

export const instructions: Scenario = {
  ...directRoomsLadder('instructions', ', each system under callgrind (the first step warms up)'),
  underCallgrind: true,
};
