// Caps a process's CPU with a cgroup CPU quota (the kernel's CFS bandwidth control), so that a load
// generator on one core can offer more than the capped system sustains. cgroup v2 (cpu.max) where a
// v2 hierarchy has the cpu controller, else cgroup v1's cpu controller (cpu.cfs_quota_us), which is
// the same mechanism; without either (not root, a read-only /sys/fs/cgroup) the process runs uncapped
// and the report says so.
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const PERIOD_US = 100_000;

export interface CpuQuota {
  /** How the cap was applied ("cgroup v2 cpu.max 25000 100000"), or why it could not be. */
  readonly how: string;
  readonly applied: boolean;
  /** Moves the process back to the root group and removes the group. */
  release(): void;
}

interface Hierarchy {
  version: 1 | 2;
  root: string;
}

function hierarchy(): Hierarchy | undefined {
  for (const root of ['/sys/fs/cgroup', '/sys/fs/cgroup/unified']) {
    const controllers = join(root, 'cgroup.controllers');
    if (existsSync(controllers) && readFileSync(controllers, 'utf8').split(/\s+/).includes('cpu')) return { version: 2, root };
  }
  if (existsSync('/sys/fs/cgroup/cpu/cpu.cfs_quota_us')) return { version: 1, root: '/sys/fs/cgroup/cpu' };
  return undefined;
}

/** Caps `pid` at `percentOfCore` of one core, in a group named after `name`. */
export function capCpu(pid: number, percentOfCore: number, name: string): CpuQuota {
  const found = hierarchy();
  const uncapped = (why: string): CpuQuota => ({ how: `uncapped: ${why}`, applied: false, release: () => undefined });
  if (!found) return uncapped('no cgroup hierarchy with the cpu controller');
  const group = join(found.root, name);
  const quota = Math.round((PERIOD_US * percentOfCore) / 100);
  try {
    mkdirSync(group, { recursive: true });
    if (found.version === 2) {
      writeFileSync(join(group, 'cpu.max'), `${quota} ${PERIOD_US}`);
    } else {
      writeFileSync(join(group, 'cpu.cfs_period_us'), String(PERIOD_US));
      writeFileSync(join(group, 'cpu.cfs_quota_us'), String(quota));
    }
    writeFileSync(join(group, 'cgroup.procs'), String(pid));
  } catch (error) {
    return uncapped(`${(error as Error).message.split('\n')[0]}`);
  }
  const how = found.version === 2 ? `cgroup v2 cpu.max ${quota} ${PERIOD_US}` : `cgroup v1 cpu.cfs_quota_us ${quota} per cpu.cfs_period_us ${PERIOD_US}`;
  return {
    how: `${percentOfCore}% of a core (${how})`,
    applied: true,
    release() {
      try {
        writeFileSync(join(found.root, 'cgroup.procs'), String(pid));
      } catch {
        // The process has exited: the group is empty already.
      }
      try {
        rmdirSync(group);
      } catch {
        // Still busy or gone: left for the next run's name to differ.
      }
    },
  };
}
