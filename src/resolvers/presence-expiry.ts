// OFFLINE for users whose presence was counted by an instance that died (or stopped without its
// sockets leaving): the presence store takes their counts back and this announces the change.
import type { Services } from '../context.ts';
import { usersByIds } from '../db/users-store.ts';
import { topics } from '../pubsub/topics.ts';

export async function announceExpiredPresence(services: Services, roomId: string, userId: string): Promise<void> {
  const user = (await usersByIds(services.entityManager(), [userId]).catch(() => undefined))?.get(userId);
  await services.pubsub.publish(topics.presence(roomId), {
    roomId,
    userId,
    userName: user?.name ?? null,
    status: 'OFFLINE',
    at: new Date().toISOString(),
  });
}
