// The two systems' ladders run step by step in turn, not one ladder after the other: the service at
// 250/s, then the baseline at 250/s, then the service at 500/s, and so on. This machine's speed drifts
// over minutes (PostgreSQL's commit latency, other tenants of the host): run a minute and a half
// apart, the two steps a ratio compares could meet different machines; in turn, they are seconds
// apart. The order is the same at every step, so that each system's step comes after one step of the
// other's, and each has been as long at rest (an ABBA order made the second system of one step the
// first of the next, so that one system started every other step after two of the other's, 30 s at
// rest, and what cools in 30 s then told against it). Each system's generator asks for a turn before
// each of its steps (load.ts); a system whose ladder ended (or whose generator failed) leaves, and the
// other goes on alone.
import type { SystemName } from './spec.ts';

interface Waiting {
  readonly step: number;
  readonly go: () => void;
}

export class Turns {
  readonly #systems: readonly SystemName[];
  readonly #present: Set<SystemName>;
  readonly #waiting = new Map<SystemName, Waiting>();
  readonly #asked = new Map<SystemName, PromiseWithResolvers<void>>();
  #running: SystemName | undefined;

  constructor(systems: readonly SystemName[]) {
    this.#systems = systems;
    this.#present = new Set(systems);
    for (const system of systems) this.#asked.set(system, Promise.withResolvers<void>());
  }

  /** Resolves once `system` has asked for its first turn: its sockets are connected and subscribed. */
  ready(system: SystemName): Promise<void> {
    return this.#asked.get(system)!.promise;
  }

  /** Resolves when `system` may run step `step` (from 1); asking again ends its previous turn. */
  take(system: SystemName, step: number): Promise<void> {
    if (this.#running === system) this.#running = undefined;
    this.#asked.get(system)!.resolve();
    return new Promise((go) => {
      this.#waiting.set(system, { step, go });
      this.#grant();
    });
  }

  /** `system` runs no more steps. */
  leave(system: SystemName): void {
    this.#present.delete(system);
    this.#waiting.delete(system);
    this.#asked.get(system)!.resolve();
    if (this.#running === system) this.#running = undefined;
    this.#grant();
  }

  /** The turn goes out once every system still present is waiting: the lowest step first, in the systems' order. */
  #grant(): void {
    if (this.#running !== undefined) return;
    if ([...this.#present].some((system) => !this.#waiting.has(system))) return;
    const rank = (system: SystemName) => this.#systems.indexOf(system);
    const next = [...this.#waiting].sort(([a, first], [b, second]) => first.step - second.step || rank(a) - rank(b))[0];
    if (!next) return;
    const [system, { go }] = next;
    this.#waiting.delete(system);
    this.#running = system;
    go();
  }
}
