// The one list of what tests open: servers, instance processes, Redis servers, proxies, load
// balancers, WebSocket clients, subscriptions and raw sockets. Each helper registers what it opens
// here, and this module drains the list itself, whatever the assertions did: what a test (or its
// beforeEach) opened, after that test; what a file opened outside its tests (beforeAll), after the
// file. Things are disposed newest first (a client before the server it talks to). Disposing twice
// is harmless: a registered disposal runs once, whether the test or the drain calls it first.

interface Opened {
  readonly kind: string;
  /** Opened inside a test (or a beforeEach): disposed after that test. */
  readonly inTest: boolean;
  readonly dispose: () => Promise<void>;
}

const opened = new Set<Opened>();
let inTest = false;

/**
 * Registers `dispose` for what was just opened (`kind` names it in a failure) and answers the
 * disposal to call instead of `dispose` where a test closes it itself: it runs once, and unregisters.
 */
export function disposeLater(kind: string, dispose: () => unknown): () => Promise<void> {
  let done: Promise<void> | undefined;
  const entry: Opened = {
    kind,
    inTest,
    dispose: () =>
      (done ??= (async () => {
        opened.delete(entry);
        await dispose();
      })()),
  };
  opened.add(entry);
  return entry.dispose;
}

/** Disposes what is still open, newest first; `kind` limits it to one kind. Fails after trying them all. */
export async function disposeOpened(which: { kind?: string; inTest?: boolean } = {}): Promise<void> {
  const failures: string[] = [];
  for (const entry of [...opened].reverse()) {
    if (which.kind !== undefined && entry.kind !== which.kind) continue;
    if (which.inTest !== undefined && entry.inTest !== which.inTest) continue;
    await entry.dispose().catch((error: unknown) => failures.push(`${entry.kind}: ${String(error)}`));
  }
  if (failures.length > 0) throw new Error(`could not dispose ${failures.length} things a test opened:\n${failures.join('\n')}`);
}

// Registered when a test file first imports a helper, before the file's own hooks: the drain after a
// test runs after the describe blocks' own afterEach hooks, and the drain after the file last.
beforeEach(() => {
  inTest = true;
});
afterEach(async () => {
  inTest = false;
  await disposeOpened({ inTest: true });
});
afterAll(() => disposeOpened());
