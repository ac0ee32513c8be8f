// Overload: each system's CPU capped (cpu-quota.ts, applied by run.ts) so that the generator can offer
// more than it sustains; twice the sustained rate for a phase, then half of it for another, first in
// direct rooms, then in one group room. Second by second: offered, answered, refused, delivered and
// p99; in total: acknowledged, stored (counted in the system's tables afterwards), delivered,
// refused, peak RSS and the time to recover once the rate is normal again.
import type pg from 'pg';
import { connectFleet, warmUp } from '../fleet.ts';
import { seedRooms } from '../seed.ts';
import { directRooms, roomId, userId, type LoadSpec, type RoomSeed } from '../spec.ts';
import { runTimeline } from '../timeline.ts';
import { SCHEMAS, type Scenario } from './scenario.ts';

/** The timelines' `step` marks in message content (bench/clients/client.ts), apart from the warm-up's 0. */
const STEPS = { direct: 1, group: 2 } as const;

const rooms = (tag: string, plan: LoadSpec['plan']['overload']): Record<keyof typeof STEPS, RoomSeed[]> => ({
  direct: directRooms(tag, 'overload', plan.direct.rooms),
  group: [
    {
      id: roomId(tag, 'overload', plan.direct.rooms),
      kind: 'GROUP',
      members: Array.from({ length: plan.group.members }, (_, i) => userId(tag, 'overload', `g${i}`)),
    },
  ],
});

export const overload: Scenario = {
  describe: ({ overload: plan }) =>
    `CPU capped at ${plan.cpuPercent}% of a core; ${plan.direct.rooms} direct rooms at ${plan.direct.overRate}/s then ${plan.direct.normalRate}/s, ` +
    `then one room of ${plan.group.members} at ${plan.group.overRate}/s then ${plan.group.normalRate}/s, ${plan.phaseSeconds} s each`,
  cpuPercent: (plan) => plan.overload.cpuPercent,
  async seed(pool, tag, plan) {
    const seeds = rooms(tag, plan.overload);
    for (const schema of SCHEMAS) await seedRooms(pool, schema, [...seeds.direct, ...seeds.group]);
    return {};
  },
  async drive(spec, log) {
    const plan = spec.plan.overload;
    const seeds = rooms(spec.tag, plan);
    const figures: Record<string, unknown> = {};
    for (const kind of ['direct', 'group'] as const) {
      const fleet = await connectFleet(spec, seeds[kind]);
      await warmUp(fleet);
      const phases = [
        { rate: plan[kind].overRate, seconds: plan.phaseSeconds },
        { rate: plan[kind].normalRate, seconds: plan.phaseSeconds },
      ];
      const timeline = await runTimeline(fleet, STEPS[kind], phases, plan.drainSeconds, spec.serverPid);
      log(
        `${kind}: offered ${timeline.offered}, acknowledged ${timeline.acknowledged}, refused ${timeline.refused}, failed ${timeline.failed}, ` +
          `delivered ${timeline.deliveredPctOfAcknowledged}% of the acknowledged, peak RSS ${timeline.peakRssMiB} MiB, recovered after ${timeline.recoverSeconds} s`,
      );
      figures[kind] = { ...timeline, subscriptionFailures: fleet.subscriptionFailures() };
      await fleet.close();
    }
    return figures;
  },
  /** Messages stored by each timeline, in the system's own tables. */
  async verify(pool: pg.Pool, tag, system, plan) {
    const schema = system === 'service' ? SCHEMAS[0] : SCHEMAS[1];
    const seeds = rooms(tag, plan.overload);
    const stored: Record<string, number> = {};
    for (const kind of ['direct', 'group'] as const) {
      const { rows } = await pool.query<{ count: string }>(
        `select count(*) from ${schema}.messages where room_id = any($1::uuid[]) and split_part(content, '|', 3) = $2`,
        [seeds[kind].map((room) => room.id), String(STEPS[kind])],
      );
      stored[kind] = Number(rows[0]!.count);
    }
    return { stored };
  },
};
