// Chat steps that many tests share: create rooms, send messages, wait until a feed is live.
import { expectData } from './http.ts';
import type { TestUser } from './tokens.ts';
import { until } from './waits.ts';

/** Anything that serves the GraphQL endpoint: an in-process test server or an instance process. */
export interface Endpoint {
  readonly httpUrl: string;
}

export const ROOM_FIELDS = 'id kind title createdAt members { id name }';
export const MESSAGE_FIELDS = 'id roomId seq senderId senderName content clientMessageId createdAt';

export async function createRoom(server: Endpoint, user: TestUser, participantIds: string[], title?: string) {
  const data = await expectData(
    server.httpUrl,
    user.token,
    `mutation($ids: [ID!]!, $title: String) { createRoom(participantIds: $ids, title: $title) { created room { ${ROOM_FIELDS} } } }`,
    { ids: participantIds, title },
  );
  return data.createRoom as { created: boolean; room: { id: string; kind: string; title: string | null; members: { id: string }[] } };
}

export async function sendMessage(server: Endpoint, user: TestUser, roomId: string, content: string, clientMessageId?: string) {
  const data = await expectData(
    server.httpUrl,
    user.token,
    `mutation($roomId: ID!, $content: String!, $cid: String) { sendMessage(roomId: $roomId, content: $content, clientMessageId: $cid) { ${MESSAGE_FIELDS} } }`,
    { roomId, content, cid: clientMessageId },
  );
  return data.sendMessage as { id: string; seq: number; content: string; senderId: string; clientMessageId: string | null };
}

export async function onlineMemberIds(server: Endpoint, user: TestUser, roomId: string): Promise<string[]> {
  const data = await expectData(server.httpUrl, user.token, 'query($roomId: ID!) { onlineMembers(roomId: $roomId) { id } }', { roomId });
  return (data.onlineMembers as { id: string }[]).map((member) => member.id).sort();
}

/**
 * Waits until `userId` counts as online in the room: a room-scoped WebSocket subscription registers
 * presence only once it is fully set up, so this is when it is sure to receive what is sent next.
 */
export async function waitUntilOnline(server: Endpoint, asUser: TestUser, roomId: string, userId: string, timeoutMs = 5000) {
  await until(async () => (await onlineMemberIds(server, asUser, roomId)).includes(userId), `${userId} to be online in ${roomId}`, timeoutMs);
}

/**
 * How a refused subscription ends: the error codes it got, the data it delivered (none is right) and
 * whether it ended. graphql-ws passes an error thrown while subscribing as a `next` with errors and
 * then `complete`; an operation refused before it runs comes as an `error` message instead.
 */
export function subscriptionRefusal(
  client: import('graphql-ws').Client,
  query: string,
  variables: Record<string, unknown>,
  timeoutMs = 5000,
): Promise<{ codes: unknown[]; data: unknown[]; ended: boolean }> {
  const codes: unknown[] = [];
  const data: unknown[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      dispose();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for the refused subscription to end: ${query.slice(0, 80)}`));
    }, timeoutMs);
    const end = () => {
      clearTimeout(timer);
      resolve({ codes, data, ended: true });
    };
    const dispose = client.subscribe(
      { query, variables },
      {
        next: (result) => {
          if (result.data) data.push(result.data);
          for (const error of result.errors ?? []) codes.push(error.extensions?.code);
        },
        error: (error) => {
          if (Array.isArray(error)) for (const item of error) codes.push(item?.extensions?.code);
          // A socket refused for its token closes with 4401: the WebSocket's UNAUTHENTICATED.
          else if ((error as { code?: number })?.code === 4401) codes.push('UNAUTHENTICATED');
          else codes.push(`not a GraphQL error: ${String(error)}`);
          end();
        },
        complete: end,
      },
    );
  });
}
