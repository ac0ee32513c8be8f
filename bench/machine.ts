// How loaded the machine is while the bench runs: `uptime` at the start and end, and the 1-minute
// load average sampled throughout. Other people's work on the machine shows here.
import { execFileSync } from 'node:child_process';
import os from 'node:os';

export const uptime = (): string => {
  try {
    return execFileSync('uptime', { encoding: 'utf8' }).trim();
  } catch {
    return `load average: ${os.loadavg().map((value) => value.toFixed(2)).join(', ')}`;
  }
};

export interface LoadSampler {
  stop(): { samples: number; min: number; max: number; mean: number };
}

export function sampleLoad(everyMs = 5_000): LoadSampler {
  const samples: number[] = [os.loadavg()[0]!];
  const timer = setInterval(() => samples.push(os.loadavg()[0]!), everyMs).unref();
  return {
    stop() {
      clearInterval(timer);
      samples.push(os.loadavg()[0]!);
      const round = (value: number) => Math.round(value * 100) / 100;
      return {
        samples: samples.length,
        min: round(Math.min(...samples)),
        max: round(Math.max(...samples)),
        mean: round(samples.reduce((sum, value) => sum + value, 0) / samples.length),
      };
    },
  };
}
