// npm run bench [-- --quick] [--only=direct,group,mixed,idle,history,overload,room-list,instructions] [--idle-sockets=N] [--profile] [--service-node-flags="..."]
// Creates a database of its own, then for each scenario: seeds it, starts both systems (core 0), drives
// them with the load generator (core 1) and stops them (--quick starts each system once and runs every
// scenario on it). A ladder's steps run on the two systems in turn (turns.ts); the other scenarios on
// the service, then on the baseline.
// Prints the table and writes bench/results/<timestamp>.json; the database is dropped at the end.
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { callgrindAvailable } from './callgrind.ts';
import { createBaselineSchema, createBenchDatabase, migrateService } from './database.ts';
import { runGenerator } from './generator.ts';
import { sampleLoad, uptime } from './machine.ts';
import { capCpu } from './cpu-quota.ts';
import { writeOverloadChart } from './overload-chart.ts';
import { samplePgActivity } from './pg-activity.ts';
import { planFor } from './plan.ts';
import { printReport, writeResults, type RunResult } from './report.ts';
import { scenarios } from './scenarios/index.ts';
import { ON_REQUEST, SCENARIOS, SYSTEMS, type LoadSpec, type ScenarioName, type SystemName } from './spec.ts';
import { startTarget, tasksetAvailable, type Target } from './targets.ts';
import { Turns } from './turns.ts';

const args = process.argv.slice(2);
const option = (name: string) => args.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
const quick = args.includes('--quick');
const only = option('only')?.split(',') as ScenarioName[] | undefined;
const idleSockets = option('idle-sockets') ? Number(option('idle-sockets')) : undefined;
// --profile: both systems run under --cpu-prof; each process writes a .cpuprofile on exit, in a folder per system.
const profile = args.includes('--profile');
// --service-node-flags: V8 or Node flags for the service only (e.g. a GC setting under study).
const serviceNodeFlags = option('service-node-flags')?.split(' ').filter(Boolean) ?? [];
const selected = SCENARIOS.filter((name) => (only ? only.includes(name) : !ON_REQUEST.includes(name)));
const unknown = only?.filter((name) => !SCENARIOS.includes(name)) ?? [];
if (unknown.length || selected.length === 0) throw new Error(`--only takes some of ${SCENARIOS.join(', ')}; got ${only?.join(',')}`);
if (idleSockets !== undefined && !(Number.isInteger(idleSockets) && idleSockets >= 2 && idleSockets % 2 === 0)) {
  throw new Error('--idle-sockets takes an even number (two members per direct room)');
}
const plan = planFor(quick, idleSockets);

const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
// A Redis database of its own keeps the service's presence and rate-limit keys apart from anyone else's.
const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/9';
const tag = randomBytes(4).toString('hex');
const secret = randomBytes(32).toString('base64url');

const pin = tasksetAvailable() && os.availableParallelism() >= 2;
if (!pin) console.warn('taskset is missing (or fewer than 2 cores): server and load generator run unpinned');
const cores = pin ? { server: 0, generator: 1 } : { server: undefined, generator: undefined };

/** Generous limits so that the service's abuse limits do not cap the bench. */
const UNLIMITED = '1000000';
const envFor = (system: SystemName, databaseUrl: string): Record<string, string> =>
  system === 'service'
    ? {
        DATABASE_URL: databaseUrl,
        REDIS_URL: redisUrl,
        NODE_ENV: 'production',
        JWT_SECRET: secret,
        LOG_LEVEL: 'warn',
        RATE_SEND_MESSAGE_BURST: UNLIMITED,
        RATE_SEND_MESSAGE_PER_SECOND: UNLIMITED,
        RATE_CONNECTIONS_PER_IP_BURST: UNLIMITED,
        RATE_CONNECTIONS_PER_IP_PER_SECOND: UNLIMITED,
      }
    : { DATABASE_URL: databaseUrl, REDIS_URL: redisUrl, JWT_SECRET: secret };

const running = new Set<Target>();
/** Aborted on SIGINT/SIGTERM: ends a load generator that is running. */
const interrupted = new AbortController();
let dropDatabase: (() => Promise<void>) | undefined;
const cleanUp = async () => {
  await Promise.allSettled([...running].map((target) => target.stop()));
  await dropDatabase?.().catch((error: unknown) => console.error('could not drop the bench database:', error));
};
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  // Stop what runs now; the run then winds down by itself (starting nothing new), or is cut short.
  process.once(signal, () => {
    interrupted.abort();
    process.exitCode = 130;
    void cleanUp();
    setTimeout(() => process.exit(130), 30_000);
  });
}

const started = new Date();
const profileDirectory = fileURLToPath(new URL(`./results/profiles-${started.toISOString().replaceAll(':', '-')}/`, import.meta.url));
const callgrindDirectory = fileURLToPath(new URL(`./results/callgrind-${started.toISOString().replaceAll(':', '-')}/`, import.meta.url));
const result: RunResult = {
  startedAt: started.toISOString(),
  finishedAt: '',
  quick,
  plan,
  machine: { cpus: os.availableParallelism(), pinned: pin, node: process.version, uptimeBefore: uptime(), uptimeAfter: '', loadAverage1m: null },
  scenarios: {},
};
const load = sampleLoad();
console.log(`bench ${quick ? '--quick ' : ''}run ${tag}: ${result.machine.uptimeBefore}`);

const database = await createBenchDatabase(adminUrl, tag);
dropDatabase = database.drop;
try {
  await migrateService(database.url);
  await createBaselineSchema(database.url);
  const pool = new pg.Pool({ connectionString: database.url, max: 2 });
  try {
    const sessions = plan.freshServerPerScenario ? selected.map((name) => [name]) : [selected];
    for (const session of sessions) {
      for (const name of session) {
        const description = scenarios[name].describe(plan);
        console.log(`\n${name}: ${description}: seeding`);
        result.scenarios[name] = { description, seed: await scenarios[name].seed(pool, tag, plan), systems: {} };
      }
      await measureSession(session, database.url, pool, database.name);
    }
  } finally {
    await pool.end();
  }
} finally {
  await cleanUp();
}

result.finishedAt = new Date().toISOString();
result.machine.uptimeAfter = uptime();
result.machine.loadAverage1m = load.stop();
console.log(`\n${printReport(result)}`);
console.log(`\nresults: ${await writeResults(result)}`);
if (result.scenarios.overload) console.log(`overload chart: ${await writeOverloadChart(result)}`);
if (profile) console.log(`CPU profiles: ${profileDirectory} (summary: node bench/profile-summary.ts <file>)`);
// A scenario a system could not run means the bench itself is broken (what --quick in CI is for);
// slow figures are not failures.
const failed = Object.entries(result.scenarios).flatMap(([name, entry]) =>
  Object.entries(entry.systems).filter(([, figures]) => figures?.error).map(([system]) => `${name} on the ${system}`),
);
if (failed.length) {
  console.error(`bench incomplete: ${failed.join(', ')} failed`);
  process.exitCode = 1;
}

/**
 * Starts both systems for the scenarios of a session. A ladder (direct, group, mixed) runs on both step by
 * step in turn (turns.ts); any other scenario runs on the service, then on the baseline, while the
 * other system waits idle.
 */
async function measureSession(session: ScenarioName[], databaseUrl: string, pool: pg.Pool, databaseName: string): Promise<void> {
  if (interrupted.signal.aborted) return;
  const targets = new Map<SystemName, Target>();
  try {
    for (const system of SYSTEMS) {
      const target = await start(system, session, databaseUrl);
      if (target) targets.set(system, target);
    }
    for (const scenario of session) {
      if (interrupted.signal.aborted) break;
      const present = [...targets];
      if (!scenarios[scenario].inTurns) {
        for (const [system, target] of present) await drive(system, scenario, target, pool, databaseName);
        continue;
      }
      const turns = new Turns(present.map(([system]) => system));
      const drives: Promise<void>[] = [];
      for (const [system, target] of present) {
        drives.push(drive(system, scenario, target, pool, databaseName, turns).finally(() => turns.leave(system)));
        // One fleet connects at a time: the next generator starts once this one waits for its first step.
        await turns.ready(system);
      }
      await Promise.all(drives);
    }
  } finally {
    await Promise.all([...targets.values()].map((target) => target.stop()));
    for (const [system, target] of targets) {
      running.delete(target);
      const warnings = serverWarnings(target.output());
      if (!warnings.length) continue;
      console.warn(`  the ${system} logged ${warnings.length} warnings or errors, the first: ${warnings[0]}`);
      for (const scenario of session) {
        const figures = result.scenarios[scenario]!.systems[system];
        if (figures) figures.serverWarnings = warnings.slice(0, 20);
      }
    }
  }
}

function record(scenario: ScenarioName, system: SystemName, figures: Record<string, unknown>): void {
  result.scenarios[scenario]!.systems[system] = figures;
}

/** The system started for a session (core 0), or undefined (recorded as each scenario's error) when it did not start. */
async function start(system: SystemName, session: ScenarioName[], databaseUrl: string): Promise<Target | undefined> {
  try {
    const nodeFlags = [
      ...(profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDirectory}${system}`] : []),
      ...(system === 'service' ? serviceNodeFlags : []),
    ];
    const target = await startTarget(system, envFor(system, databaseUrl), cores.server, nodeFlags, callgrindOutFor(system, session));
    running.add(target);
    return target;
  } catch (error) {
    console.error(`  ${system} did not start: ${(error as Error).message}`);
    for (const scenario of session) record(scenario, system, { error: `did not start: ${(error as Error).message.split('\n')[0]}` });
    return undefined;
  }
}

/** Where callgrind writes the system's counts when a scenario of the session counts instructions; undefined otherwise. */
function callgrindOutFor(system: SystemName, session: ScenarioName[]): string | undefined {
  if (!session.some((name) => scenarios[name].underCallgrind)) return undefined;
  if (!callgrindAvailable()) {
    console.warn('  valgrind (callgrind) is not installed: instructions are not counted');
    return undefined;
  }
  mkdirSync(callgrindDirectory, { recursive: true });
  return `${callgrindDirectory}${system}.out`;
}

/** Drives one scenario on one system with the load generator (core 1); with `turns`, each step waits for its turn. */
async function drive(system: SystemName, scenario: ScenarioName, target: Target, pool: pg.Pool, databaseName: string, turns?: Turns): Promise<void> {
  if (interrupted.signal.aborted) return;
  console.log(`  ${scenario} on the ${system}${turns ? ', step by step in turn with the other system' : ''}`);
  const spec: LoadSpec = { system, scenario, wsUrl: target.wsUrl, serverPid: target.pid, secret, tag, plan, underCallgrind: target.callgrindOut !== undefined };
  // PostgreSQL is sampled for this system's own steps only.
  const activity = samplePgActivity(pool, databaseName);
  const takeTurn =
    turns &&
    (async (step: number) => {
      activity.pause();
      await turns.take(system, step);
      activity.resume();
    });
  const cpuPercent = scenarios[scenario].cpuPercent?.(plan);
  const quota = cpuPercent === undefined ? undefined : capCpu(target.pid, cpuPercent, `chat-bench-${tag}-${system}`);
  if (quota) console.log(`  the ${system}'s CPU: ${quota.how}`);
  try {
    const figures = await runGenerator(spec, cores.generator, quick ? 120 : 1800, interrupted.signal, takeTurn);
    const stored = await scenarios[scenario].verify?.(pool, tag, system, plan);
    record(scenario, system, { ...figures, ...stored, ...(quota ? { cpuQuota: quota.how } : {}), postgres: await activity.stop() });
  } catch (error) {
    await activity.stop();
    console.error(`  ${system} ${scenario} failed: ${(error as Error).message}\n${target.output().slice(-2_000)}`);
    record(scenario, system, { error: (error as Error).message });
  } finally {
    quota?.release();
  }
}

/** pino lines at warn (40) or above, and anything that is not a pino line or the start-up banner. */
function serverWarnings(output: string): string[] {
  return output.split('\n').filter((line) => {
    if (!line.trim() || /listening on|^ {2}[\w-]+:|SIG\w+: stopping/.test(line)) return false;
    try {
      return (JSON.parse(line) as { level?: number }).level! >= 40;
    } catch {
      return true;
    }
  });
}
