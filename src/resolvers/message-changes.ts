// Edit, delete and react: each one transaction under the room's lock (room-changes.ts), with the
// contract's rules; the answer is the message as it now is, the events are published after commit.
import type { OperationContext } from '../context.ts';
import {
  deleteReaction,
  editContent,
  eraseMessage,
  insertReaction,
  messageById,
  reactionState,
  roomOfMessage,
} from '../db/message-changes-store.ts';
import type { LockedRoom } from '../db/message-changes-store.ts';
import type { RunStatement } from '../db/prepared.ts';
import { BadInput, Forbidden, NotFound } from '../errors.ts';
import { enforceRateLimit } from '../limits/enforce.ts';
import type { MessagePayload } from '../pubsub/topics.ts';
import * as input from './input.ts';
import { changeRoom, type ChangeResult } from './room-changes.ts';

export const MAX_DISTINCT_EMOJI = 20;

type MessageChange = (tx: RunStatement, message: MessagePayload, room: LockedRoom) => Promise<ChangeResult<MessagePayload>>;

/** Runs `change` on the message under its room's lock, answering the message as stored after it. */
async function changeMessage(ctx: OperationContext, rawId: string, change: MessageChange): Promise<MessagePayload> {
  const messageId = input.messageId(rawId);
  const roomId = messageId === undefined ? undefined : await roomOfMessage(ctx.services.run, messageId);
  if (messageId === undefined || roomId === undefined) throw new NotFound(`No message ${rawId}`);
  const { answer } = await changeRoom(ctx, roomId, async (tx, room) => {
    const before = (await messageById(tx, messageId))!;
    const result = await change(tx, before, room);
    return { ...result, answer: result.events?.length ? (await messageById(tx, messageId))! : result.answer };
  });
  return answer;
}

export async function editMessage(ctx: OperationContext, args: { messageId: string; content: string }): Promise<MessagePayload> {
  const content = input.content(args.content, ctx.services.config.maxMessageLength);
  await enforceRateLimit(ctx, 'sendMessage');
  return changeMessage(ctx, args.messageId, async (tx, message) => {
    if (message.senderId !== ctx.viewer.id) throw new Forbidden('Only the sender may edit a message');
    if (message.deletedAt !== null) throw new BadInput('A deleted message cannot be edited', 'messageId');
    if (message.content === content) return { answer: message };
    await editContent(tx, message.id, content);
    return { answer: message, events: [{ kind: 'MessageEdited', actorId: ctx.viewer.id, messageId: message.id }] };
  });
}

export async function deleteMessage(ctx: OperationContext, args: { messageId: string }): Promise<MessagePayload> {
  await enforceRateLimit(ctx, 'sendMessage');
  return changeMessage(ctx, args.messageId, async (tx, message, room) => {
    const owner = room.kind === 'GROUP' && room.role === 'OWNER';
    if (message.senderId !== ctx.viewer.id && !owner) throw new Forbidden('Only the sender or the room owner may delete a message');
    if (message.deletedAt !== null) return { answer: message };
    await eraseMessage(tx, message.id);
    return { answer: message, events: [{ kind: 'MessageDeleted', actorId: ctx.viewer.id, messageId: message.id }] };
  });
}

export async function react(
  ctx: OperationContext,
  args: { messageId: string; emoji: string },
  added: boolean,
): Promise<MessagePayload> {
  const emoji = input.emoji(args.emoji);
  await enforceRateLimit(ctx, 'sendMessage');
  return changeMessage(ctx, args.messageId, async (tx, message) => {
    if (message.deletedAt !== null) throw new BadInput('A deleted message takes no reactions', 'messageId');
    const state = await reactionState(tx, message.id, emoji, ctx.viewer.id);
    if (state.mine === added) return { answer: message };
    if (added) {
      if (!state.used && state.emojis >= MAX_DISTINCT_EMOJI) {
        throw new BadInput(`A message has at most ${MAX_DISTINCT_EMOJI} distinct emoji`, 'emoji');
      }
      await insertReaction(tx, message.id, emoji, ctx.viewer.id);
    } else {
      await deleteReaction(tx, message.id, emoji, ctx.viewer.id);
    }
    return { answer: message, events: [{ kind: 'ReactionChanged', actorId: ctx.viewer.id, messageId: message.id, emoji, added }] };
  });
}
