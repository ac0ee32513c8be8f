// Direct rooms: every room's two members subscribed, offered message rates rising step by step.
import { connectFleet, warmUp } from '../fleet.ts';
import { runLadder } from '../open-loop.ts';
import { seedRooms } from '../seed.ts';
import { directRooms } from '../spec.ts';
import { SCHEMAS, type Scenario } from './scenario.ts';

export const direct: Scenario = {
  describe: ({ direct: plan }) =>
    `${plan.rooms} direct rooms, both members subscribed (${plan.rooms * 2} sockets), ${plan.stepSeconds} s per offered rate`,
  async seed(pool, tag, plan) {
    for (const schema of SCHEMAS) await seedRooms(pool, schema, directRooms(tag, 'direct', plan.direct.rooms));
    return {};
  },
  inTurns: true,
  async drive(spec, log, takeTurn) {
    const plan = spec.plan.direct;
    const started = performance.now();
    const fleet = await connectFleet(spec, directRooms(spec.tag, 'direct', plan.rooms));
    const connectMs = Math.round(performance.now() - started);
    const warm = await warmUp(fleet);
    log(`${fleet.members.length} sockets connected in ${connectMs} ms, subscriptions live after ${warm.ms} ms`);
    const ladder = await runLadder(fleet, plan, spec.serverPid, log, takeTurn);
    const subscriptionFailures = fleet.subscriptionFailures();
    await fleet.close();
    return { sockets: fleet.members.length, connectMs, warmUpMs: warm.ms, subscriptionFailures, ...ladder };
  },
};
