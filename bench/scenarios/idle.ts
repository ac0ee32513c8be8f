// Many sockets at rest, one subscription each: what a socket costs the server in memory, and what
// keeping them costs in CPU when nothing is sent.
import { connectFleet, sleep, warmUp } from '../fleet.ts';
import { cpuWindow, rssBytes } from '../proc-stats.ts';
import { seedRooms } from '../seed.ts';
import { directRooms } from '../spec.ts';
import { SCHEMAS, type Scenario } from './scenario.ts';

const MiB = 1024 * 1024;

export const idle: Scenario = {
  describe: ({ idle: plan }) =>
    `${plan.sockets} sockets (${plan.sockets / 2} direct rooms, both members subscribed), ${plan.restSeconds} s at rest`,
  async seed(pool, tag, plan) {
    for (const schema of SCHEMAS) await seedRooms(pool, schema, directRooms(tag, 'idle', plan.idle.sockets / 2));
    return {};
  },
  async drive(spec, log) {
    const plan = spec.plan.idle;
    const pid = spec.serverPid;
    const rssBefore = rssBytes(pid);
    const started = performance.now();
    const fleet = await connectFleet(spec, directRooms(spec.tag, 'idle', plan.sockets / 2));
    const warm = await warmUp(fleet);
    const readyMs = Math.round(performance.now() - started);
    log(`${fleet.members.length} sockets connected and subscribed in ${readyMs} ms`);
    await sleep(plan.settleSeconds * 1000);
    const atRest = cpuWindow(pid);
    await sleep(plan.restSeconds * 1000);
    const cpu = atRest();
    const rssAfter = rssBytes(pid);
    const subscriptionFailures = fleet.subscriptionFailures();
    await fleet.close();
    return {
      sockets: fleet.members.length,
      connectAndSubscribeMs: readyMs,
      socketsPerSecond: Math.round(fleet.members.length / (readyMs / 1000)),
      warmUpRounds: warm.rounds,
      rssBeforeMiB: Math.round((rssBefore / MiB) * 10) / 10,
      rssAfterMiB: Math.round((rssAfter / MiB) * 10) / 10,
      kibPerSocket: Math.round(((rssAfter - rssBefore) / fleet.members.length / 1024) * 10) / 10,
      restCpuPct: cpu.serverCpuPct,
      machineBusyPct: cpu.machineBusyPct,
      subscriptionFailures,
    };
  },
};
