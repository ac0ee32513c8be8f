// Direct rooms as in direct, with a mix of writes at each offered rate: of every ten, seven sends,
// one edit (of the sender's own newest message in the room) and two reactions (the sender's 👍 on
// the room's newest message, added or, when already there, removed). Each edit and reaction is one
// transaction under the room lock with an event row; the baseline does the same writes
// (baseline-changes.ts). Sends are delivered and timed as in direct; edits and reactions answer.
import { benchContent } from '../clients/client.ts';
import type { Fleet, Member } from '../fleet.ts';
import type { Write } from '../open-loop.ts';
import { directRoomsLadder } from './direct.ts';

const EDIT_SLOTS = new Set([3]);
const REACTION_SLOTS = new Set([6, 9]);
const EMOJI = '👍';

/** The writer and what it knows: each member's and each room's newest stored message, and whose 👍 is on which. */
function mixedWrites(fleet: Fleet): Write {
  const ownNewest = new Map<Member, string>();
  const roomNewest = new Map<number, string>();
  const reacted = new Set<string>();
  return (sender, room, step, serial) => {
    // Serials go round-robin over the rooms: the round number shifts the slot, so each room gets the mix.
    const slot = (serial + Math.floor(serial / fleet.rooms.length)) % 10;
    const own = ownNewest.get(sender);
    const newest = roomNewest.get(room);
    if (EDIT_SLOTS.has(slot) && own) {
      return { kind: 'edit', delivered: false, outcome: sender.client.edit(own, `edited ${step}|${serial}`) };
    }
    if (REACTION_SLOTS.has(slot) && newest) {
      const key = `${sender.userId}|${newest}`;
      const added = !reacted.has(key);
      if (added) reacted.add(key);
      else reacted.delete(key);
      return { kind: 'reaction', delivered: false, outcome: sender.client.react(newest, EMOJI, added) };
    }
    const outcome = sender.client.send(fleet.rooms[room]!.id, benchContent(step, serial), `m-${step}-${serial}`).then((sent) => {
      if (sent.ok) {
        ownNewest.set(sender, sent.messageId);
        roomNewest.set(room, sent.messageId);
      }
      return sent;
    });
    return { kind: 'send', delivered: true, outcome };
  };
}

export const mixed = directRoomsLadder('mixed', '; of every 10 writes 7 sends, 1 edit, 2 reactions', mixedWrites);
