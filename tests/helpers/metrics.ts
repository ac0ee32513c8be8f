// What an instance's /metrics says, for tests that need a sign the server has finished something
// that sends no event (a subscription's cleanup).
import type { Endpoint } from './chat.ts';

/** How many `field` subscriptions the instance holds open (chat_subscriptions_active). */
export async function openSubscriptions(server: Endpoint, field: string): Promise<number> {
  const text = await (await fetch(server.httpUrl.replace(/\/graphql$/, '/metrics'))).text();
  const line = new RegExp(`^chat_subscriptions_active\\{field="${field}"\\} (\\d+)$`, 'm');
  return Number(line.exec(text)?.[1] ?? 0);
}
