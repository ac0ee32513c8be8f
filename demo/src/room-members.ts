// The open room's other members in its header: a dot each (online or offline, from presence), and in a
// group room the owner's Remove buttons, "Add member" and "Leave". The room view passes on its
// membership events; the list follows them, and says when the viewer is the one who is gone.
import type { Client, CombinedError } from '@urql/core';
import {
  AddMembersDocument,
  LeaveRoomDocument,
  OnlineMembersDocument,
  PresenceDocument,
  RemoveMemberDocument,
  type RoomEventsSubscription,
  type RoomFieldsFragment,
  type RoomMembersFragment,
  type RoomRole,
} from '../../client/generated/graphql.ts';
import { userIdProblem } from './participants.ts';

export interface MembersElements {
  members: HTMLUListElement;
  addMember: HTMLFormElement;
  leave: HTMLButtonElement;
}

type MembershipChanged = Extract<RoomEventsSubscription['roomEvents'], { __typename: 'MembershipChanged' }>;

export interface Members {
  /** The members as a query answered them (at or after the event the room view follows from). */
  reset(room: RoomMembersFragment): void;
  /** A membership event; says why when it ends the viewer's own membership. */
  changed(event: MembershipChanged): string | undefined;
  nameOf(userId: string): string;
  close(): void;
}

export function trackMembers(
  client: Client,
  room: RoomFieldsFragment,
  meId: string,
  ui: MembersElements,
  failed: (error: CombinedError | Error) => void,
  signal: AbortSignal,
): Members {
  const roomId = room.id;
  const group = room.kind === 'GROUP';
  const members = new Map<string, { name: string; role: RoomRole }>(
    room.members.map((member) => [member.id, { name: member.name ?? member.id, role: 'MEMBER' }]),
  );
  const names = new Map([...members].map(([id, member]) => [id, member.name]));
  const online = new Set<string>();
  const heard = new Set<string>();
  let closed = false;

  // A direct room's title is the other member's name already: its dot says "online" or "offline".
  const render = () => {
    const owner = group && members.get(meId)?.role === 'OWNER';
    ui.members.replaceChildren(
      ...[...members]
        .filter(([id]) => id !== meId)
        .map(([id, member]) => {
          const status = online.has(id) ? 'online' : 'offline';
          const item = document.createElement('li');
          item.dataset.userId = id;
          item.dataset.status = item.title = status;
          item.textContent = group ? member.name : status;
          if (owner) {
            const remove = document.createElement('button');
            remove.type = 'button';
            remove.className = 'remove';
            remove.textContent = 'Remove';
            remove.addEventListener('click', async () => done(await client.mutation(RemoveMemberDocument, { roomId, userId: id }).toPromise()));
            item.append(remove);
          }
          return item;
        }),
    );
    ui.addMember.hidden = ui.leave.hidden = !group || !members.has(meId);
  };
  const done = ({ error }: { error?: CombinedError }) => {
    if (error) failed(error);
    return !error;
  };

  ui.addMember.addEventListener(
    'submit',
    async (event) => {
      event.preventDefault();
      const input = ui.addMember.elements.namedItem('userId') as HTMLInputElement;
      const userId = input.value.trim();
      const problem = userIdProblem(userId);
      if (problem) return failed(new Error(problem));
      if (done(await client.mutation(AddMembersDocument, { roomId, userIds: [userId] }).toPromise())) input.value = '';
    },
    { signal },
  );
  ui.leave.addEventListener('click', async () => done(await client.mutation(LeaveRoomDocument, { roomId }).toPromise()), { signal });

  // Presence: subscribe first, then ask who is online; an event heard meanwhile is newer than the answer.
  const presence = client.subscription(PresenceDocument, { roomId }).subscribe((result) => {
    if (result.error) return failed(result.error);
    const event = result.data?.presence;
    if (!event) return;
    heard.add(event.userId);
    if (event.status === 'ONLINE') online.add(event.userId);
    else online.delete(event.userId);
    render();
  });
  void client
    .query(OnlineMembersDocument, { roomId })
    .toPromise()
    .then((result) => {
      if (closed) return;
      if (result.error || !result.data) return failed(result.error ?? new Error('no presence'));
      for (const member of result.data.onlineMembers) if (!heard.has(member.id)) online.add(member.id);
      render();
    });
  render();

  return {
    reset(answer) {
      members.clear();
      for (const { user, role } of answer.memberships) {
        members.set(user.id, { name: user.name ?? user.id, role });
        names.set(user.id, user.name ?? user.id);
      }
      render();
    },
    changed(event) {
      const { user, change, role, actorId } = event;
      names.set(user.id, user.name ?? user.id);
      if (role) members.set(user.id, { name: user.name ?? user.id, role });
      else members.delete(user.id);
      render();
      if (user.id !== meId) return undefined;
      if (change === 'REMOVED') return `You were removed from this room by ${names.get(actorId) ?? actorId}.`;
      if (change === 'LEFT') return 'You left this room.';
      return undefined;
    },
    nameOf: (userId) => names.get(userId) ?? userId,
    close() {
      closed = true;
      presence.unsubscribe();
    },
  };
}
