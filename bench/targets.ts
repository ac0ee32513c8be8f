// Starts a system under test as its own OS process, pinned to a core with taskset when available,
// learns its port from its start-up banner (as tests/helpers/process.ts does), and stops it by PID.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { underCallgrind, VGDB_ENV } from './callgrind.ts';
import type { SystemName } from './spec.ts';

export const projectRoot = fileURLToPath(new URL('..', import.meta.url));

/** The Node flags `npm start` runs the service with (package.json), read from there rather than copied. */
function startFlags(): string[] {
  const { scripts } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { scripts: { start: string } };
  const words = scripts.start.split(/\s+/);
  return words.slice(1, words.indexOf('src/main.ts'));
}

/** Each system as it runs in production: the service with the Node flags of `npm start` (and the Dockerfile). */
const ENTRIES: Record<SystemName, { nodeFlags: string[]; script: string; path: string }> = {
  service: { nodeFlags: startFlags(), script: 'src/main.ts', path: '/graphql' },
  baseline: { nodeFlags: [], script: 'bench/baseline-server.ts', path: '/' },
};

const STOP_WAIT_MS = 15_000;
const START_WAIT_MS = 60_000;
/** Under callgrind the service loads its modules about 50 times slower. */
const START_UNDER_CALLGRIND_WAIT_MS = 600_000;

export const tasksetAvailable = (): boolean => spawnSync('taskset', ['-c', '0', 'true']).status === 0;

/** `argv` prefixed with `taskset -c <core>` when pinning, so that the spawned PID is the program's own. */
export function pinned(core: number | undefined, argv: string[]): [string, string[]] {
  return core === undefined ? [argv[0]!, argv.slice(1)] : ['taskset', ['-c', String(core), ...argv]];
}

export interface Target {
  readonly system: SystemName;
  readonly pid: number;
  readonly wsUrl: string;
  /** Where callgrind writes its counts, when the system runs under it. */
  readonly callgrindOut?: string;
  output(): string;
  stop(): Promise<void>;
}

/** `nodeFlags`: extra flags for the system's Node, e.g. `--cpu-prof`; `callgrindOut`: run it under callgrind, counts there. */
export async function startTarget(
  system: SystemName,
  env: Record<string, string>,
  core: number | undefined,
  nodeFlags: string[] = [],
  callgrindOut?: string,
): Promise<Target> {
  const entry = ENTRIES[system];
  const wrapper = callgrindOut === undefined ? [] : underCallgrind(callgrindOut);
  const startWaitMs = callgrindOut === undefined ? START_WAIT_MS : START_UNDER_CALLGRIND_WAIT_MS;
  // The flags asked for come after the entry's own, so that they win (V8 takes a flag's last value).
  const [command, args] = pinned(core, [...wrapper, process.execPath, ...entry.nodeFlags, ...nodeFlags, entry.script]);
  const child = spawn(command, args, {
    cwd: projectRoot,
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', ...env, ...(callgrindOut === undefined ? {} : VGDB_ENV) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk).slice(-20_000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${system} did not start in ${startWaitMs} ms:\n${output}`)), startWaitMs);
    const check = () => {
      const match = /listening on (?:http|ws):\/\/[^:\s]+:(\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout!.on('data', check);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`${system} exited before listening:\n${output}`));
    });
  });
  return {
    system,
    pid: child.pid!,
    wsUrl: `ws://127.0.0.1:${port}${entry.path}`,
    ...(callgrindOut === undefined ? {} : { callgrindOut }),
    output: () => output,
    stop: () => stopChild(child, exited),
  };
}

/** SIGTERM (a graceful stop), then SIGKILL if the process is still there after STOP_WAIT_MS. */
export async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_WAIT_MS);
  await exited;
  clearTimeout(timer);
}
