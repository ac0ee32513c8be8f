// The demo page: sign in as any user (a development token, or a pasted one), then the rooms list and
// one open room. The token lives in sessionStorage, so each browser tab can be another user.
import './style.css';
import { CreateRoomDocument, MeDocument, type RoomFieldsFragment } from '../../client/generated/graphql.ts';
import { connect, describeError, mintDevToken, type Api } from './api.ts';
import { roomRequest, userIdProblem } from './participants.ts';
import { openRoom, type RoomView } from './room-view.ts';
import { createRoomsList, type RoomsList } from './rooms-list.ts';

const TOKEN_KEY = 'chat-demo-token';
const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const ui = {
  connection: byId('connection'),
  whoami: byId('whoami'),
  signOut: byId<HTMLButtonElement>('sign-out'),
  signIn: byId<HTMLFormElement>('sign-in'),
  chat: byId('chat'),
  openRoom: byId<HTMLFormElement>('open-room'),
  rooms: byId<HTMLUListElement>('rooms'),
  room: byId('room'),
  status: byId('status'),
};
const roomElements = {
  title: byId('room-title'),
  members: byId<HTMLUListElement>('members'),
  addMember: byId<HTMLFormElement>('add-member'),
  leave: byId<HTMLButtonElement>('leave-room'),
  notice: byId('room-notice'),
  messages: byId<HTMLOListElement>('messages'),
  loadOlder: byId<HTMLButtonElement>('load-older'),
  typing: byId('typing'),
  composeContext: byId('compose-context'),
  composer: byId<HTMLFormElement>('composer'),
  seenBy: byId('seen-by'),
};

let session: { api: Api; meId: string; rooms: RoomsList; room?: RoomView } | undefined;

const report = (message: string) => (ui.status.textContent = message);

async function signIn(token: string): Promise<void> {
  const api = connect(token, (state) => {
    ui.connection.dataset.state = state;
    ui.connection.textContent = state;
  });
  const me = await api.client.query(MeDocument, {}).toPromise();
  if (me.error || !me.data) {
    api.close();
    throw new Error(describeError(me.error ?? new Error('no answer')));
  }
  sessionStorage.setItem(TOKEN_KEY, token);
  const meId = me.data.me.id;
  ui.whoami.textContent = `${me.data.me.name ?? meId} (${meId})`;
  session = { api, meId, rooms: createRoomsList(api.client, meId, ui.rooms, openInView, report) };
  ui.signIn.hidden = true;
  ui.chat.hidden = ui.signOut.hidden = false;
  report('');
  await session.rooms.refresh();
}

function openInView(room: RoomFieldsFragment): void {
  // A room the viewer was removed from opens again: they may have been added back.
  if (!session || (session.room?.roomId === room.id && !session.room.gone)) return;
  session.room?.close();
  session.room = openRoom(session.api.client, room, session.meId, roomElements, report);
  session.rooms.select(room.id);
  ui.room.hidden = false;
}

function signOut(): void {
  session?.room?.close();
  session?.rooms.close();
  session?.api.close();
  session = undefined;
  sessionStorage.removeItem(TOKEN_KEY);
  ui.chat.hidden = ui.room.hidden = ui.signOut.hidden = true;
  ui.signIn.hidden = false;
  ui.whoami.textContent = '';
}

ui.signIn.addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = new FormData(ui.signIn);
  const field = (name: string) => String(form.get(name) ?? '').trim();
  try {
    if (!field('token') && !field('userId')) return void report('Enter a user id, or paste a token.');
    const problem = field('token') ? undefined : userIdProblem(field('userId'));
    if (problem) return void report(problem);
    await signIn(field('token') || (await mintDevToken(field('userId'), field('name'))));
  } catch (error) {
    report(error instanceof Error ? error.message : String(error));
  }
});

ui.openRoom.addEventListener('submit', async (event) => {
  event.preventDefault();
  if (!session) return;
  const field = (name: string) => ui.openRoom.elements.namedItem(name) as HTMLInputElement;
  const request = roomRequest(field('userIds').value, field('title').value, session.meId);
  if ('error' in request) return void report(request.error);
  const result = await session.api.client.mutation(CreateRoomDocument, request).toPromise();
  if (result.error || !result.data) return void report(describeError(result.error ?? new Error('no room')));
  ui.openRoom.reset();
  report('');
  openInView(result.data.createRoom.room);
  await session.rooms.refresh();
  session.rooms.select(result.data.createRoom.room.id);
});

ui.signOut.addEventListener('click', signOut);

const saved = sessionStorage.getItem(TOKEN_KEY);
if (saved) {
  signIn(saved).catch((error: unknown) => {
    sessionStorage.removeItem(TOKEN_KEY);
    report(`Signed out: ${error instanceof Error ? error.message : String(error)}`);
  });
}
