// Open-loop load in phases (an offered rate held for a while, then another), recorded second by
// second: what was offered, answered, refused, delivered, and the p99 of the deliveries received in
// each second. What the overload scenario runs and charts. Refused sends are not retried here: the
// figures are what the system did with what it was offered.
import { benchContent } from './clients/client.ts';
import type { Fleet } from './fleet.ts';
import { sleep } from './fleet.ts';
import { Samples } from './latency.ts';
import { rssBytes } from './proc-stats.ts';

export interface Phase {
  rate: number;
  seconds: number;
}

export interface Second {
  offered: number;
  /** Sends acknowledged (stored), answered in this second. */
  answered: number;
  /** Sends refused with RATE_LIMITED, answered in this second. */
  refused: number;
  /** Any other failure, answered in this second. */
  failed: number;
  /** Deliveries received in this second, divided by the subscribers of a room: messages' worth. */
  delivered: number;
  p99Ms: number | null;
}

export interface Timeline {
  phases: Phase[];
  seconds: Second[];
  offered: number;
  acknowledged: number;
  refused: number;
  failed: number;
  unanswered: number;
  /** Deliveries expected for the acknowledged sends (each to every subscriber of its room) and received. */
  expectedDeliveries: number;
  delivered: number;
  deliveredPctOfAcknowledged: number;
  refusalKinds: Record<string, number>;
  peakRssMiB: number;
  /**
   * Seconds from the start of the last phase until every later second had p99 under 250 ms and no
   * refusal; null when that never came.
   */
  recoverSeconds: number | null;
}

const TICK_MS = 2;
const RSS_EVERY_MS = 250;
const RECOVERED_P99_MS = 250;

/** `step` marks this timeline's messages (benchContent), apart from the warm-up's (0) and other timelines'. */
export async function runTimeline(fleet: Fleet, step: number, phases: Phase[], drainSeconds: number, serverPid: number): Promise<Timeline> {
  const totalSeconds = phases.reduce((sum, phase) => sum + phase.seconds, 0);
  const seconds: (Omit<Second, 'p99Ms'> & { samples: Samples })[] = Array.from({ length: Math.ceil(totalSeconds + drainSeconds) }, () => ({
    offered: 0, answered: 0, refused: 0, failed: 0, delivered: 0, samples: new Samples(),
  }));
  const perRoom = fleet.byRoom[0]!.length;
  const started = performance.now();
  const secondNow = () => seconds[Math.min(seconds.length - 1, Math.floor((performance.now() - started) / 1000))]!;
  let deliveries = 0;
  fleet.onDelivery = (_member, sentAt, stepOf) => {
    if (stepOf !== step) return;
    const now = performance.now();
    const second = secondNow();
    second.delivered += 1 / perRoom;
    second.samples.add(now - sentAt);
    deliveries++;
  };
  let peakRss = rssBytes(serverPid);
  const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, rssBytes(serverPid))), RSS_EVERY_MS);
  const refusalKinds: Record<string, number> = {};
  let sent = 0;
  let acknowledged = 0;
  let refused = 0;
  let failed = 0;
  let expected = 0;
  for (const phase of phases) {
    const phaseStart = performance.now();
    const total = Math.round(phase.rate * phase.seconds);
    let phaseSent = 0;
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        const due = Math.min(total, Math.floor(((performance.now() - phaseStart) / 1000) * phase.rate));
        while (phaseSent < due) {
          phaseSent++;
          const serial = sent++;
          const room = serial % fleet.rooms.length;
          const members = fleet.byRoom[room]!;
          const sender = members[Math.floor(serial / fleet.rooms.length) % members.length]!;
          secondNow().offered++;
          void sender.client.send(fleet.rooms[room]!.id, benchContent(step, serial), `t-${step}-${serial}`).then((outcome) => {
            const second = secondNow();
            if (outcome.ok) {
              acknowledged++;
              expected += members.length;
              second.answered++;
            } else if (outcome.error.includes('RATE_LIMITED')) {
              refused++;
              second.refused++;
            } else {
              failed++;
              second.failed++;
              refusalKinds[outcome.error] = (refusalKinds[outcome.error] ?? 0) + 1;
            }
          });
        }
        if (phaseSent >= total) {
          clearInterval(timer);
          resolve();
        }
      }, TICK_MS);
    });
  }
  const drainUntil = performance.now() + drainSeconds * 1000;
  while (performance.now() < drainUntil && (deliveries < expected || acknowledged + refused + failed < sent)) await sleep(10);
  clearInterval(rssTimer);
  fleet.onDelivery = () => undefined;
  const rows: Second[] = seconds.map(({ samples, delivered, ...counts }) => ({
    ...counts,
    delivered: Math.round(delivered * 10) / 10,
    p99Ms: samples.summary().p99,
  }));
  const lastPhaseStart = totalSeconds - phases.at(-1)!.seconds;
  return {
    phases,
    seconds: rows,
    offered: sent,
    acknowledged,
    refused,
    failed,
    unanswered: sent - acknowledged - refused - failed,
    expectedDeliveries: expected,
    delivered: deliveries,
    deliveredPctOfAcknowledged: expected === 0 ? 0 : Math.floor((deliveries / expected) * 10_000) / 100,
    refusalKinds,
    peakRssMiB: Math.round(peakRss / 1024 / 1024),
    recoverSeconds: recovery(rows.slice(lastPhaseStart, totalSeconds)),
  };
}

/** The first second from which every second is calm (p99 under 250 ms, nothing refused or failed). */
function recovery(seconds: Second[]): number | null {
  // A second with no delivery is calm only if nothing was offered in it either.
  const calm = (second: Second) =>
    second.refused === 0 && second.failed === 0 && (second.p99Ms === null ? second.offered === 0 : second.p99Ms < RECOVERED_P99_MS);
  for (let from = 0; from < seconds.length; from++) if (seconds.slice(from).every(calm)) return from;
  return null;
}
