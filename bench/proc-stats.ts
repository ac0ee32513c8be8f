// CPU time and memory of a process, and how busy the whole machine is, read from Linux's /proc.
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat (`getconf CLK_TCK`; 100 on Linux x86 and arm64). */
const CLK_TCK = 100;

/** User + system CPU seconds the process has used so far. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may contain spaces; utime is field 14.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/** Reads and writes (system calls: sockets, files) the process has made so far; undefined where /proc/<pid>/io cannot be read. */
export function ioSyscalls(pid: number): number | undefined {
  try {
    const io = readFileSync(`/proc/${pid}/io`, 'utf8');
    const count = (name: string) => Number(new RegExp(`^${name}: (\\d+)`, 'm').exec(io)?.[1] ?? NaN);
    const total = count('syscr') + count('syscw');
    return Number.isFinite(total) ? total : undefined;
  } catch {
    return undefined;
  }
}

export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
  return Number(kib ?? 0) * 1024;
}

/** Jiffies busy and in total over all cores since boot (the first line of /proc/stat). */
export function machineJiffies(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  const total = values.reduce((sum, value) => sum + value, 0);
  const idle = (values[3] ?? 0) + (values[4] ?? 0);
  return { busy: total - idle, total };
}

export interface CpuWindow {
  seconds: number;
  /** CPU seconds the server process used in the window. */
  serverCpuSeconds: number;
  /** Percent of one core used by the server process. */
  serverCpuPct: number;
  /** Reads and writes the server process made in the window (each a system call), or null where unreadable. */
  serverSyscalls: number | null;
  /** Percent of one core used by this (generator) process. */
  generatorCpuPct: number;
  /** Percent of all cores busy, whoever used them: the bench, PostgreSQL, Redis and everyone else. */
  machineBusyPct: number;
}

/** Starts measuring now; the returned function ends the window. */
export function cpuWindow(serverPid: number): () => CpuWindow {
  const started = performance.now();
  const server = cpuSeconds(serverPid);
  const syscalls = ioSyscalls(serverPid);
  const own = process.cpuUsage();
  const machine = machineJiffies();
  return () => {
    const seconds = (performance.now() - started) / 1000;
    const ownUsed = process.cpuUsage(own);
    const machineNow = machineJiffies();
    const pct = (value: number) => Math.round(value * 1000) / 10;
    const serverUsed = cpuSeconds(serverPid) - server;
    const syscallsNow = ioSyscalls(serverPid);
    return {
      seconds: Math.round(seconds * 100) / 100,
      serverCpuSeconds: Math.round(serverUsed * 100) / 100,
      serverCpuPct: pct(serverUsed / seconds),
      serverSyscalls: syscalls === undefined || syscallsNow === undefined ? null : syscallsNow - syscalls,
      generatorCpuPct: pct((ownUsed.user + ownUsed.system) / 1e6 / seconds),
      machineBusyPct: pct((machineNow.busy - machine.busy) / Math.max(1, machineNow.total - machine.total)),
    };
  };
}
