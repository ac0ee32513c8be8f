// Checks of client input, each failing with BAD_USER_INPUT and a message that names the argument.
import { isStorableText } from '../auth/identity.ts';
import { BadInput } from '../errors.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const MAX_CLIENT_MESSAGE_ID_LENGTH = 64;
export const MAX_TITLE_LENGTH = 200;
export const MAX_USER_ID_LENGTH = 255;
export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 50;

const codePoints = (value: string) => {
  let count = 0;
  for (const _ of value) count++;
  return count;
};

function storable(value: string, argument: string): void {
  if (!isStorableText(value)) {
    throw new BadInput(`${argument} contains characters that cannot be stored (NUL or a lone surrogate)`, argument);
  }
}

export function roomId(value: string, argument = 'roomId'): string {
  if (!UUID.test(value)) throw new BadInput(`${argument} is not a room id`, argument);
  return value.toLowerCase();
}

export function content(value: string, maxLength: number): string {
  storable(value, 'content');
  if (!/\S/u.test(value)) throw new BadInput('content must contain at least one non-whitespace character', 'content');
  if (value.length > maxLength && codePoints(value) > maxLength) {
    throw new BadInput(`content is longer than ${maxLength} characters`, 'content');
  }
  return value;
}

export function clientMessageId(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  storable(value, 'clientMessageId');
  if (value.length === 0) throw new BadInput('clientMessageId must not be empty', 'clientMessageId');
  if (codePoints(value) > MAX_CLIENT_MESSAGE_ID_LENGTH) {
    throw new BadInput(`clientMessageId is longer than ${MAX_CLIENT_MESSAGE_ID_LENGTH} characters`, 'clientMessageId');
  }
  return value;
}

export function title(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  storable(value, 'title');
  if (codePoints(value) > MAX_TITLE_LENGTH) throw new BadInput(`title is longer than ${MAX_TITLE_LENGTH} characters`, 'title');
  return value;
}

/** The other members of a new room: the caller and duplicates dropped, at least one left. */
export function otherParticipants(ids: readonly string[], callerId: string, maxRoomMembers: number): string[] {
  userIds(ids, 'participantIds');
  const others = [...new Set(ids)].filter((id) => id !== callerId);
  if (others.length === 0) throw new BadInput('participantIds must name at least one user other than the caller', 'participantIds');
  if (others.length + 1 > maxRoomMembers) {
    throw new BadInput(`a room has at most ${maxRoomMembers} members`, 'participantIds');
  }
  return others;
}

/** User ids of 1 to 255 characters that PostgreSQL can store, duplicates dropped. */
export function userIds(ids: readonly string[], argument: string): string[] {
  for (const id of ids) {
    storable(id, argument);
    if (id.length === 0 || id.length > MAX_USER_ID_LENGTH) {
      throw new BadInput(`${argument} must be user ids of 1 to ${MAX_USER_ID_LENGTH} characters`, argument);
    }
  }
  return [...new Set(ids)];
}

export function pageSize(value: number | null | undefined, argument: 'first' | 'last'): number | undefined {
  if (value === null || value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 0 || value > MAX_PAGE_SIZE) {
    throw new BadInput(`${argument} must be from 0 to ${MAX_PAGE_SIZE}`, argument);
  }
  return value;
}

export function afterSeq(value: number | null | undefined): number | undefined {
  if (value === null || value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 0) throw new BadInput('afterSeq must be 0 or more', 'afterSeq');
  return value;
}

export function readSeq(value: number): number {
  if (!Number.isInteger(value) || value < 0) throw new BadInput('seq must be 0 or more', 'seq');
  return value;
}

const MESSAGE_ID = /^[1-9]\d{0,17}$/;

/** A message id this service could have issued; anything else names no message (NOT_FOUND). */
export function messageId(value: string): string | undefined {
  return MESSAGE_ID.test(value) ? value : undefined;
}

export function replyToId(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  if (!MESSAGE_ID.test(value)) throw new BadInput('replyToId is not a message of this room', 'replyToId');
  return value;
}

export const MAX_EMOJI_CODE_POINTS = 32;

/** An emoji or a :shortcode:: 1 to 32 code points, no whitespace or control characters. */
export function emoji(value: string): string {
  storable(value, 'emoji');
  const length = codePoints(value);
  if (length === 0 || length > MAX_EMOJI_CODE_POINTS || /[[\s\p{Cc}\p{Cf}]--[\u200d\u{E0020}-\u{E007F}]]/v.test(value)) {
    throw new BadInput(`emoji must be 1 to ${MAX_EMOJI_CODE_POINTS} characters with no whitespace or control characters`, 'emoji');
  }
  return value;
}

export function afterEventSeq(value: number | null | undefined): number | undefined {
  if (value === null || value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 0) throw new BadInput('afterEventSeq must be 0 or more', 'afterEventSeq');
  return value;
}
