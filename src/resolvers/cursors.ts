// Opaque cursors: base64url of a tagged position. Anything else is a cursor this service never issued.
import { BadInput } from '../errors.ts';
import type { RoomPosition } from '../db/rooms-store.ts';

const encode = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
const decode = (cursor: string) => Buffer.from(cursor, 'base64url').toString('utf8');

export const messageCursor = (seq: number) => encode(`msg:${seq}`);

export function seqFromCursor(cursor: string | null | undefined, argument: string): number | undefined {
  if (cursor === null || cursor === undefined) return undefined;
  const match = /^msg:(\d{1,10})$/.exec(decode(cursor));
  const seq = match ? Number(match[1]) : NaN;
  if (!Number.isSafeInteger(seq) || seq > 2147483647 || encode(`msg:${seq}`) !== cursor) {
    throw new BadInput(`${argument} is not a cursor this service issued`, argument);
  }
  return seq;
}

export const roomCursor = (position: RoomPosition) => encode(`room:${position.lastActivityAt}|${position.id}`);

export function roomPositionFromCursor(cursor: string | null | undefined, argument: string): RoomPosition | undefined {
  if (cursor === null || cursor === undefined) return undefined;
  const match = /^room:(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)\|([0-9a-f-]{36})$/.exec(decode(cursor));
  if (!match || Number.isNaN(Date.parse(match[1]!)) || roomCursor({ lastActivityAt: match[1]!, id: match[2]! }) !== cursor) {
    throw new BadInput(`${argument} is not a cursor this service issued`, argument);
  }
  return { lastActivityAt: match[1]!, id: match[2]! };
}
