// What the orchestrator (run.ts) and the load generator (load.ts) agree on: the systems, the plan of
// each scenario, the spec handed to a generator process, and the deterministic ids both derive.

export type SystemName = 'service' | 'baseline';
export const SYSTEMS: readonly SystemName[] = ['service', 'baseline'];

export type ScenarioName = 'direct' | 'group' | 'mixed' | 'idle' | 'history' | 'overload' | 'room-list' | 'instructions' | 'instructions-group';
export const SCENARIOS: readonly ScenarioName[] = ['direct', 'group', 'mixed', 'idle', 'history', 'overload', 'room-list', 'instructions', 'instructions-group'];
/** Run only when asked for by name (--only): not part of a full run or of --quick. */
export const ON_REQUEST: readonly ScenarioName[] = ['instructions', 'instructions-group'];

/** Open-loop steps: each offered rate is held for `stepSeconds`, then deliveries may trail for `drainSeconds`. */
export interface LadderPlan {
  rates: number[];
  stepSeconds: number;
  drainSeconds: number;
  pauseSeconds: number;
  /** Steps that only warm the code up: left out of the instruction counts, and a saturated one does not end the ladder. */
  warmUpSteps?: number;
}

export interface DirectPlan extends LadderPlan {
  rooms: number;
}

export interface GroupPlan extends LadderPlan {
  members: number;
}

export interface IdlePlan {
  /** Sockets, one subscription each: members of sockets / 2 direct rooms. */
  sockets: number;
  /** After the sockets are ready, before measuring: lets the set-up's garbage and timers settle. */
  settleSeconds: number;
  restSeconds: number;
}

export interface HistoryPlan {
  rooms: number;
  perRoom: number;
  seconds: number;
  /** Unmeasured paging first, so that both systems are measured warm. */
  warmSeconds: number;
  /** Sockets paging at once, each waiting for its page before asking the next (closed loop). */
  concurrency: number;
  pageSize: number;
}

/** An offered rate over what the system sustains, then a normal one, each for `phaseSeconds`. */
export interface OverloadPhases {
  overRate: number;
  normalRate: number;
}

export interface OverloadPlan {
  /** The systems' CPU cap, in percent of one core (cpu-quota.ts): what the generator's core can outrun. */
  cpuPercent: number;
  phaseSeconds: number;
  drainSeconds: number;
  direct: OverloadPhases & { rooms: number };
  group: OverloadPhases & { members: number };
}

export interface RoomListPlan {
  /** The reader's rooms, half direct and half groups of five; all of them in each list. */
  rooms: number;
  perRoom: number;
  /** Messages the reader has not read in each of half the rooms (the other half are read to the end). */
  unreadPerRoom: number;
  seconds: number;
  warmSeconds: number;
  /** Sockets asking for the list at once, each waiting for its answer before asking again (closed loop). */
  concurrency: number;
}

export interface Plan {
  quick: boolean;
  /**
   * A fresh server process for each scenario (clean memory for idle; the systems take turns
   * scenario by scenario, so that the machine's other load falls on both alike), or one per system
   * for the whole run (--quick, where start-up time would dominate).
   */
  freshServerPerScenario: boolean;
  direct: DirectPlan;
  group: GroupPlan;
  /** Direct rooms as in direct; of every ten writes, one an edit and two reactions. */
  mixed: DirectPlan;
  idle: IdlePlan;
  history: HistoryPlan;
  overload: OverloadPlan;
  roomList: RoomListPlan;
  /** Direct rooms under callgrind: what a send costs. */
  instructions: DirectPlan;
  /** One group room under callgrind: what a delivery costs. */
  instructionsGroup: GroupPlan;
}

/** Everything one generator process needs; passed as JSON in argv. */
export interface LoadSpec {
  system: SystemName;
  scenario: ScenarioName;
  wsUrl: string;
  /** The server process, whose CPU and memory the generator samples from /proc. */
  serverPid: number;
  /** HS256 secret both systems verify tokens with. */
  secret: string;
  /** Per run: keeps room ids, user ids and Redis channels apart from any other run. */
  tag: string;
  plan: Plan;
  /** The generator asks run.ts for a turn before each step of a ladder (turns.ts). */
  turns?: boolean;
  /** The server runs under callgrind: each step counts its instructions (callgrind.ts). */
  underCallgrind?: boolean;
}

/** A room a scenario seeds in both systems' tables before driving them. */
export interface RoomSeed {
  id: string;
  kind: 'DIRECT' | 'GROUP';
  members: string[];
}

const SCENARIO_CODES: Record<ScenarioName, number> = { direct: 1, group: 2, idle: 3, history: 4, overload: 5, 'room-list': 6, mixed: 7, instructions: 8, 'instructions-group': 9 };

/** A valid UUID derived from the run tag, the scenario and an index, so both processes compute the same. */
export function roomId(tag: string, scenario: ScenarioName, index: number): string {
  const code = SCENARIO_CODES[scenario].toString(16).padStart(2, '0');
  return `${tag}-0000-4000-8000-${code}${index.toString(16).padStart(10, '0')}`;
}

export function userId(tag: string, scenario: ScenarioName, label: string | number): string {
  return `bench-${tag}-${scenario}-${label}`;
}

/** The members of `count` direct rooms: room i holds users `${i}a` and `${i}b`. */
export function directRooms(tag: string, scenario: ScenarioName, count: number): RoomSeed[] {
  return Array.from({ length: count }, (_, index) => ({
    id: roomId(tag, scenario, index),
    kind: 'DIRECT' as const,
    members: [userId(tag, scenario, `${index}a`), userId(tag, scenario, `${index}b`)],
  }));
}
