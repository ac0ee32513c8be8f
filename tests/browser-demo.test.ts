// The browser demo (demo/, served at `/` in development) in a real headless Chromium driven by
// playwright-core: two users in two browser contexts sign in with development tokens, open their
// direct room, see each other online, scroll back through history, and see typing and messages live,
// the unread badge of the room list, and "seen by" under the newest message.
// The test builds the demo first (demo/build.ts, about 2 s) and writes test-results/browser-demo.png.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSchema, createYoga } from 'graphql-yoga';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { loadConfig } from '../src/config.ts';
import { useDemoPage } from '../src/server/http/use-demo-page.ts';
import { useDevTokens } from '../src/server/http/use-dev-tokens.ts';
import { createRoom, sendMessage } from './helpers/chat.ts';
import { startServer, stopAllServers, type TestServer } from './helpers/server.ts';
import { tokenFor, uniqueUserId, type TestUser } from './helpers/tokens.ts';

const CHROMIUM = '/usr/bin/chromium';
const root = fileURLToPath(new URL('..', import.meta.url));
const SCREENSHOT = join(root, 'test-results', 'browser-demo.png');
/** More than the page loads at once (25): the first messages come only by scrolling back. */
const HISTORY = 45;
const WAIT_MS = 10_000;

const describeWithChromium = existsSync(CHROMIUM)
  ? describe
  : (name: string, _body: () => void) =>
      describe(`${name} [SKIPPED: install chromium]`, () => {
        it.skip(`needs ${CHROMIUM} (apt-get install chromium)`, () => undefined);
      });

describeWithChromium('the browser demo, two users in Chromium', () => {
  let server: TestServer;
  let pageServer: Server | undefined;
  let pageUrl: string;
  let browser: Browser;
  let alice: TestUser;
  let bob: TestUser;
  let roomId: string;
  let aliceContext: BrowserContext;
  let bobContext: BrowserContext;
  let alicePage: Page;
  let bobPage: Page;

  beforeAll(async () => {
    await buildDemo();
    server = await startServer();
    if (await servesDemo(server.url)) {
      pageUrl = `${server.url}/`;
    } else {
      // The service does not serve the demo (its plugins are not in yoga.ts's list): the same plugins
      // run on a side server, the page there is pointed at the API, and the API admits its origin.
      const side = await startPageServer();
      pageServer = side.server;
      await server.stop();
      server = await startServer({ ALLOWED_ORIGINS: side.origin });
      pageUrl = `${side.origin}/?api=${encodeURIComponent(server.httpUrl)}`;
    }
    alice = { id: uniqueUserId('alice'), name: 'Alice', token: '' };
    bob = { id: uniqueUserId('bob'), name: 'Bob', token: '' };
    alice.token = await tokenFor(alice.id, { name: alice.name });
    roomId = (await createRoom(server, alice, [bob.id])).room.id;
    for (let i = 1; i <= HISTORY; i++) await sendMessage(server, alice, roomId, `history ${i}`);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    [aliceContext, bobContext] = await Promise.all([newContext(browser), newContext(browser)]);
    [alicePage, bobPage] = await Promise.all([aliceContext.newPage(), bobContext.newPage()]);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    if (pageServer) await new Promise((resolve) => pageServer!.close(resolve));
    await stopAllServers();
  });

  it('each user signs in with a development token, opens the direct room, and sees the other online', async () => {
    await Promise.all([signIn(alicePage, pageUrl, alice), signIn(bobPage, pageUrl, bob)]);
    // Alice opens the room by Bob's id (createRoom answers the existing one); Bob picks it from his list.
    await alicePage.fill('#open-direct [name=userId]', bob.id);
    await alicePage.click('#open-direct button');
    await alicePage.locator('#room-title', { hasText: 'Bob' }).waitFor();
    // Bob has read none of the history: his list says so; opening the room reads it.
    const bobBadge = bobPage.locator(`#rooms li[data-room-id="${roomId}"] .badge`);
    await bobPage.locator(`#rooms li[data-room-id="${roomId}"] .badge`, { hasText: String(HISTORY) }).waitFor();
    await bobPage.click(`#rooms li[data-room-id="${roomId}"]`);
    await bobBadge.waitFor({ state: 'detached' });
    await bobPage.locator('#room-title', { hasText: 'Alice' }).waitFor();
    await alicePage.locator(`#members li[data-user-id="${bob.id}"][data-status="online"]`).waitFor();
    await bobPage.locator(`#members li[data-user-id="${alice.id}"][data-status="online"]`).waitFor();
  }, 60_000);

  it('the newest messages show first, and scrolling to the top loads the older ones in order', async () => {
    await bobPage.locator(`#messages li[data-seq="${HISTORY}"]`).waitFor();
    expect(await bobPage.locator('#messages li[data-seq="1"]').count()).toBe(0);
    await bobPage.locator('#messages').evaluate((list) => list.scrollTo(0, 0));
    await bobPage.locator('#messages li[data-seq="1"]').waitFor();
    const seqs = await bobPage.locator('#messages li.message').evaluateAll((items) => items.map((item) => Number((item as HTMLElement).dataset.seq)));
    expect(seqs).toEqual(Array.from({ length: HISTORY }, (_, i) => i + 1));
  }, 60_000);

  it('typing shows on the other side, and messages arrive live both ways', async () => {
    await alicePage.locator('#composer [name=content]').pressSequentially('Hi Bob, are you there?', { delay: 20 });
    await bobPage.locator('#typing', { hasText: 'Alice is typing' }).waitFor();
    await alicePage.press('#composer [name=content]', 'Enter');
    await bobPage.locator('#messages li.message', { hasText: 'Hi Bob, are you there?' }).waitFor();
    // Bob's open room marks it read: Alice sees it under her message.
    await alicePage.locator('#seen-by', { hasText: 'Seen by Bob' }).waitFor();
    // Sending ends the typing at once, not 6 s later.
    await bobPage.waitForFunction(() => document.getElementById('typing')?.textContent === '', undefined, { timeout: 3000 });

    await bobPage.locator('#composer [name=content]').pressSequentially('Yes! Hello Alice', { delay: 20 });
    await alicePage.locator('#typing', { hasText: 'Bob is typing' }).waitFor();
    await bobPage.press('#composer [name=content]', 'Enter');
    await alicePage.locator('#messages li.message', { hasText: 'Yes! Hello Alice' }).waitFor();
    await bobPage.locator('#seen-by', { hasText: 'Seen by Alice' }).waitFor();

    // Carol writes to Alice in a room of their own: Alice's list shows it with its badge.
    const carol = { id: uniqueUserId('carol'), name: 'Carol', token: '' };
    carol.token = await tokenFor(carol.id, { name: carol.name });
    const carolRoom = (await createRoom(server, carol, [alice.id])).room.id;
    for (const content of ['Alice, got a minute?', 'It is about the demo']) await sendMessage(server, carol, carolRoom, content);
    await alicePage.locator(`#rooms li[data-room-id="${carolRoom}"] .badge`, { hasText: '2' }).waitFor();

    // For the picture: Alice types again, unsent, and Bob sees it.
    await alicePage.locator('#composer [name=content]').pressSequentially('Great, the demo works', { delay: 20 });
    await bobPage.locator('#typing', { hasText: 'Alice is typing' }).waitFor();
    await screenshotSideBySide(browser, [alicePage, bobPage], SCREENSHOT);
    expect((await stat(SCREENSHOT)).size).toBeGreaterThan(10_000);
  }, 60_000);

  it("when the other user leaves, their presence dot turns offline", async () => {
    await bobContext.close();
    await alicePage.locator(`#members li[data-user-id="${bob.id}"][data-status="offline"]`).waitFor();
  }, 60_000);
});

async function newContext(browser: Browser): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 900, height: 640 } });
  context.setDefaultTimeout(WAIT_MS);
  return context;
}

async function signIn(page: Page, url: string, user: TestUser): Promise<void> {
  await page.goto(url);
  await page.fill('#sign-in [name=userId]', user.id);
  await page.fill('#sign-in [name=name]', user.name);
  await page.click('#sign-in button');
  await page.locator('#whoami', { hasText: user.id }).waitFor();
  await page.locator('#connection[data-state="live"]').waitFor();
}

/** One picture of both users' windows, Alice's on the left. */
async function screenshotSideBySide(browser: Browser, pages: Page[], path: string): Promise<void> {
  const shots = await Promise.all(pages.map((page) => page.screenshot()));
  const context = await browser.newContext({ viewport: { width: 1820, height: 660 } });
  const page = await context.newPage();
  await page.setContent(
    `<body style="margin:0;display:flex;gap:20px;padding:10px;background:#7a8294">${shots
      .map((shot) => `<img style="box-shadow:0 2px 8px #0006" src="data:image/png;base64,${shot.toString('base64')}">`)
      .join('')}</body>`,
  );
  await mkdir(join(path, '..'), { recursive: true });
  await page.screenshot({ path });
  await context.close();
}

function buildDemo(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['demo/build.ts'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`demo build failed (${code}):\n${output}`))));
  });
}

async function servesDemo(url: string): Promise<boolean> {
  const response = await fetch(`${url}/`);
  return response.ok && (await response.text()).includes('<title>Chat API demo</title>');
}

/** The demo page and /dev/token, on a port of their own: the two plugins, on a Yoga with nothing else. */
async function startPageServer(): Promise<{ server: Server; origin: string }> {
  const jwt = loadConfig({ NODE_ENV: 'test' }).jwt;
  const yoga = createYoga({
    schema: createSchema({ typeDefs: 'type Query { unused: Boolean }' }),
    graphqlEndpoint: '/unused',
    landingPage: false,
    graphiql: false,
    plugins: [useDemoPage({ production: false }), useDevTokens({ production: false, jwt })],
  });
  const server = createServer(yoga);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}
