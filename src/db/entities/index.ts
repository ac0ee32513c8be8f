// Every entity the ORM knows, in one list for its configuration.
import { Message } from './message.ts';
import { MessageReaction } from './message-reaction.ts';
import { Room } from './room.ts';
import { RoomEvent } from './room-event.ts';
import { RoomFormerMember } from './room-former-member.ts';
import { RoomMember } from './room-member.ts';
import { User } from './user.ts';

export const entities = [User, Room, RoomMember, RoomFormerMember, Message, MessageReaction, RoomEvent];
export { Message, MessageReaction, Room, RoomEvent, RoomFormerMember, RoomMember, User };
