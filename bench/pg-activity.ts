// What PostgreSQL is doing for the bench database while a system is measured: how many of its
// sessions are active, and on what they wait (sampled from pg_stat_activity). Shows when the
// database, not the server, is what limits a step (WAL flushes at commit, row locks on rooms.last_seq).
import type pg from 'pg';

export interface PgActivity {
  samples: number;
  /** Mean number of active sessions (the pool holds at most 10 per system). */
  activeMean: number;
  /** Share of active-session samples per wait event ("running" when waiting on nothing), in percent. */
  waits: Record<string, number>;
}

const EVERY_MS = 100;

export interface PgActivitySampler {
  /** Samples taken while paused are not counted: the other system's turn (turns.ts). */
  pause(): void;
  resume(): void;
  stop(): Promise<PgActivity>;
}

export function samplePgActivity(pool: pg.Pool, database: string): PgActivitySampler {
  const counts = new Map<string, number>();
  let samples = 0;
  let active = 0;
  let paused = false;
  let sampling: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    if (paused) return;
    sampling = pool
      .query<{ wait: string; n: number }>(
        `select coalesce(wait_event_type || ':' || wait_event, 'running') as wait, count(*)::int as n
         from pg_stat_activity where datname = $1 and state = 'active' and pid <> pg_backend_pid() group by 1`,
        [database],
      )
      .then(({ rows }) => {
        samples++;
        for (const { wait, n } of rows) {
          active += n;
          counts.set(wait, (counts.get(wait) ?? 0) + n);
        }
      })
      .catch(() => undefined);
  }, EVERY_MS);
  return {
    pause: () => (paused = true),
    resume: () => (paused = false),
    async stop() {
      clearInterval(timer);
      await sampling;
      const share = (n: number) => Math.round((n / Math.max(1, active)) * 1000) / 10;
      const waits = Object.fromEntries([...counts].sort((a, b) => b[1] - a[1]).map(([wait, n]) => [wait, share(n)]));
      return { samples, activeMean: Math.round((active / Math.max(1, samples)) * 100) / 100, waits };
    },
  };
}
