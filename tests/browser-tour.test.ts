// The README's one-minute tour, as written, in headless Chromium with no network but the service:
// GraphiQL renders from the service alone, shows the project's first screen and its schema docs
// without a token, and two users (two browser profiles) walk the tour's operations, taken from the
// README itself: names, the direct room, a subscription over server-sent events, sends seen live,
// presence. Then the whole tour once more, as a newcomer repeating it would. Writes
// test-results/browser-tour-*.png and the timings to test-results/browser-tour.json.
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Kind, parse } from 'graphql';
import type { Browser, Page } from 'playwright-core';
import { schema } from '../src/schema/index.ts';
import { EXAMPLE_OPERATIONS } from '../src/server/graphql/graphiql.ts';
import { describeWithChromium, iconsOf, launchChromium, pageProblems, screenshotSideBySide, serviceOnlyContext } from './helpers/browser.ts';
import { startServer, stopAllServers, type TestServer } from './helpers/server.ts';
import { uniqueUserId } from './helpers/tokens.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const RESULTS = join(root, 'test-results');

/** The ```graphql blocks of the README's tour, in order. */
async function tourOperations(): Promise<string[]> {
  const readme = await readFile(join(root, 'README.md'), 'utf8');
  const start = readme.indexOf('## A one-minute tour');
  const tour = readme.slice(start, readme.indexOf('\n## ', start + 1));
  return [...tour.matchAll(/```graphql\n([\s\S]*?)```/g)].map((match) => match[1]!.replace(/^ +/gm, '').trim());
}

/** A token as the tour gets it: `npm run -s token -- <id> <name>`, captured (the token alone). */
async function tokenFromScript(userId: string, name: string): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, ['scripts/mint-token.ts', userId, name], { cwd: root });
  return stdout.trim();
}

/** GraphiQL's editors (Monaco) and result pane, driven as a user does: click, select all, type. */
class GraphiQL {
  readonly page: Page;

  constructor(page: Page) {
    this.page = page;
  }

  async open(url: string): Promise<void> {
    await this.page.goto(url);
    await this.page.locator('.graphiql-query-editor .monaco-editor').waitFor({ timeout: 30_000 });
  }

  async setHeaders(text: string): Promise<void> {
    await this.page.getByRole('button', { name: 'Headers' }).click();
    await this.#replace(this.page.locator('.graphiql-editor-tool .monaco-editor:visible').first(), text);
  }

  /** Replaces the editor's content with `operation` and runs it with the keyboard (Ctrl-Enter). */
  async run(operation: string): Promise<void> {
    await this.#replace(this.page.locator('.graphiql-query-editor .monaco-editor'), operation);
    // GraphiQL reads the operation's name from the editor a moment later (its tab shows it): a run
    // before that would send the name of the operation that was there before.
    const label = /^(?:query|mutation|subscription)\s+(\w+)/.exec(operation)?.[1] ?? '<untitled>';
    await this.page.waitForFunction((expected) => document.querySelector('.graphiql-tab-active .graphiql-tab-button')?.textContent?.trim() === expected, label);
    await this.page.keyboard.press('Control+Enter');
  }

  /** Runs the editor's operation again until its result satisfies `done`, as a user re-running a query does. */
  async runUntil(done: (result: string) => boolean, what: string, attempts = 50): Promise<void> {
    for (let attempt = 1; !done(await this.textOf('.graphiql-response')); attempt++) {
      if (attempt > attempts) throw new Error(`${what}: not after ${attempts} runs; the result pane shows ${await this.textOf('.graphiql-response')}`);
      const previous = await this.textOf('.graphiql-response');
      await this.page.locator('.graphiql-query-editor .monaco-editor').click();
      await this.page.keyboard.press('Control+Enter');
      // The pane changes when the answer comes (or stays the same answer: then the next run asks again).
      await this.page
        .waitForFunction((shown) => document.querySelector('.graphiql-response')?.textContent?.replace(/\u00a0/g, ' ') !== shown, previous, { timeout: 1000 })
        .catch(() => undefined);
    }
  }

  /** The text an editor or pane shows (Monaco draws spaces as no-break spaces). */
  async textOf(selector: string): Promise<string> {
    return (await this.page.locator(selector).first().innerText()).replace(/\u00a0/g, ' ');
  }

  /** Waits until the result pane shows `text`; answers the whole pane. */
  async resultShowing(text: string, timeout = 10_000): Promise<string> {
    await this.page.waitForFunction(
      (expected) => document.querySelector('.graphiql-response')?.textContent?.replace(/\u00a0/g, ' ').includes(expected),
      text,
      { timeout },
    ).catch(async (error: Error) => {
      await this.page.screenshot({ path: join(RESULTS, `browser-tour-failed-${Date.now()}.png`) });
      throw new Error(`the result pane never showed ${text}; it shows: ${await this.textOf('.graphiql-response')}\n${error.message}`);
    });
    return this.textOf('.graphiql-response');
  }

  async #replace(editor: ReturnType<Page['locator']>, text: string): Promise<void> {
    await editor.click();
    await this.page.keyboard.press('Control+A');
    await this.page.keyboard.press('Delete');
    await this.page.keyboard.insertText(text);
  }
}

describeWithChromium('the README tour in GraphiQL, offline, in Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  const timings: Record<string, number> = {};
  let profiles: Awaited<ReturnType<typeof serviceOnlyContext>>[];
  const refused = () => profiles.flatMap((profile) => profile.refused);
  const problems: string[] = [];
  let alice: GraphiQL;
  let bob: GraphiQL;
  const aliceId = uniqueUserId('alice');
  const bobId = uniqueUserId('bob');
  let tokens: { alice: string; bob: string };
  let operations: string[];

  beforeAll(async () => {
    server = await startServer();
    operations = await tourOperations();
    tokens = { alice: await tokenFromScript(aliceId, 'Alice'), bob: await tokenFromScript(bobId, 'Bob') };
    browser = await launchChromium();
    // Alice in one profile, Bob in another (the tour's private window): storage is not shared.
    profiles = await Promise.all([0, 1].map(() => serviceOnlyContext(browser, [server.url], { width: 1100, height: 760 })));
    const pages = await Promise.all(profiles.map(({ context }) => context.newPage()));
    for (const page of pages) problems.push(...pageProblems(page));
    [alice, bob] = pages.map((page) => new GraphiQL(page)) as [GraphiQL, GraphiQL];
  }, 60_000);

  afterAll(async () => {
    await mkdir(RESULTS, { recursive: true });
    await writeFile(join(RESULTS, 'browser-tour.json'), `${JSON.stringify(timings, null, 2)}\n`);
    await browser?.close();
    await stopAllServers();
  });

  it('GraphiQL renders from the service alone, with the project\'s first screen and its docs, no token needed', async () => {
    const started = Date.now();
    await Promise.all([alice.open(server.httpUrl), bob.open(server.httpUrl)]);
    timings.graphiqlRenderedMs = Date.now() - started;
    const firstScreen = await alice.textOf('.graphiql-query-editor');
    expect(firstScreen).toContain('Authorization');
    expect(firstScreen).toContain('query MyRooms');
    // Every root field of the schema has its example in the first tab (the editor draws only the
    // lines in view: the page's options are read instead).
    const page = await (await fetch(server.httpUrl, { headers: { accept: 'text/html' } })).text();
    expect(page.includes(JSON.stringify(EXAMPLE_OPERATIONS))).toBe(true);
    const rootFields = [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].flatMap((type) => Object.keys(type!.getFields()));
    const examples = parse(EXAMPLE_OPERATIONS).definitions.flatMap((definition) =>
      definition.kind === Kind.OPERATION_DEFINITION ? definition.selectionSet.selections.map((field) => (field.kind === Kind.FIELD ? field.name.value : '')) : [],
    );
    expect(rootFields.filter((field) => !examples.includes(field))).toEqual([]);
    await alice.page.getByRole('button', { name: 'Show Documentation Explorer' }).click();
    await alice.page.locator('.graphiql-doc-explorer', { hasText: 'Subscription' }).waitFor();
    await alice.page.screenshot({ path: join(RESULTS, 'browser-tour-first-screen.png') });
    await alice.page.getByRole('button', { name: 'Hide Documentation Explorer' }).click();
    expect(refused()).toEqual([]);
  }, 60_000);

  /** The tour's steps 4 to 8; `pass` 1 and 2 tell what differs the second time. */
  async function walkTheTour(pass: 1 | 2): Promise<void> {
    expect(operations).toHaveLength(5);
    const [me, createRoom, subscribe, send, onlineMembers] = operations as [string, string, string, string, string];
    await alice.setHeaders(`{"Authorization": "Bearer ${tokens.alice}"}`);
    await bob.setHeaders(`{"Authorization": "Bearer ${tokens.bob}"}`);

    // 4. Each asks who they are: from now on, others see them by name.
    await Promise.all([alice.run(me), bob.run(me)]);
    await alice.resultShowing('"name": "Alice"');
    await bob.resultShowing('"name": "Bob"');

    // 5. Alice opens the direct room with Bob: created the first time, the same room after.
    await alice.run(createRoom.replace('"bob"', `"${bobId}"`));
    const created = await alice.resultShowing(`"created": ${pass === 1}`);
    const roomId = /"id":\s*"([0-9a-f-]{36})"/.exec(created)?.[1];
    if (!roomId) throw new Error(`no room id in: ${JSON.stringify(created)}`);
    expect(created).toContain('"name": "Bob"');

    // 6. Bob finds the same room with the same mutation, then subscribes to it over server-sent
    // events; he is then online in it (step 8).
    await bob.run(createRoom.replace('"bob"', `"${aliceId}"`));
    expect(await bob.resultShowing('"created": false')).toContain(roomId!);
    await bob.run(subscribe.replace('<room id>', roomId!));
    await alice.run(onlineMembers.replace('<room id>', roomId!));
    await alice.runUntil((result) => result.includes(bobId), 'Bob in onlineMembers while his subscription runs');

    // 7. Alice sends, and Bob's window shows it; each run is a new message.
    const content = `Hi Bob! (tour ${pass})`;
    const sent = Date.now();
    await alice.run(send.replace('<room id>', roomId!).replace('Hi Bob!', content));
    await bob.resultShowing(content);
    timings[`pass${pass}MessageSeenMs`] = Date.now() - sent;
    await alice.resultShowing('"seq"');
    await screenshotSideBySide(browser, [alice.page, bob.page], join(RESULTS, `browser-tour-pass-${pass}.png`));

    // 8. Bob stops his subscription (■), and he is no longer in the room.
    await bob.page.locator('.graphiql-execute-button').click();
    await alice.run(onlineMembers.replace('<room id>', roomId!));
    await alice.runUntil((result) => result.includes('"onlineMembers": []'), 'Bob gone from onlineMembers once his subscription stopped');
  }

  it('walks the tour: names, the direct room, a subscription over SSE, a send seen live, presence', async () => {
    const started = Date.now();
    await walkTheTour(1);
    timings.pass1Ms = Date.now() - started;
  }, 90_000);

  it('walks it again after reloading both windows (the token set again, as the tour says), and it works the same', async () => {
    const started = Date.now();
    await Promise.all([alice.page.reload(), bob.page.reload()]);
    await Promise.all([alice.page.locator('.graphiql-query-editor .monaco-editor').waitFor(), bob.page.locator('.graphiql-query-editor .monaco-editor').waitFor()]);
    await walkTheTour(2);
    timings.pass2Ms = Date.now() - started;
  }, 90_000);

  it("keeps no token in the browser: a reload never picks up another tab's token", async () => {
    const second = await alice.page.context().newPage();
    const other = new GraphiQL(second);
    await other.open(server.httpUrl);
    await other.setHeaders(`{"Authorization": "Bearer ${tokens.bob}"}`);
    await other.run('query { me { id } }');
    await other.resultShowing(bobId);
    await alice.page.reload();
    await alice.page.locator('.graphiql-query-editor .monaco-editor').waitFor();
    await alice.page.getByRole('button', { name: 'Headers' }).click();
    const headers = await alice.textOf('.graphiql-editor-tool .monaco-editor:visible');
    expect(headers).not.toContain(tokens.bob.slice(-20));
    const storage = await alice.page.evaluate(() => JSON.stringify({ ...localStorage }));
    expect(storage).not.toContain(tokens.bob.slice(-20));
    expect(storage).not.toContain(tokens.alice.slice(-20));
    await second.close();
  }, 60_000);

  it('asked for nothing outside the service, nothing failed, and its icon is there', async () => {
    const origin = new URL(alice.page.url()).origin;
    expect(await iconsOf(alice.page)).toEqual([`${origin}/favicon.svg 200`, `${origin}/favicon.ico 200`]);
    expect(refused()).toEqual([]);
    expect(problems).toEqual([]);
  });
});
