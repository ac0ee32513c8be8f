// The sockets of a scenario: one per room member, each subscribed to its room, then proven live by
// a warm-up (a message per room until every subscriber has received one: graphql-ws has no
// "subscribed" acknowledgement, and a subscription not yet set up would miss messages).
import { benchContent, connect, type ChatClient } from './clients/client.ts';
import type { LoadSpec, RoomSeed } from './spec.ts';
import { tokenMinter } from './tokens.ts';

export interface Member {
  readonly userId: string;
  readonly room: number;
  readonly client: ChatClient;
}

export interface Fleet {
  readonly rooms: readonly RoomSeed[];
  readonly members: readonly Member[];
  /** Members of each room, by room index. */
  readonly byRoom: readonly Member[][];
  /** Where every member's deliveries go; replaced by whoever measures. */
  onDelivery: (member: number, sentAt: number, step: number, serial: number) => void;
  subscriptionFailures(): number;
  close(): Promise<void>;
}

const CONNECT_CONCURRENCY = 50;
const WARM_UP_TIMEOUT_MS = 120_000;

export async function connectFleet(spec: LoadSpec, rooms: readonly RoomSeed[]): Promise<Fleet> {
  const mint = tokenMinter(spec.secret);
  const wanted = rooms.flatMap((room, index) => room.members.map((userId) => ({ userId, room: index })));
  const members: Member[] = new Array(wanted.length);
  const byRoom: Member[][] = rooms.map(() => []);
  const fleet: Fleet = {
    rooms,
    members,
    byRoom,
    onDelivery: () => undefined,
    subscriptionFailures: () => members.reduce((sum, member) => sum + member.client.subscriptionFailures, 0),
    close: () => inBatches(members.length, 500, (i) => members[i]!.client.close()),
  };
  await inBatches(wanted.length, CONNECT_CONCURRENCY, async (i) => {
    const { userId, room } = wanted[i]!;
    const client = await connect(spec.system, spec.wsUrl, await mint(userId));
    client.onDelivery = (sentAt, step, serial) => fleet.onDelivery(i, sentAt, step, serial);
    client.subscribe(rooms[room]!.id);
    members[i] = { userId, room, client };
  });
  for (const member of members) byRoom[member.room]!.push(member);
  return fleet;
}

/** Sends warm-up messages (step 0) until each member has received one in its room. */
export async function warmUp(fleet: Fleet): Promise<{ ms: number; rounds: number }> {
  const started = performance.now();
  const waiting = new Set(fleet.members.map((_, i) => i));
  fleet.onDelivery = (member, _sentAt, step) => step === 0 && waiting.delete(member);
  let rounds = 0;
  while (waiting.size > 0) {
    if (performance.now() - started > WARM_UP_TIMEOUT_MS) {
      throw new Error(`warm-up: ${waiting.size} of ${fleet.members.length} subscriptions got nothing in ${WARM_UP_TIMEOUT_MS} ms`);
    }
    const rooms = [...new Set([...waiting].map((i) => fleet.members[i]!.room))];
    await inBatches(rooms.length, 100, async (i) => {
      const room = rooms[i]!;
      const outcome = await fleet.byRoom[room]![0]!.client.send(fleet.rooms[room]!.id, benchContent(0, room), `warm-${rounds}-${room}`);
      if (!outcome.ok) throw new Error(`warm-up send refused: ${outcome.error}`);
    });
    rounds++;
    for (let waited = 0; waited < 1_000 && waiting.size > 0; waited += 20) await sleep(20);
  }
  fleet.onDelivery = () => undefined;
  return { ms: Math.round(performance.now() - started), rounds };
}

/** Runs work(0 .. count-1) with at most `concurrency` at once. */
export async function inBatches(count: number, concurrency: number, work: (index: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await work(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
