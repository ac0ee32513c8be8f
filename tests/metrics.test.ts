// GET /metrics: Prometheus text with every documented metric, moving as the chat happens.
import { createRoom, sendMessage, waitUntilOnline } from './helpers/chat.ts';
import { graphqlHttp } from './helpers/http.ts';
import { startServer, type TestServer } from './helpers/server.ts';
import { createUser } from './helpers/tokens.ts';
import { collect, wsClient } from './helpers/ws.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});

async function scrape(): Promise<string> {
  const response = await fetch(`${server.url}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/plain');
  return response.text();
}

/** The value of one sample line, e.g. metric('chat_messages_sent_total'). */
const sample = (text: string, series: string) => {
  const line = text.split('\n').find((each) => each.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

it('counts sockets, subscriptions by field, messages, delivery latency, errors by code and pub-sub traffic', async () => {
  const [alice, bob] = await Promise.all([createUser('alice'), createUser('bob')]);
  const room = (await createRoom(server, alice, [bob.id])).room.id;
  const client = wsClient(server.wsUrl, { token: bob.token });
  const feed = collect(client, 'subscription($r: ID!) { messageAdded(roomId: $r) { seq } }', { r: room });
  const typing = collect(client, 'subscription($r: ID!) { typing(roomId: $r) { userId } }', { r: room });
  await waitUntilOnline(server, alice, room, bob.id);
  for (const i of [1, 2, 3]) await sendMessage(server, alice, room, `hello ${i}`);
  await feed.waitForCount(3);
  await graphqlHttp(server.httpUrl, alice.token, '{ room(id: "00000000-0000-4000-8000-000000000000") { id } }');

  const text = await scrape();
  expect(sample(text, 'chat_websocket_open_sockets')).toBe(1);
  expect(sample(text, 'chat_subscriptions_active{field="messageAdded"}')).toBe(1);
  expect(sample(text, 'chat_subscriptions_active{field="typing"}')).toBe(1);
  expect(sample(text, 'chat_messages_sent_total')).toBeGreaterThanOrEqual(3);
  expect(sample(text, 'chat_message_delivery_seconds_count')).toBeGreaterThanOrEqual(3);
  expect(sample(text, 'chat_operation_errors_total{code="NOT_FOUND"}')).toBeGreaterThanOrEqual(1);
  expect(sample(text, 'chat_pubsub_published_total{topic="events"}')).toBeGreaterThanOrEqual(3);
  expect(sample(text, 'chat_pubsub_received_total{topic="events"}')).toBeGreaterThanOrEqual(3);
  expect(text).toContain('chat_process_resident_memory_bytes');
  expect(text).toContain('chat_nodejs_eventloop_lag_seconds');

  feed.dispose();
  typing.dispose();
  await client.dispose();
});
