// Open-loop load: a message rate is offered for a while whatever the system answers (a closed loop
// would slow down with the system and hide its queueing), then deliveries may trail for a while.
// Each message goes round-robin over the rooms and their members; every subscriber's receipt is one
// delivery and one latency sample (send to receive, on this process's clock).
import { benchContent, type SendOutcome } from './clients/client.ts';
import type { Fleet, Member } from './fleet.ts';
import { sleep } from './fleet.ts';
import { Samples, type LatencySummary } from './latency.ts';
import { cpuWindow, type CpuWindow } from './proc-stats.ts';
import type { LadderPlan } from './spec.ts';

/**
 * One write of the offered load by `sender` in room `room` (an index of fleet.rooms): its kind, and
 * whether the room's subscribers receive it (a send does; an edit or a reaction is no messageAdded).
 */
export type Write = (sender: Member, room: number, step: number, serial: number) => { kind: string; delivered: boolean; outcome: Promise<SendOutcome> };

/** Every write a send (the direct and group scenarios). */
export const sendEach =
  (fleet: Fleet): Write =>
  (sender, room, step, serial) => ({
    kind: 'send',
    delivered: true,
    outcome: sender.client.send(fleet.rooms[room]!.id, benchContent(step, serial), `m-${step}-${serial}`),
  });

export interface StepResult {
  offeredPerSecond: number;
  sent: number;
  sentPerSecond: number;
  /** Sends the system refused, or did not answer by the end of the drain. */
  errors: number;
  errorKinds: Record<string, number>;
  expected: number;
  delivered: number;
  deliveredPct: number;
  deliveriesPerSecond: number;
  latencyMs: LatencySummary;
  /** Writes by kind (send, edit, reaction ...). */
  writes: Record<string, number>;
  /** From a write that delivers nothing (an edit, a reaction) to its answer. */
  changeAnswerMs: LatencySummary;
  cpu: CpuWindow;
  /** Instructions the server executed in the step, sends and drain (callgrind.ts); null when not counted. */
  serverInstructions: number | null;
  passed: boolean;
}

export interface LadderResult {
  steps: StepResult[];
  /** The highest offered rate with >= 99% delivered and p99 < 250 ms; null when none. */
  highestPassing: number | null;
  /** Rates not tried because a lower one saturated the system (under 95% delivered, or p99 over 2 s). */
  skipped: number[];
}

export const passes = (deliveredPct: number, p99: number | null) => deliveredPct >= 99 && p99 !== null && p99 < 250;

/**
 * Far past what the system sustains: a higher rate would only pile up more, and its backlog would
 * spill into the next step. A step that merely fails (p99 300 ms on a busy machine) lets the ladder go on.
 */
const saturated = (step: StepResult) => step.deliveredPct < 95 || (step.latencyMs.p99 ?? Infinity) > 2_000;

const TICK_MS = 2;

/** Starts counting the server's instructions; the returned function gives the count since (callgrind.ts). */
export type InstructionCounter = () => () => number;

export async function runStep(
  fleet: Fleet,
  step: number,
  rate: number,
  plan: LadderPlan,
  serverPid: number,
  write: Write,
  countInstructions?: InstructionCounter,
): Promise<StepResult> {
  const samples = new Samples();
  const changeSamples = new Samples();
  const writes: Record<string, number> = {};
  let delivered = 0;
  let lastDelivery = 0;
  fleet.onDelivery = (_member, sentAt, stepOf) => {
    if (stepOf !== step) return;
    lastDelivery = performance.now();
    samples.add(lastDelivery - sentAt);
    delivered++;
  };
  const total = Math.round(rate * plan.stepSeconds);
  const errorKinds: Record<string, number> = {};
  let sent = 0;
  let answered = 0;
  let expected = 0;
  /** Answers after the step's end belong to no step: already counted as unanswered. */
  let finished = false;
  const cpu = cpuWindow(serverPid);
  const instructions = countInstructions?.();
  const started = performance.now();
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * rate));
      while (sent < due) {
        const serial = sent++;
        const room = serial % fleet.rooms.length;
        const members = fleet.byRoom[room]!;
        const sender = members[Math.floor(serial / fleet.rooms.length) % members.length]!;
        const writeStarted = performance.now();
        const { kind, delivered: reachesSubscribers, outcome } = write(sender, room, step, serial);
        writes[kind] = (writes[kind] ?? 0) + 1;
        if (reachesSubscribers) expected += members.length;
        void outcome.then((outcome) => {
          if (finished) return;
          answered++;
          if (!reachesSubscribers) changeSamples.add(performance.now() - writeStarted);
          if (!outcome.ok) errorKinds[`${kind}: ${outcome.error}`] = (errorKinds[`${kind}: ${outcome.error}`] ?? 0) + 1;
        });
      }
      if (sent >= total) {
        clearInterval(timer);
        resolve();
      }
    }, TICK_MS);
  });
  const sendSeconds = (performance.now() - started) / 1000;
  const drainUntil = performance.now() + plan.drainSeconds * 1000;
  while (performance.now() < drainUntil && (delivered < expected || answered < sent)) await sleep(10);
  const cpuUsed = cpu();
  const serverInstructions = instructions?.() ?? null;
  finished = true;
  fleet.onDelivery = () => undefined;
  if (answered < sent) errorKinds['no answer by the end of the drain'] = sent - answered;
  const latencyMs = samples.summary();
  const deliveredPct = expected === 0 ? 0 : Math.floor((delivered / expected) * 10_000) / 100;
  const deliverySeconds = Math.max(sendSeconds, (lastDelivery - started) / 1000);
  return {
    offeredPerSecond: rate,
    sent,
    sentPerSecond: Math.round(sent / sendSeconds),
    errors: Object.values(errorKinds).reduce((sum, count) => sum + count, 0),
    errorKinds,
    expected,
    delivered,
    deliveredPct,
    deliveriesPerSecond: Math.round(delivered / deliverySeconds),
    latencyMs,
    writes,
    changeAnswerMs: changeSamples.summary(),
    cpu: cpuUsed,
    serverInstructions,
    passed: passes(deliveredPct, latencyMs.p99),
  };
}

/**
 * Every rate in turn, stopping after one that saturates the system (a warm-up step, which starts cold,
 * does not count); `takeTurn` resolves when a step may start.
 */
export async function runLadder(
  fleet: Fleet,
  plan: LadderPlan,
  serverPid: number,
  log: (line: string) => void,
  takeTurn: (step: number) => Promise<void>,
  write: Write = sendEach(fleet),
  countInstructions?: InstructionCounter,
): Promise<LadderResult> {
  const steps: StepResult[] = [];
  for (const [index, rate] of plan.rates.entries()) {
    await takeTurn(index + 1);
    const result = await runStep(fleet, index + 1, rate, plan, serverPid, write, countInstructions);
    steps.push(result);
    log(
      `${rate}/s: sent ${result.sentPerSecond}/s, delivered ${result.deliveredPct}%, p99 ${result.latencyMs.p99} ms, ` +
        `errors ${result.errors}, server cpu ${result.cpu.serverCpuPct}%, generator cpu ${result.cpu.generatorCpuPct}%`,
    );
    if (index >= (plan.warmUpSteps ?? 0) && saturated(result)) break;
    await sleep(plan.pauseSeconds * 1000);
  }
  const passing = steps.filter((step) => step.passed).map((step) => step.offeredPerSecond);
  return { steps, highestPassing: passing.length ? Math.max(...passing) : null, skipped: plan.rates.slice(steps.length) };
}
