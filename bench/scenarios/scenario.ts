// What a scenario is: rooms seeded by SQL in both systems' tables (by run.ts), then driven over
// sockets by a load generator process (load.ts), once per system.
import type pg from 'pg';
import type { LoadSpec, Plan, SystemName } from '../spec.ts';

export interface Scenario {
  /** One line for the report's heading. */
  describe(plan: Plan): string;
  /** Seeds the service's tables (schema public) and the baseline's; returns what the report should show. */
  seed(pool: pg.Pool, tag: string, plan: Plan): Promise<Record<string, unknown>>;
  /** Runs in the generator process against spec.system; returns the figures (JSON). A ladder takes a turn before each step. */
  drive(spec: LoadSpec, log: (line: string) => void, takeTurn: (step: number) => Promise<void>): Promise<Record<string, unknown>>;
  /** Its steps run in turn with the other system's (turns.ts). */
  readonly inTurns?: boolean;
  /** Each system's CPU is capped at this percent of a core while the scenario drives it (cpu-quota.ts). */
  cpuPercent?(plan: Plan): number;
  /** Each system runs under valgrind's callgrind, which counts its instructions step by step (callgrind.ts). */
  readonly underCallgrind?: boolean;
  /** Reads back, after the drive, what the system stored; merged into its figures. */
  verify?(pool: pg.Pool, tag: string, system: SystemName, plan: Plan): Promise<Record<string, unknown>>;
}

export const SCHEMAS = ['public', 'baseline'] as const;
