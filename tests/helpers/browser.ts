// Headless Chromium for the browser tests (playwright-core on Debian's chromium): launched with no
// network beyond loopback, pages whose requests may reach only the service, and side-by-side pictures.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { disposeLater } from './disposal.ts';

export const CHROMIUM = '/usr/bin/chromium';
/**
 * How long a page's wait may take before the test fails: a bound, not a speed check. Generous, since
 * in a full suite on two cores (two jest workers, the service, Chromium) GraphiQL's page took over
 * 10 s to load. (A room list's badge that never showed was the demo's own race, since fixed in
 * demo/src/room-list-state.ts, not slowness.)
 */
const WAIT_MS = 30_000;

/** `describe` that runs only where Chromium is installed, and says so when it is skipped. */
export const describeWithChromium = existsSync(CHROMIUM)
  ? describe
  : (name: string, _body: () => void) =>
      describe(`${name} [SKIPPED: install chromium]`, () => {
        it.skip(`needs ${CHROMIUM} (apt-get install chromium)`, () => undefined);
      });

/** Chromium that resolves no host name but loopback's: a machine without internet access. */
export async function launchChromium(): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1'],
  });
  disposeLater('Chromium', () => browser.close());
  return browser;
}

/**
 * A browser context (its own storage, like a separate browser profile) whose pages may fetch only
 * from `origins`: every other request is refused and listed in `refused`.
 */
export async function serviceOnlyContext(browser: Browser, origins: string[], viewport = { width: 900, height: 640 }) {
  const context = await browser.newContext({ viewport });
  context.setDefaultTimeout(WAIT_MS);
  const refused: string[] = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (origins.some((origin) => url.startsWith(`${origin}/`)) || url.startsWith('data:') || url.startsWith('blob:')) return route.continue();
    refused.push(url);
    return route.abort('internetdisconnected');
  });
  return { context, refused };
}

/** Every console error and failed response of the page (a missing favicon included). */
export function pageProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`${response.status()} ${response.url()}`);
  });
  return problems;
}

/**
 * The page's icon as the browser would fetch it (headless Chromium asks for none by itself), and
 * /favicon.ico, which every browser asks for unprompted (fetched from here: Chromium refuses a page's
 * own fetch of that path while requests are intercepted).
 */
export async function iconsOf(page: Page): Promise<string[]> {
  const declared = await page.evaluate(async () => {
    const href = document.querySelector<HTMLLinkElement>('link[rel~="icon"]')?.href;
    return href ? `${href} ${(await fetch(href)).status}` : 'no <link rel="icon">';
  });
  const ico = new URL('/favicon.ico', page.url()).href;
  return [declared, `${ico} ${(await fetch(ico)).status}`];
}

/** One picture of the pages' windows side by side, the first on the left. */
export async function screenshotSideBySide(browser: Browser, pages: Page[], path: string): Promise<void> {
  const shots = await Promise.all(pages.map((page) => page.screenshot()));
  const sizes = pages.map((page) => page.viewportSize() ?? { width: 900, height: 640 });
  const width = sizes.reduce((sum, size) => sum + size.width + 20, 20);
  const height = Math.max(...sizes.map((size) => size.height)) + 20;
  const context: BrowserContext = await browser.newContext({ viewport: { width, height } });
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

/**
 * Waits until `text` is nowhere in the page's body. When it stays, the failure names the innermost
 * elements that still hold it (tag, id, classes) and their text, so that a rare failure says which
 * part of the page kept it.
 */
export async function waitUntilTextGone(page: Page, text: string): Promise<void> {
  try {
    await page.waitForFunction((gone) => !document.body.textContent?.includes(gone), text);
  } catch (error) {
    const holders = await page.evaluate((kept) => {
      const all = [...document.body.querySelectorAll('*')].filter((element) => element.textContent?.includes(kept));
      return all
        .filter((element) => ![...element.children].some((child) => child.textContent?.includes(kept)))
        .map((element) => `${element.tagName.toLowerCase()}${element.id ? `#${element.id}` : ''}${[...element.classList].map((name) => `.${name}`).join('')}: ${JSON.stringify(element.textContent)}`);
    }, text);
    throw new Error(`"${text}" is still on the page, in: ${holders.join('; ') || '(no element: the body itself)'}`, { cause: error });
  }
}
