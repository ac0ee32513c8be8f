// The sizes of a full run (the figures) and of --quick (seconds, to prove the bench works in CI).
import type { Plan } from './spec.ts';

/**
 * Messages a second the service sustains at a quarter of a core, as measured (README, Overload): in
 * direct rooms it answered 1200/s as offered; one room of 500 subscribers delivered 100 to 130/s.
 */
const OVERLOAD_SUSTAINED = { direct: 1200, group: 100 };

export function planFor(quick: boolean, idleSockets?: number): Plan {
  if (quick) {
    return {
      quick,
      freshServerPerScenario: false,
      direct: { rooms: 10, rates: [100, 400], stepSeconds: 1.5, drainSeconds: 1, pauseSeconds: 0.2 },
      group: { members: 50, rates: [5, 20], stepSeconds: 1.5, drainSeconds: 1, pauseSeconds: 0.2 },
      mixed: { rooms: 10, rates: [100, 400], stepSeconds: 1.5, drainSeconds: 1, pauseSeconds: 0.2 },
      idle: { sockets: idleSockets ?? 200, settleSeconds: 0.5, restSeconds: 1 },
      history: { rooms: 10, perRoom: 1_000, seconds: 1.5, warmSeconds: 0.5, concurrency: 2, pageSize: 50 },
      overload: {
        cpuPercent: 25,
        phaseSeconds: 2,
        drainSeconds: 2,
        direct: { rooms: 10, overRate: 100, normalRate: 25 },
        group: { members: 20, overRate: 10, normalRate: 5 },
      },
      roomList: { rooms: 100, perRoom: 200, unreadPerRoom: 100, seconds: 1.5, warmSeconds: 0.5, concurrency: 2 },
      instructions: { rooms: 10, rates: [10, 10], warmUpSteps: 1, stepSeconds: 5, drainSeconds: 5, pauseSeconds: 0.2 },
      instructionsGroup: { members: 20, rates: [2, 2], warmUpSteps: 1, stepSeconds: 5, drainSeconds: 5, pauseSeconds: 0.2 },
    };
  }
  return {
    quick,
    freshServerPerScenario: true,
    direct: { rooms: 100, rates: [250, 500, 1000, 2000, 4000], stepSeconds: 10, drainSeconds: 5, pauseSeconds: 2 },
    group: { members: 1000, rates: [10, 25, 50, 100, 200], stepSeconds: 10, drainSeconds: 5, pauseSeconds: 2 },
    mixed: { rooms: 100, rates: [250, 500, 1000, 2000, 4000], stepSeconds: 10, drainSeconds: 5, pauseSeconds: 2 },
    idle: { sockets: idleSockets ?? 10_000, settleSeconds: 5, restSeconds: 10 },
    history: { rooms: 1000, perRoom: 1000, seconds: 10, warmSeconds: 2, concurrency: 4, pageSize: 50 },
    // At a quarter of a core the service sustains about OVERLOAD_SUSTAINED of each (README, Overload):
    // twice that for 30 s, then half of it for 30 s.
    overload: {
      cpuPercent: 25,
      phaseSeconds: 30,
      drainSeconds: 10,
      direct: { rooms: 100, overRate: 2 * OVERLOAD_SUSTAINED.direct, normalRate: OVERLOAD_SUSTAINED.direct / 2 },
      group: { members: 500, overRate: 2 * OVERLOAD_SUSTAINED.group, normalRate: OVERLOAD_SUSTAINED.group / 2 },
    },
    roomList: { rooms: 100, perRoom: 10_000, unreadPerRoom: 5_000, seconds: 10, warmSeconds: 2, concurrency: 1 },
    // Under callgrind a send takes the service about 15 ms of CPU: at 40/s most sends are alone in their batch.
    instructions: { rooms: 10, rates: [40, 40, 40, 40], warmUpSteps: 1, stepSeconds: 45, drainSeconds: 10, pauseSeconds: 1 },
    // A delivery takes the service about 0.5 ms of CPU under callgrind. At 4 messages a second a send's
    // code runs too seldom to be compiled in one step (each counted step came 10 to 20% under the one
    // before): two steps at twice the rate warm it up.
    instructionsGroup: { members: 100, rates: [8, 8, 4, 4, 4], warmUpSteps: 2, stepSeconds: 45, drainSeconds: 10, pauseSeconds: 1 },
  };
}
