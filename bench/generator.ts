// Runs the load generator (load.ts) as its own process, pinned to its core, for one system and one
// scenario, and returns what it printed. A hard time limit keeps a stuck run bounded.
import { spawn } from 'node:child_process';
import type { LoadSpec } from './spec.ts';
import { pinned, projectRoot, stopChild } from './targets.ts';

export async function runGenerator(
  spec: LoadSpec,
  core: number | undefined,
  limitSeconds: number,
  signal: AbortSignal,
): Promise<Record<string, unknown>> {
  const [command, args] = pinned(core, [process.execPath, 'bench/load.ts', JSON.stringify(spec)]);
  const child = spawn(command, args, { cwd: projectRoot, stdio: ['ignore', 'pipe', 'inherit'], signal });
  child.on('error', () => undefined); // an abort: 'exit' follows
  let stdout = '';
  child.stdout!.on('data', (chunk) => (stdout += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void stopChild(child, exited);
  }, limitSeconds * 1000);
  await exited;
  clearTimeout(timer);
  if (timedOut) throw new Error(`the load generator ran over its ${limitSeconds} s limit`);
  if (child.exitCode !== 0) throw new Error(`the load generator failed (exit ${child.exitCode})`);
  const last = stdout.trim().split('\n').at(-1) ?? '';
  return JSON.parse(last) as Record<string, unknown>;
}
