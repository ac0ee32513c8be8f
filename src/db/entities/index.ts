// Every entity the ORM knows, in one list for its configuration.
import { Message } from './message.ts';
import { Room } from './room.ts';
import { RoomMember } from './room-member.ts';
import { User } from './user.ts';

export const entities = [User, Room, RoomMember, Message];
export { Message, Room, RoomMember, User };
