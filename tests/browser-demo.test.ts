// The browser demo (demo/, served at `/` in development) in a real headless Chromium driven by
// playwright-core: two users in two browser contexts sign in with development tokens, open their
// direct room, see each other online, scroll back through history, and see typing and messages live,
// the unread badge of the room list, and "seen by" under the newest message; then a group room with a
// title, and a refusal of what is not a user id; in it, through the room event log, an edit, a delete,
// reactions, a reply, and a member removed (whose view says so) and added back. The pages may reach only the service (no internet),
// and nothing they ask for fails (the favicon included).
// The test builds the demo first (demo/build.ts, about 2 s, as `npm start` does), checks that the
// service serves it (without Chromium too), and writes test-results/browser-demo*.png.
import { spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { describeWithChromium, iconsOf, launchChromium, pageProblems, screenshotSideBySide, serviceOnlyContext, waitUntilTextGone } from './helpers/browser.ts';
import { createRoom, sendMessage } from './helpers/chat.ts';
import { startServer, type TestServer } from './helpers/server.ts';
import { tokenFor, uniqueUserId, type TestUser } from './helpers/tokens.ts';
import { range } from './helpers/waits.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const SCREENSHOT = join(root, 'test-results', 'browser-demo.png');
const GROUP_SCREENSHOT = join(root, 'test-results', 'browser-demo-group.png');
const EVENTS_SCREENSHOT = join(root, 'test-results', 'browser-demo-events.png');
/** More than the page loads at once (25): the first messages come only by scrolling back. */
const HISTORY = 45;

let server: TestServer;

beforeAll(async () => {
  await buildDemo();
  server = await startServer();
}, 60_000);

it('the service serves the demo at /, with every asset the page loads', async () => {
  const page = await fetch(`${server.url}/`);
  const html = await page.text();
  expect([page.status, page.headers.get('content-type')]).toEqual([200, 'text/html; charset=utf-8']);
  expect(html).toContain('<title>Chat API demo</title>');
  const assets = [...html.matchAll(/(?:src|href)="\.?(\/assets\/[^"]+)"/g)].map((match) => match[1]!);
  expect(assets.length).toBeGreaterThan(0);
  for (const asset of assets) expect([asset, (await fetch(`${server.url}${asset}`)).status]).toEqual([asset, 200]);
});

describeWithChromium('the browser demo, two users in Chromium', () => {
  let browser: Browser;
  let alice: TestUser;
  let bob: TestUser;
  let roomId: string;
  let aliceContext: BrowserContext;
  let bobContext: BrowserContext;
  let alicePage: Page;
  let bobPage: Page;
  let profiles: Awaited<ReturnType<typeof serviceOnlyContext>>[];
  const problems: string[] = [];

  let pageUrl: string;

  beforeAll(async () => {
    pageUrl = `${server.url}/`;
    alice = { id: uniqueUserId('alice'), name: 'Alice', token: '' };
    bob = { id: uniqueUserId('bob'), name: 'Bob', token: '' };
    alice.token = await tokenFor(alice.id, { name: alice.name });
    roomId = (await createRoom(server, alice, [bob.id])).room.id;
    for (let i = 1; i <= HISTORY; i++) await sendMessage(server, alice, roomId, `history ${i}`);
    browser = await launchChromium();
    const origins = [new URL(pageUrl).origin, server.url];
    profiles = await Promise.all([serviceOnlyContext(browser, origins), serviceOnlyContext(browser, origins)]);
    [aliceContext, bobContext] = profiles.map((profile) => profile.context) as [BrowserContext, BrowserContext];
    [alicePage, bobPage] = await Promise.all([aliceContext.newPage(), bobContext.newPage()]);
    for (const page of [alicePage, bobPage]) problems.push(...pageProblems(page));
  }, 180_000);

  it('each user signs in with a development token, opens the direct room, and sees the other online', async () => {
    await Promise.all([signIn(alicePage, pageUrl, alice), signIn(bobPage, pageUrl, bob)]);
    // Alice opens the room by Bob's id (createRoom answers the existing one); Bob picks it from his list.
    await alicePage.fill('#open-room [name=userIds]', bob.id);
    await alicePage.click('#open-room button');
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
    expect(seqs).toEqual(range(1, HISTORY));
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

  it('a group room: ids separated by commas and a title; what is not a user id is refused with a message', async () => {
    const carolId = uniqueUserId('carol');
    await alicePage.fill('#open-room [name=userIds]', `${bob.id} ${carolId}`);
    await alicePage.click('#open-room button');
    await alicePage.locator('#status', { hasText: 'is not a user id' }).waitFor();
    await alicePage.locator('#room-title', { hasText: 'Bob' }).waitFor(); // still the direct room

    await alicePage.fill('#open-room [name=userIds]', `${bob.id}, ${carolId}`);
    await alicePage.fill('#open-room [name=title]', 'Weekend plans');
    await alicePage.click('#open-room button');
    await alicePage.locator('#room-title', { hasText: 'Weekend plans' }).waitFor();
    const members = await alicePage.locator('#members li').evaluateAll((items) => items.map((item) => (item as HTMLElement).dataset.userId).sort());
    expect(members).toEqual([bob.id, carolId].sort()); // the others; the list leaves out oneself
    expect(await alicePage.locator('#status').textContent()).toBe('');

    await alicePage.fill('#composer [name=content]', 'Who brings the tent?');
    await alicePage.press('#composer [name=content]', 'Enter');
    // Bob's list learns of the room from its first message, and he opens it.
    await bobPage.locator('#rooms li', { hasText: 'Weekend plans' }).click();
    await bobPage.locator('#messages li.message', { hasText: 'Who brings the tent?' }).waitFor();
    await screenshotSideBySide(browser, [alicePage, bobPage], GROUP_SCREENSHOT);
  }, 60_000);

  it('in the group room, edits, deletes, reactions, replies and membership changes show live on the other side', async () => {
    const message = (page: Page, text: string) => page.locator('#messages li.message', { hasText: text });
    const button = (page: Page, text: string, name: string) => message(page, text).getByRole('button', { name, exact: true });
    const reaction = (page: Page, text: string, emoji: string) => message(page, text).locator(`button.reaction[data-emoji="${emoji}"]`);

    // Alice edits her message: Bob sees the new text, marked edited.
    await button(alicePage, 'Who brings the tent?', 'Edit').click();
    await alicePage.locator('#compose-context', { hasText: 'Editing your message' }).waitFor();
    await alicePage.fill('#composer [name=content]', 'Who brings the tent and the stove?');
    await alicePage.press('#composer [name=content]', 'Enter');
    await message(bobPage, 'Who brings the tent and the stove?').locator('.meta', { hasText: 'edited' }).waitFor();

    // Reactions toggle: Bob's and Alice's 👍 count 2 on both sides; Bob takes his back: 1.
    await reaction(bobPage, 'the stove', '👍').click();
    await reaction(alicePage, 'the stove', '👍').filter({ hasText: '👍 1' }).waitFor();
    await reaction(alicePage, 'the stove', '👍').click();
    await reaction(bobPage, 'the stove', '👍').filter({ hasText: '👍 2' }).waitFor();
    await reaction(bobPage, 'the stove', '👍').click();
    await reaction(alicePage, 'the stove', '👍').filter({ hasText: '👍 1' }).waitFor();
    expect(await reaction(alicePage, 'the stove', '👍').getAttribute('aria-pressed')).toBe('true');
    await reaction(bobPage, 'the stove', '❤️').click();
    await reaction(alicePage, 'the stove', '❤️').filter({ hasText: '❤️ 1' }).waitFor();

    // Bob replies: Alice sees what it replies to.
    await button(bobPage, 'the stove', 'Reply').click();
    await bobPage.locator('#compose-context', { hasText: 'Replying to Alice: Who brings the tent and the stove?' }).waitFor();
    await bobPage.fill('#composer [name=content]', 'I bring the tent');
    await bobPage.press('#composer [name=content]', 'Enter');
    await message(alicePage, 'I bring the tent').locator('.reply-to', { hasText: 'Alice: Who brings the tent and the stove?' }).waitFor();

    // Alice deletes a message sent to the wrong room: Bob sees a tombstone, and its text is gone from his
    // page (the room list's preview of the newest message included).
    await alicePage.fill('#composer [name=content]', 'Oops, wrong room: my door code is 4711');
    await alicePage.press('#composer [name=content]', 'Enter');
    await message(bobPage, 'my door code is 4711').waitFor();
    await button(alicePage, 'my door code is 4711', 'Delete').click();
    await bobPage.locator('#messages li.message.deleted', { hasText: 'message deleted' }).waitFor();
    await waitUntilTextGone(bobPage, '4711');

    // Alice, the owner, removes Bob: his view says so and offers no composer; Alice's member list drops him.
    await alicePage.locator(`#members li[data-user-id="${bob.id}"] button.remove`).click();
    await bobPage.locator('#room-notice', { hasText: 'You were removed from this room by Alice.' }).waitFor();
    await bobPage.locator('#composer').waitFor({ state: 'hidden' });
    await alicePage.locator(`#members li[data-user-id="${bob.id}"]`).waitFor({ state: 'detached' });
    expect(await bobPage.locator('#status').textContent()).toBe('');
    await screenshotSideBySide(browser, [alicePage, bobPage], EVENTS_SCREENSHOT);

    // Alice adds him back; he opens the room again and sees it as it is now.
    await alicePage.fill('#add-member [name=userId]', bob.id);
    await alicePage.click('#add-member button');
    await alicePage.locator(`#members li[data-user-id="${bob.id}"]`).waitFor();
    await bobPage.locator('#rooms li', { hasText: 'Weekend plans' }).click();
    await bobPage.locator('#room-notice').waitFor({ state: 'hidden' });
    await message(bobPage, 'I bring the tent').locator('.reply-to', { hasText: 'Alice: Who brings the tent and the stove?' }).waitFor();
    await reaction(bobPage, 'the stove', '👍').filter({ hasText: '👍 1' }).waitFor();
    await bobPage.locator('#composer').waitFor();
  }, 60_000);

  it("when the other user leaves, their presence dot turns offline", async () => {
    // Both are in the group room now.
    await alicePage.locator(`#members li[data-user-id="${bob.id}"][data-status="online"]`).waitFor();
    await bobContext.close();
    await alicePage.locator(`#members li[data-user-id="${bob.id}"][data-status="offline"]`).waitFor();
  }, 60_000);

  it('asked for nothing outside the service, nothing failed, and its icon is there', async () => {
    const origin = new URL(alicePage.url()).origin;
    expect(await iconsOf(alicePage)).toEqual([`${origin}/favicon.svg 200`, `${origin}/favicon.ico 200`]);
    expect(profiles.flatMap((profile) => profile.refused)).toEqual([]);
    expect(problems).toEqual([]);
  });
});

async function signIn(page: Page, url: string, user: TestUser): Promise<void> {
  await page.goto(url);
  await page.fill('#sign-in [name=userId]', user.id);
  await page.fill('#sign-in [name=name]', user.name);
  await page.click('#sign-in button');
  await page.locator('#whoami', { hasText: user.id }).waitFor();
  await page.locator('#connection[data-state="live"]').waitFor();
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
