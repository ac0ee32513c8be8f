// Stored history: rooms full of messages (inserted with generate_series), paged backwards 50 at a
// time (`messages(last: 50, before:)`, each page's cursor taken from the one before) by a few sockets
// in a closed loop. The seed also records EXPLAIN ANALYZE of the page query.
import { connect, type ChatClient } from '../clients/client.ts';
import { inBatches } from '../fleet.ts';
import { Samples } from '../latency.ts';
import { cpuWindow } from '../proc-stats.ts';
import { explainPage, seedHistory, seedRooms } from '../seed.ts';
import { roomId, userId, type RoomSeed } from '../spec.ts';
import { tokenMinter } from '../tokens.ts';
import { SCHEMAS, type Scenario } from './scenario.ts';

const reader = (tag: string) => userId(tag, 'history', 'reader');
const historyRooms = (tag: string, count: number): RoomSeed[] =>
  Array.from({ length: count }, (_, i) => ({ id: roomId(tag, 'history', i), kind: 'DIRECT', members: [reader(tag), userId(tag, 'history', i)] }));

export const history: Scenario = {
  describe: ({ history: plan }) =>
    `${(plan.rooms * plan.perRoom).toLocaleString('en')} stored messages in ${plan.rooms} rooms; ${plan.concurrency} sockets page ` +
    `last: ${plan.pageSize}, before: (closed loop) for ${plan.seconds} s`,
  async seed(pool, tag, plan) {
    const { rooms, perRoom, pageSize } = plan.history;
    const seeded = historyRooms(tag, rooms);
    const started = performance.now();
    for (const schema of SCHEMAS) {
      await seedRooms(pool, schema, seeded);
      await seedHistory(pool, schema, seeded, perRoom);
    }
    const seedSeconds = Math.round((performance.now() - started) / 100) / 10;
    const room = seeded[Math.floor(rooms / 2)]!.id;
    const before = Math.floor(perRoom / 2);
    const explain: Record<string, string> = {};
    for (const schema of SCHEMAS) {
      await explainPage(pool, schema, room, before, pageSize);
      explain[schema === 'public' ? 'service' : 'baseline'] = await explainPage(pool, schema, room, before, pageSize);
    }
    return { rows: rooms * perRoom, seedSeconds, explain };
  },
  async drive(spec, log) {
    const plan = spec.plan.history;
    const rooms = historyRooms(spec.tag, plan.rooms);
    const token = await tokenMinter(spec.secret)(reader(spec.tag));
    const clients: ChatClient[] = [];
    await inBatches(plan.concurrency, plan.concurrency, async () => clients.push(await connect(spec.system, spec.wsUrl, token)));
    await pageFor(clients, rooms, plan.pageSize, plan.warmSeconds, new Samples());
    const samples = new Samples();
    const cpu = cpuWindow(spec.serverPid);
    const { pages, errors, shortPages } = await pageFor(clients, rooms, plan.pageSize, plan.seconds, samples);
    const cpuUsed = cpu();
    await Promise.all(clients.map((client) => client.close()));
    const latencyMs = samples.summary();
    log(`${pages} pages, p50 ${latencyMs.p50} ms, p99 ${latencyMs.p99} ms, errors ${errors}`);
    return { pages, pagesPerSecond: Math.round(pages / plan.seconds), errors, shortPages, latencyMs, cpu: cpuUsed };
  },
};

/** Each client walks a random room backwards, page by page, then another, until the time is up. */
async function pageFor(clients: ChatClient[], rooms: RoomSeed[], pageSize: number, seconds: number, samples: Samples) {
  const until = performance.now() + seconds * 1000;
  let pages = 0;
  let errors = 0;
  let shortPages = 0;
  await Promise.all(
    clients.map(async (client) => {
      while (performance.now() < until) {
        const room = rooms[Math.floor(Math.random() * rooms.length)]!;
        let previous: string | undefined;
        do {
          const started = performance.now();
          try {
            const page = await client.page(room.id, previous, pageSize);
            samples.add(performance.now() - started);
            pages++;
            if (page.count !== pageSize) shortPages++;
            previous = page.previous;
          } catch {
            errors++;
            previous = undefined;
          }
        } while (previous !== undefined && performance.now() < until);
      }
    }),
  );
  return { pages, errors, shortPages };
}
