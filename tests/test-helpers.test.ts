// The test helpers' own promise: what a test opens through them is closed after it, whether or not
// the test closed it, and what a file opened before its tests stays open until the file ends.
import type { Client } from 'graphql-ws';
import { startServer, type TestServer } from './helpers/server.ts';
import { createUser, type TestUser } from './helpers/tokens.ts';
import { until } from './helpers/waits.ts';
import { collect, rawSocket, sendFrame, waitForFrame, withTimeout, wsClient } from './helpers/ws.ts';

let server: TestServer;
let alice: TestUser;
let openedBeforeTheTests: Client;

/** A graphql-ws client whose socket is open and acknowledged. */
async function connectedClient(): Promise<Client> {
  let connected!: () => void;
  const ready = new Promise<void>((resolve) => (connected = resolve));
  const client = wsClient(server.wsUrl, { token: alice.token, lazy: false, on: { connected: () => connected() } });
  await withTimeout(ready, "the client's connection_ack");
  return client;
}

beforeAll(async () => {
  server = await startServer();
  alice = await createUser('alice');
  openedBeforeTheTests = await connectedClient();
});

describe('what a test opens', () => {
  it('stays open during that test: a graphql-ws client and a raw socket, left open here', async () => {
    await connectedClient();
    const raw = rawSocket(server.wsUrl);
    await withTimeout(raw.opened, 'the raw socket to open');
    sendFrame(raw, { type: 'connection_init', payload: { authorization: `Bearer ${alice.token}` } });
    await waitForFrame(raw, (frame) => frame.type === 'connection_ack', 'connection_ack');
    expect(server.webSocket.sockets.size).toBe(3);
  });

  it('is closed after that test; what the file opened before its tests still answers', async () => {
    await until(() => server.webSocket.sockets.size === 1, "the server to see the last test's sockets closed");
    const me = collect<{ id: string }>(openedBeforeTheTests, '{ me { id } }');
    expect(await me.waitForCount(1)).toEqual([{ id: alice.id }]);
  });
});
