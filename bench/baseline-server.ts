// The bench's point of comparison: a minimal `ws` chat server doing the service's durable work with
// no GraphQL and no ORM. JSON frames: auth (the same JWT), subscribe to a room (membership checked),
// send (the service's own statements and group commit from src/db/, on the baseline schema's copy of
// the tables), publish on Redis, and on each Redis message one pre-serialised frame to the room's sockets.
// Also a history page (membership check + the same page query), and edits and reactions
// (baseline-changes.ts: the same writes under the room lock, the event published). Run by bench/run.ts as
// `node bench/baseline-server.ts` with DATABASE_URL, REDIS_URL, JWT_SECRET, HOST, PORT.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { jwtVerify } from 'jose';
import { Redis } from 'ioredis';
import pg from 'pg';
import { WebSocketServer, WebSocket } from 'ws';
import { createBatcher } from '../src/db/batcher.ts';
import { SEND_BATCHING, storeMessages, type NewMessage } from '../src/db/messages-store.ts';
import { runPrepared, type RunStatement } from '../src/db/prepared.ts';
import { changeMessage } from './baseline-changes.ts';
import { BASELINE_SCHEMA } from './baseline-schema.ts';

const { DATABASE_URL, REDIS_URL, JWT_SECRET, HOST = '127.0.0.1', PORT = '0' } = process.env;
if (!DATABASE_URL || !REDIS_URL || !JWT_SECRET) throw new Error('DATABASE_URL, REDIS_URL and JWT_SECRET are required');

/** The service's pool (src/db/orm.ts): 10 connections, kept open through quiet spells. */
const pool = new pg.Pool({ connectionString: DATABASE_URL, min: 10, max: 10, options: `-c search_path=${BASELINE_SCHEMA}` });
const publisher = new Redis(REDIS_URL);
const subscriber = new Redis(REDIS_URL);
const key = new TextEncoder().encode(JWT_SECRET);
/** The service's keep-alive (src/server/ws/ws-transport.ts), so that sockets at rest cost the same pings. */
const KEEP_ALIVE_MS = 12_000;

const CHANNEL_PREFIX = 'baseline:room:';
/** A room's change events: published as the service publishes roomEvents, to whoever listens (no bench socket does). */
const EVENTS_PREFIX = 'baseline:events:';
const local = new Map<string, Set<WebSocket>>();
const channels = new Map<string, Promise<unknown>>();

const COLUMNS = `id::text as id, room_id as "roomId", seq, sender_id as "senderId", sender_name as "senderName",
  content, client_message_id as "clientMessageId", created_at as "createdAt"`;
type Row = { seq: number; createdAt: Date | string } & Record<string, unknown>;

subscriber.on('message', (channel: string, raw: string) => {
  const roomId = channel.slice(CHANNEL_PREFIX.length);
  const sockets = local.get(roomId);
  if (!sockets) return;
  const frame = Buffer.from(`{"type":"message","roomId":"${roomId}","message":${raw}}`);
  for (const socket of sockets) if (socket.readyState === WebSocket.OPEN) socket.send(frame, { binary: false });
});

interface Session {
  userId?: string;
  userName: string | null;
  rooms: Set<string>;
}
type Frame = {
  type?: string;
  id?: unknown;
  token?: string;
  roomId?: string;
  messageId?: string;
  content?: string;
  emoji?: string;
  added?: boolean;
  clientMessageId?: string | null;
  beforeSeq?: number;
  last?: number;
};

/** Every statement is a named prepared statement, as the service's hot ones are: parsed once per connection. */
const query = <R extends pg.QueryResultRow = pg.QueryResultRow>(name: string, text: string, values: unknown[]) =>
  pool.query<R>({ name, text, values });

async function handle(socket: WebSocket, session: Session, frame: Frame): Promise<object | undefined> {
  if (frame.type === 'auth') {
    const { payload } = await jwtVerify(String(frame.token), key, { algorithms: ['HS256'] });
    session.userId = String(payload.sub);
    session.userName = typeof payload.name === 'string' ? payload.name : null;
    await query(
      'baseline_upsert_user',
      `insert into users (id, name) values ($1, $2) on conflict (id) do update set name = excluded.name, updated_at = now()
       where users.name is distinct from excluded.name`,
      [session.userId, session.userName],
    );
    return { type: 'ready' };
  }
  const userId = session.userId;
  if (!userId) return void socket.close(4401, 'Unauthorized');
  if (frame.type === 'edit' || frame.type === 'react') {
    const change =
      frame.type === 'edit' ? { kind: 'edit' as const, content: String(frame.content) } : { kind: 'react' as const, emoji: String(frame.emoji), added: Boolean(frame.added) };
    const changed = await changeMessage(pool, userId, String(frame.messageId), change);
    if (changed) await publisher.publish(EVENTS_PREFIX + changed.roomId, JSON.stringify({ eventSeq: changed.eventSeq, actorId: userId, message: changed.message }));
    return { type: 'changed', id: frame.id };
  }
  const roomId = String(frame.roomId);
  if (frame.type === 'send') return { type: 'sent', id: frame.id, ...(await send(roomId, userId, session.userName, frame)) };
  if (!(await isMember(roomId, userId))) throw new Error(`not a member of ${roomId}`);
  if (frame.type === 'subscribe') {
    const sockets = local.get(roomId) ?? new Set<WebSocket>();
    local.set(roomId, sockets.add(socket));
    session.rooms.add(roomId);
    if (!channels.has(roomId)) channels.set(roomId, subscriber.subscribe(CHANNEL_PREFIX + roomId));
    await channels.get(roomId);
    return { type: 'subscribed', roomId };
  }
  if (frame.type === 'history') {
    const last = Math.min(Number(frame.last ?? 50), 100);
    const { rows } = await query<Row>(
      'baseline_page',
      `select ${COLUMNS} from messages where room_id = $1 and seq > $2 and seq < $3 order by seq desc limit $4`,
      [roomId, 0, frame.beforeSeq ?? 2147483647, last + 1],
    );
    const page = rows.slice(0, last).reverse().map((row) => ({ ...row, createdAt: new Date(row.createdAt).toISOString() }));
    return { type: 'page', id: frame.id, messages: page, hasPrevious: rows.length > last };
  }
  throw new Error(`unknown frame type ${frame.type}`);
}

async function isMember(roomId: string, userId: string): Promise<boolean> {
  const { rowCount } = await query('baseline_is_member', 'select 1 from room_members where room_id = $1 and user_id = $2', [roomId, userId]);
  return rowCount === 1;
}

/** Named prepared statements on this pool, as the service runs its hot ones. */
const run: RunStatement = (statement, values) => runPrepared(pool, statement, values);
/** The service's send statements and group commit, so that it stays the ceiling: sends waiting together are stored in one statement. */
const store = createBatcher((messages: NewMessage[]) => storeMessages(run, messages), { ...SEND_BATCHING, maxQueued: Number.POSITIVE_INFINITY });

async function send(roomId: string, userId: string, userName: string | null, frame: Frame): Promise<{ seq: number; messageId: string }> {
  const clientMessageId = frame.clientMessageId ?? null;
  const result = await store({ roomId, senderId: userId, senderName: userName, content: String(frame.content), clientMessageId, replyToId: null });
  if (result.outcome === 'not-a-member') throw new Error(`not a member of ${roomId}`);
  if (result.outcome === 'stored') await publisher.publish(CHANNEL_PREFIX + roomId, JSON.stringify(result.message));
  return { seq: result.message.seq, messageId: result.message.id };
}

function leave(socket: WebSocket, session: Session): void {
  for (const roomId of session.rooms) {
    const sockets = local.get(roomId);
    sockets?.delete(socket);
    if (sockets?.size === 0) {
      local.delete(roomId);
      channels.delete(roomId);
      void subscriber.unsubscribe(CHANNEL_PREFIX + roomId);
    }
  }
}

const httpServer = createServer((_request, response) => response.writeHead(426).end('WebSocket only'));
const wss = new WebSocketServer({ server: httpServer, maxPayload: 65_536 });
wss.on('connection', (socket) => {
  const session: Session = { userName: null, rooms: new Set() };
  let alive = true;
  socket.on('pong', () => (alive = true));
  const keepAlive = setInterval(() => {
    if (!alive) return socket.terminate();
    alive = false;
    socket.ping();
  }, KEEP_ALIVE_MS);
  socket.on('message', (data) => {
    let frame: Frame;
    try {
      frame = JSON.parse(String(data)) as Frame;
    } catch {
      return socket.close(4400, 'Not JSON');
    }
    handle(socket, session, frame).then(
      (answer) => answer && socket.send(JSON.stringify(answer)),
      (error: unknown) => socket.send(JSON.stringify({ type: 'error', id: frame.id, message: String(error) })),
    );
  });
  socket.on('close', () => {
    clearInterval(keepAlive);
    leave(socket, session);
  });
});

httpServer.listen(Number(PORT), HOST, () => {
  console.log(`baseline listening on ws://${HOST}:${(httpServer.address() as AddressInfo).port}/`);
});

const stop = async () => {
  setTimeout(() => process.exit(1), 5_000).unref();
  for (const socket of wss.clients) socket.close(1001, 'Server shutting down');
  httpServer.close();
  await pool.end();
  publisher.disconnect();
  subscriber.disconnect();
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
