// Instructions a system executes, counted by valgrind's callgrind: every instruction of every thread of
// the process (its JavaScript, V8's compiler and garbage collector, libuv), none of the kernel's. A
// count, not a time: the same for the same work whatever else the machine is doing, so that a change
// of a few per cent to a send's cost shows in one run, where CPU seconds vary by 10% or more between
// runs of the same code (README, Performance). The process runs about 50 times slower under it, so a
// scenario that counts offers a low rate, at which most sends are stored one at a time.
import { execFileSync, spawnSync } from 'node:child_process';

export const callgrindAvailable = (): boolean =>
  spawnSync('valgrind', ['--version']).status === 0 && spawnSync('callgrind_control', ['--version']).status === 0;

/**
 * vgdb, through which callgrind_control reaches the process, names its pipes after the user (LOGNAME)
 * and the host (HOST) in each side's environment: both sides get these. HOST is the address the
 * systems listen on anyway (targets.ts).
 */
export const VGDB_ENV = { LOGNAME: 'chat-bench', HOST: '127.0.0.1' } as const;

/** The command to put before a system's own: callgrind writes its counts to `outFile` when the process ends. */
export function underCallgrind(outFile: string): string[] {
  // V8 writes and rewrites machine code in the heap: all-non-file makes valgrind see each new version.
  return ['valgrind', '--tool=callgrind', '--smc-check=all-non-file', `--callgrind-out-file=${outFile}`, '--log-file=/dev/null'];
}

/**
 * Starts counting the process's instructions now; the returned function gives the count since. Read
 * with callgrind_control, which reaches a process blocked in a system call too (through vgdb), so an
 * idle server answers at once.
 */
export function countInstructions(pid: number): () => number {
  const before = instructionsSoFar(pid);
  return () => instructionsSoFar(pid) - before;
}

/** The process's instructions so far, summed over its threads (`callgrind_control -e Ir`: one line per thread). */
function instructionsSoFar(pid: number): number {
  const output = execFileSync('callgrind_control', ['-e', 'Ir', String(pid)], {
    encoding: 'utf8',
    env: { ...process.env, ...VGDB_ENV },
    stdio: ['ignore', 'pipe', 'ignore'], // vgdb's progress lines
  });
  const threads = [...output.matchAll(/^\s*Th \d+\s+([\d,]+)\s*$/gm)].map((match) => Number(match[1]!.replaceAll(',', '')));
  if (threads.length === 0) throw new Error(`callgrind_control gave no counts for process ${pid}:\n${output}`);
  return threads.reduce((sum, count) => sum + count, 0);
}
