// Runs the load generator (load.ts) as its own process, pinned to its core, for one system and one
// scenario, and returns what it printed. A hard time limit keeps a stuck run bounded. With `takeTurn`
// (turns.ts), the generator asks before each step of a ladder (a line {"turn": step} on its stdout)
// and runs it once answered (a line on its stdin).
import { spawn } from 'node:child_process';
import type { LoadSpec } from './spec.ts';
import { pinned, projectRoot, stopChild } from './targets.ts';

export async function runGenerator(
  spec: LoadSpec,
  core: number | undefined,
  limitSeconds: number,
  signal: AbortSignal,
  takeTurn?: (step: number) => Promise<void>,
): Promise<Record<string, unknown>> {
  const [command, args] = pinned(core, [process.execPath, 'bench/load.ts', JSON.stringify({ ...spec, turns: Boolean(takeTurn) })]);
  const child = spawn(command, args, { cwd: projectRoot, stdio: [takeTurn ? 'pipe' : 'ignore', 'pipe', 'inherit'], signal });
  child.on('error', () => undefined); // an abort: 'exit' follows
  child.stdin?.on('error', () => undefined); // the generator gone: its exit says why
  const lines: string[] = [];
  let partial = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    const [rest, ...complete] = (partial + chunk).split('\n').reverse();
    partial = rest!;
    for (const line of complete.reverse()) {
      const turn = takeTurn && turnAskedIn(line);
      if (turn === undefined) lines.push(line);
      else void takeTurn!(turn).then(() => child.stdin!.write('go\n'));
    }
  });
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
  const last = [...lines, partial].filter((line) => line.trim()).at(-1) ?? '';
  return JSON.parse(last) as Record<string, unknown>;
}

/** The step a line {"turn": step} asks a turn for; undefined for any other line. */
function turnAskedIn(line: string): number | undefined {
  if (!line.startsWith('{"turn":')) return undefined;
  const { turn } = JSON.parse(line) as { turn: number };
  return turn;
}
