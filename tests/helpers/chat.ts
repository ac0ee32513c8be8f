// Chat steps that many tests share: create rooms, send messages, wait until a feed is live.
import { expectData } from './http.ts';
import type { TestServer } from './server.ts';
import type { TestUser } from './tokens.ts';

export const ROOM_FIELDS = 'id kind title createdAt members { id name }';
export const MESSAGE_FIELDS = 'id roomId seq senderId senderName content clientMessageId createdAt';

export async function createRoom(server: TestServer, user: TestUser, participantIds: string[], title?: string) {
  const data = await expectData(
    server.httpUrl,
    user.token,
    `mutation($ids: [ID!]!, $title: String) { createRoom(participantIds: $ids, title: $title) { created room { ${ROOM_FIELDS} } } }`,
    { ids: participantIds, title },
  );
  return data.createRoom as { created: boolean; room: { id: string; kind: string; title: string | null; members: { id: string }[] } };
}

export async function sendMessage(server: TestServer, user: TestUser, roomId: string, content: string, clientMessageId?: string) {
  const data = await expectData(
    server.httpUrl,
    user.token,
    `mutation($roomId: ID!, $content: String!, $cid: String) { sendMessage(roomId: $roomId, content: $content, clientMessageId: $cid) { ${MESSAGE_FIELDS} } }`,
    { roomId, content, cid: clientMessageId },
  );
  return data.sendMessage as { id: string; seq: number; content: string; senderId: string; clientMessageId: string | null };
}

export async function onlineMemberIds(server: TestServer, user: TestUser, roomId: string): Promise<string[]> {
  const data = await expectData(server.httpUrl, user.token, 'query($roomId: ID!) { onlineMembers(roomId: $roomId) { id } }', { roomId });
  return (data.onlineMembers as { id: string }[]).map((member) => member.id).sort();
}

/**
 * Waits until `userId` counts as online in the room: a room-scoped WebSocket subscription registers
 * presence only once it is fully set up, so this is when it is sure to receive what is sent next.
 */
export async function waitUntilOnline(server: TestServer, asUser: TestUser, roomId: string, userId: string, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await onlineMemberIds(server, asUser, roomId)).includes(userId)) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${userId} to be online in ${roomId}`);
}
