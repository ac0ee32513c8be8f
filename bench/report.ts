// The run's figures as a printed table, each service figure beside the baseline's and their ratio
// (service ÷ baseline), and as JSON in bench/results/<timestamp>.json.
import { mkdir, writeFile } from 'node:fs/promises';
import type { LatencySummary } from './latency.ts';
import type { LadderResult, StepResult } from './open-loop.ts';
import type { PgActivity } from './pg-activity.ts';
import type { CpuWindow } from './proc-stats.ts';
import type { Timeline } from './timeline.ts';
import { SYSTEMS, type LadderPlan, type Plan, type ScenarioName, type SystemName } from './spec.ts';

export interface ScenarioResult {
  description: string;
  seed: Record<string, unknown>;
  systems: Partial<Record<SystemName, Record<string, unknown>>>;
}

export interface RunResult {
  startedAt: string;
  finishedAt: string;
  quick: boolean;
  plan: Plan;
  machine: {
    cpus: number;
    pinned: boolean;
    node: string;
    uptimeBefore: string;
    uptimeAfter: string;
    loadAverage1m: { samples: number; min: number; max: number; mean: number } | null;
  };
  scenarios: Partial<Record<ScenarioName, ScenarioResult>>;
}

type Ladder = LadderResult & { sockets: number; connectMs: number; subscriptionFailures: number; error?: string };
type Cell = string | number | null | undefined;

const show = (value: Cell, digits = 1): string =>
  value === null || value === undefined ? '—' : typeof value === 'number' ? String(Number(value.toFixed(digits))) : value;
const ratio = (service: Cell, baseline: Cell): string =>
  typeof service === 'number' && typeof baseline === 'number' && baseline > 0 ? `${(service / baseline).toFixed(2)}×` : '—';

function table(headers: string[], rows: Cell[][]): string {
  const text = [headers, ...rows.map((row) => row.map((cell) => show(cell, 2)))];
  const widths = headers.map((_, column) => Math.max(...text.map((row) => row[column]!.length)));
  const line = (row: string[]) => row.map((cell, i) => (i < 2 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  return [line(text[0]!), widths.map((width) => '-'.repeat(width)).join('  '), ...text.slice(1).map(line)].join('\n');
}

const LADDER_COLUMNS: [string, (step: StepResult) => number | null][] = [
  ['sent/s', (s) => s.sentPerSecond],
  ['delivered', (s) => s.delivered],
  ['of expected', (s) => s.expected],
  ['delivered %', (s) => s.deliveredPct],
  ['deliveries/s', (s) => s.deliveriesPerSecond],
  ['errors', (s) => s.errors],
  ['p50 ms', (s) => s.latencyMs.p50],
  ['p95 ms', (s) => s.latencyMs.p95],
  ['p99 ms', (s) => s.latencyMs.p99],
  ['max ms', (s) => s.latencyMs.max],
  ['server cpu %', (s) => s.cpu.serverCpuPct],
  ['server cpu ms/msg', (s) => (s.sent ? (s.cpu.serverCpuSeconds * 1000) / s.sent : null)],
  // Reads and writes per send (sockets to clients, PostgreSQL and Redis): each a system call, a large share of a send's CPU.
  ['server syscalls/msg', (s) => (s.sent && s.cpu.serverSyscalls !== null && s.cpu.serverSyscalls !== undefined ? s.cpu.serverSyscalls / s.sent : null)],
  ['generator cpu %', (s) => s.cpu.generatorCpuPct],
];

/** Over this much of its core, the generator itself may be what limits the step. */
const GENERATOR_BOUND_PCT = 90;

const verdict = (step?: StepResult) =>
  !step ? 'not run' : `${step.passed ? 'yes' : 'NO'}${step.cpu.generatorCpuPct >= GENERATOR_BOUND_PCT ? ' (generator-bound)' : ''}`;

/** Counts whose ratio says nothing (the same offered load gives the same expected count). */
const NO_RATIO = new Set(['errors', 'delivered', 'of expected']);

function ladderReport(rates: number[], service?: Ladder, baseline?: Ladder): string {
  const rows: Cell[][] = [];
  for (const [index, rate] of rates.entries()) {
    const pair = [service?.steps?.[index], baseline?.steps?.[index]] as const;
    const systems: [string, StepResult | undefined][] = [['service', pair[0]], ['baseline', pair[1]]];
    for (const [name, step] of systems) {
      rows.push([name === 'service' ? rate : '', name, ...LADDER_COLUMNS.map(([, get]) => (step ? get(step) : null)), verdict(step)]);
    }
    rows.push(['', 'ratio', ...LADDER_COLUMNS.map(([label, get]) => (NO_RATIO.has(label) || !pair[0] || !pair[1] ? '—' : ratio(get(pair[0]), get(pair[1])))), '']);
  }
  const highest = (ladder?: Ladder) => (ladder?.error ? `failed (${ladder.error})` : ladder?.highestPassing ? `${ladder.highestPassing}/s` : 'none');
  const failures = (ladder?: Ladder) => ladder?.subscriptionFailures ?? '—';
  return [
    table(['offered/s', 'system', ...LADDER_COLUMNS.map(([label]) => label), 'pass'], rows),
    `highest rate with >= 99% delivered and p99 < 250 ms: service ${highest(service)}, baseline ${highest(baseline)}` +
      ` (ratio ${ratio(service?.highestPassing, baseline?.highestPassing)}); subscriptions lost: service ${failures(service)}, baseline ${failures(baseline)}`,
    ...(rows.some((row) => row.at(-1) === 'not run') ? ['not run: a lower rate saturated that system (under 95% delivered, or p99 over 2 s)'] : []),
  ].join('\n');
}

/**
 * instructions and instructions-group: each step's instructions per send (direct rooms) or per
 * delivery (a group room's fan-out), counted by callgrind (the first `warmUpSteps` warm the code up).
 */
function instructionsReport(plan: LadderPlan, unit: 'send' | 'delivery', service?: Ladder, baseline?: Ladder): string {
  const units = (step: StepResult) => (unit === 'send' ? step.sent : step.delivered);
  const perUnit = (step?: StepResult) => (step && units(step) && step.serverInstructions !== null ? step.serverInstructions / units(step) : null);
  const rows: Cell[][] = plan.rates.map((rate, index) => {
    const [s, b] = [service?.steps?.[index], baseline?.steps?.[index]];
    const thousands = (step?: StepResult) => (perUnit(step) === null ? null : Math.round(perUnit(step)! / 100) / 10);
    return [index < (plan.warmUpSteps ?? 0) ? `${rate} (warm-up)` : rate, s?.sent, b?.sent, s?.deliveredPct, b?.deliveredPct, thousands(s), thousands(b), ratio(perUnit(s), perUnit(b))];
  });
  const headers = ['offered/s', 'sent: service', 'baseline', 'delivered %: service', 'baseline', `instructions/${unit} (k): service`, 'baseline', 'ratio'];
  // The counted steps together: the figure to compare between runs.
  const counted = (ladder?: Ladder) => {
    const steps = ladder?.steps?.slice(plan.warmUpSteps ?? 0).filter((step) => step.serverInstructions !== null) ?? [];
    const total = steps.reduce((sum, step) => sum + units(step), 0);
    return total ? steps.reduce((sum, step) => sum + step.serverInstructions!, 0) / total : null;
  };
  const [s, b] = [counted(service), counted(baseline)];
  return [
    table(headers, rows),
    `counted steps together: service ${show(s === null ? null : s / 1000, 1)}k, baseline ${show(b === null ? null : b / 1000, 1)}k instructions per ${unit} (${ratio(s, b)})`,
    "instructions: every thread of the server process, user space only (valgrind's callgrind); the same work counts the same on a busy machine",
  ].join('\n');
}

const CHANGE_COLUMNS: [string, (step: StepResult) => number | null][] = [
  ['sends', (s) => s.writes?.send ?? 0],
  ['edits', (s) => s.writes?.edit ?? 0],
  ['reactions', (s) => s.writes?.reaction ?? 0],
  ['answer p50 ms', (s) => s.changeAnswerMs?.p50 ?? null],
  ['answer p95 ms', (s) => s.changeAnswerMs?.p95 ?? null],
  ['answer p99 ms', (s) => s.changeAnswerMs?.p99 ?? null],
  ['answer max ms', (s) => s.changeAnswerMs?.max ?? null],
];

/** mixed: the writes of each step by kind, and how fast the edits and reactions were answered (they deliver no messageAdded). */
function changesReport(rates: number[], service?: Ladder, baseline?: Ladder): string {
  const rows: Cell[][] = [];
  for (const [index, rate] of rates.entries()) {
    const pair = [service?.steps?.[index], baseline?.steps?.[index]] as const;
    if (!pair[0] && !pair[1]) continue;
    rows.push([rate, 'service', ...CHANGE_COLUMNS.map(([, get]) => (pair[0] ? get(pair[0]) : null))]);
    rows.push(['', 'baseline', ...CHANGE_COLUMNS.map(([, get]) => (pair[1] ? get(pair[1]) : null))]);
    rows.push(['', 'ratio', ...CHANGE_COLUMNS.map(([label, get]) => (!label.startsWith('answer') || !pair[0] || !pair[1] ? '—' : ratio(get(pair[0]), get(pair[1]))))]);
  }
  return `edits and reactions (sent/s and cpu ms/msg above count every write):\n${table(['offered/s', 'system', ...CHANGE_COLUMNS.map(([label]) => label)], rows)}`;
}

function pairReport(rows: [string, Cell, Cell][]): string {
  return table(['figure', '', 'service', 'baseline', 'ratio'], rows.map(([label, s, b]) => [label, '', s, b, ratio(s, b)]));
}

function idleReport(service: Record<string, number> = {}, baseline: Record<string, number> = {}): string {
  const labels: [string, string][] = [
    ['sockets', 'sockets'],
    ['connect + subscribe (ms)', 'connectAndSubscribeMs'],
    ['sockets ready per second', 'socketsPerSecond'],
    ['server RSS before (MiB)', 'rssBeforeMiB'],
    ['server RSS after (MiB)', 'rssAfterMiB'],
    ['memory per socket (KiB)', 'kibPerSocket'],
    ['server CPU at rest (% of a core)', 'restCpuPct'],
    ['subscriptions lost', 'subscriptionFailures'],
  ];
  return pairReport(labels.map(([label, key]) => [label, service[key], baseline[key]]));
}

type History = { pages: number; pagesPerSecond: number; errors: number; latencyMs: LatencySummary; cpu: CpuWindow };

const perPage = (figures?: History) => (figures?.pages ? (figures.cpu.serverCpuSeconds * 1000) / figures.pages : null);

function historyReport(seed: Record<string, unknown>, service?: History, baseline?: History): string {
  const rows: [string, Cell, Cell][] = [
    ['pages', service?.pages, baseline?.pages],
    ['pages/s', service?.pagesPerSecond, baseline?.pagesPerSecond],
    ['errors', service?.errors, baseline?.errors],
    ...(['p50', 'p95', 'p99', 'max'] as const).map((q): [string, Cell, Cell] => [`${q} ms`, service?.latencyMs[q], baseline?.latencyMs[q]]),
    ['server cpu %', service?.cpu.serverCpuPct, baseline?.cpu.serverCpuPct],
    ['server cpu ms/page', perPage(service), perPage(baseline)],
  ];
  const explain = (seed.explain as Record<string, string> | undefined)?.service ?? '(none)';
  return `${pairReport(rows)}\nrows seeded: ${seed.rows} per system in ${seed.seedSeconds} s; EXPLAIN ANALYZE of the page query (service):\n${explain.replace(/^/gm, '  ')}`;
}

type Overload = Record<'direct' | 'group', Timeline> & { stored?: Record<'direct' | 'group', number>; cpuQuota?: string };

function overloadReport(service?: Overload, baseline?: Overload): string {
  const rows: [string, Cell, Cell][] = [];
  for (const kind of ['direct', 'group'] as const) {
    const [s, b] = [service?.[kind], baseline?.[kind]];
    rows.push(
      [`${kind}: offered`, s?.offered, b?.offered],
      [`${kind}: acknowledged`, s?.acknowledged, b?.acknowledged],
      [`${kind}: stored`, service?.stored?.[kind], baseline?.stored?.[kind]],
      [`${kind}: refused (RATE_LIMITED)`, s?.refused, b?.refused],
      [`${kind}: other failures, unanswered`, s ? `${s.failed}, ${s.unanswered}` : null, b ? `${b.failed}, ${b.unanswered}` : null],
      [`${kind}: delivered % of acknowledged`, s?.deliveredPctOfAcknowledged, b?.deliveredPctOfAcknowledged],
      [`${kind}: peak RSS (MiB)`, s?.peakRssMiB, b?.peakRssMiB],
      [`${kind}: recovered after (s)`, s?.recoverSeconds, b?.recoverSeconds],
    );
  }
  const caps = `CPU: service ${service?.cpuQuota ?? '—'}; baseline ${baseline?.cpuQuota ?? '—'}`;
  return `${pairReport(rows)}
${caps}
recovered: seconds from the drop to the normal rate until every later second had p99 < 250 ms and no refusal`;
}

type RoomList = { lists: number; listsPerSecond: number; errors: number; wrong: number; latencyMs: LatencySummary; cpu: CpuWindow };

/** The service alone (the baseline keeps no read state): its figures, the 20 ms target, and the statements' plans. */
function roomListReport(seed: Record<string, unknown>, service?: RoomList): string {
  const rows: [string, Cell][] = [
    ['lists', service?.lists],
    ['lists/s', service?.listsPerSecond],
    ['errors', service?.errors],
    ['lists with a wrong unread count', service?.wrong],
    ...(['p50', 'p95', 'p99', 'max'] as const).map((q): [string, Cell] => [`${q} ms`, service?.latencyMs[q]]),
    ['server cpu %', service?.cpu.serverCpuPct],
    ['server cpu ms/list', service?.lists ? (service.cpu.serverCpuSeconds * 1000) / service.lists : null],
  ];
  const p99 = service?.latencyMs.p99;
  const explain = Object.entries((seed.explain as Record<string, string> | undefined) ?? {})
    // The lists of a hundred ids in the plans' conditions, shortened.
    .map(([name, plan]) => `${name}:\n${plan.replace(/'\{[^}]{200,}\}'/g, "'{...}'").replace(/^/gm, '  ')}`)
    .join('\n');
  return [
    table(['figure', '', 'service'], rows.map(([label, value]) => [label, '', value])),
    `p99 target <= 20 ms: ${typeof p99 === 'number' ? (p99 <= 20 ? 'met' : 'NOT met') : '—'}`,
    `rows seeded: ${seed.rows} in ${seed.seedSeconds} s; EXPLAIN ANALYZE of the list's statements, and of unread counts counted over the index instead:`,
    explain,
  ].join('\n');
}

/** A system's figures as the scenario's result type (they came through JSON). */
const as = <T>(value: unknown) => value as T | undefined;

const busy = (value: unknown): number[] => {
  const system = value as { steps?: StepResult[]; machineBusyPct?: number; cpu?: CpuWindow } | undefined;
  if (system?.steps) return system.steps.map((step) => step.cpu.machineBusyPct);
  return [system?.machineBusyPct ?? system?.cpu?.machineBusyPct].filter((x): x is number => typeof x === 'number');
};

/** The highest rate that passed, where the fixed costs weigh least per message; else the first. */
const representative = (ladder?: Ladder) => [...(ladder?.steps ?? [])].reverse().find((step) => step.passed) ?? ladder?.steps?.[0];

/**
 * Server CPU per message = per send + per delivery x subscribers: two equations, from a step of
 * direct (2 subscribers) and one of group (all members), solved for each system.
 */
function costModel(run: RunResult): string | undefined {
  const direct = run.scenarios.direct?.systems;
  const group = run.scenarios.group?.systems;
  if (!direct || !group) return undefined;
  const solve = (system: SystemName) => {
    const d = representative(as<Ladder>(direct[system]));
    const g = representative(as<Ladder>(group[system]));
    if (!d?.sent || !g?.sent) return undefined;
    const [k1, c1] = [2, d.cpu.serverCpuSeconds / d.sent];
    const [k2, c2] = [run.plan.group.members, g.cpu.serverCpuSeconds / g.sent];
    const perDelivery = (c2 - c1) / (k2 - k1);
    const perSend = c1 - k1 * perDelivery;
    // Negative when fixed costs (timers, JIT, GC) outweigh the per-message ones: too few messages.
    return perDelivery > 0 && perSend > 0 ? { perSendMs: perSend * 1000, perDeliveryUs: perDelivery * 1e6 } : undefined;
  };
  const [service, baseline] = [solve('service'), solve('baseline')];
  return pairReport([
    ['server cpu per send (ms)', service?.perSendMs, baseline?.perSendMs],
    ['server cpu per delivery (µs)', service?.perDeliveryUs, baseline?.perDeliveryUs],
  ]);
}

export function printReport(run: RunResult): string {
  const out: string[] = [`== bench ${run.quick ? '--quick ' : ''}${run.startedAt} (ratio = service ÷ baseline)`];
  for (const [name, entry] of Object.entries(run.scenarios) as [ScenarioName, ScenarioResult][]) {
    const { service, baseline } = entry.systems;
    // In SYSTEMS order, whichever system finished first.
    const systems = SYSTEMS.flatMap((system) => (entry.systems[system] ? [[system, entry.systems[system]] as const] : []));
    out.push(`\n-- ${name}: ${entry.description}`);
    for (const [system, value] of systems) {
      if (value?.error) out.push(`${system} FAILED: ${value.error}`);
      if (Array.isArray(value?.serverWarnings)) out.push(`${system} logged warnings: ${value.serverWarnings.length} (see the JSON)`);
    }
    if (name === 'direct' || name === 'group' || name === 'mixed') out.push(ladderReport(run.plan[name].rates, as<Ladder>(service), as<Ladder>(baseline)));
    if (name === 'instructions') out.push(instructionsReport(run.plan.instructions, 'send', as<Ladder>(service), as<Ladder>(baseline)));
    if (name === 'instructions-group') out.push(instructionsReport(run.plan.instructionsGroup, 'delivery', as<Ladder>(service), as<Ladder>(baseline)));
    if (name === 'mixed') out.push(changesReport(run.plan.mixed.rates, as<Ladder>(service), as<Ladder>(baseline)));
    if (name === 'idle') out.push(idleReport(as<Record<string, number>>(service), as<Record<string, number>>(baseline)));
    if (name === 'history') out.push(historyReport(entry.seed, as<History>(service), as<History>(baseline)));
    if (name === 'overload') out.push(overloadReport(as<Overload>(service), as<Overload>(baseline)));
    if (name === 'room-list') out.push(roomListReport(entry.seed, as<RoomList>(service)));
    const machine = systems.map(([system, value]) => `${system} ${busy(value).map((pct) => `${pct}%`).join(' ')}`);
    out.push(`machine busy (all cores, everyone) while measuring: ${machine.join('; ')}`);
    for (const [system, value] of systems) {
      const activity = as<PgActivity>(value?.postgres);
      if (!activity) continue;
      const waits = Object.entries(activity.waits).slice(0, 4).map(([wait, pct]) => `${wait} ${pct}%`);
      out.push(`PostgreSQL for the ${system}: ${activity.activeMean} sessions active on average; ${waits.join(', ') || 'idle'}`);
    }
  }
  const model = costModel(run);
  if (model) out.push(`\n-- server CPU per send and per delivery (from the highest passing rate of direct and of group)\n${model}`);
  const load = run.machine.loadAverage1m;
  out.push(
    `\n-- machine: ${run.machine.cpus} cores, ${run.machine.pinned ? 'server pinned to core 0, generator to core 1 (taskset)' : 'UNPINNED (no taskset)'}, node ${run.machine.node}`,
    `before: ${run.machine.uptimeBefore}`,
    `after:  ${run.machine.uptimeAfter}`,
    load ? `1-min load average during the run: min ${load.min}, mean ${load.mean}, max ${load.max} (${load.samples} samples)` : '',
  );
  return out.join('\n');
}

export async function writeResults(run: RunResult): Promise<string> {
  const directory = new URL('./results/', import.meta.url);
  await mkdir(directory, { recursive: true });
  const file = new URL(`${run.startedAt.replace(/[:.]/g, '-')}.json`, directory);
  await writeFile(file, `${JSON.stringify(run, null, 2)}\n`);
  return file.pathname;
}
