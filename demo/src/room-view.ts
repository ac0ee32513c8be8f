// One open room: the newest page of its history, older pages when scrolled to the top, live messages,
// who is typing and which members are online. close() ends its subscriptions, and so its presence.
import type { AnyVariables, Client, TypedDocumentNode } from '@urql/core';
import {
  MessageAddedDocument,
  MessagesDocument,
  OnlineMembersDocument,
  PresenceDocument,
  SendMessageDocument,
  SetTypingDocument,
  TypingDocument,
  type MessageFieldsFragment,
  type RoomFieldsFragment,
} from '../../client/generated/graphql.ts';
import { describeError } from './api.ts';
import { trackReadState } from './read-state.ts';
import { roomTitle } from './rooms-list.ts';

const PAGE_SIZE = 25;
/** The server ends a setTyping(true) not renewed within 6 s: renew it well before while typing goes on. */
const TYPING_RENEW_MS = 3_000;

export interface RoomElements {
  title: HTMLElement;
  members: HTMLUListElement;
  messages: HTMLOListElement;
  loadOlder: HTMLButtonElement;
  typing: HTMLElement;
  composer: HTMLFormElement;
  seenBy: HTMLElement;
}

export interface RoomView {
  readonly roomId: string;
  close(): void;
}

export function openRoom(
  client: Client,
  room: RoomFieldsFragment,
  meId: string,
  ui: RoomElements,
  report: (message: string) => void,
): RoomView {
  const roomId = room.id;
  const listeners = new AbortController();
  const { signal } = listeners;
  const subscriptions: { unsubscribe(): void }[] = [];
  let closed = false;
  const listen = <Data, Variables extends AnyVariables>(
    document: TypedDocumentNode<Data, Variables>,
    variables: Variables,
    onData: (data: Data) => void,
  ) =>
    subscriptions.push(
      client.subscription(document, variables).subscribe((result) => {
        if (result.error) report(describeError(result.error));
        else if (result.data) onData(result.data);
      }),
    );

  ui.title.textContent = roomTitle(room, meId);
  ui.messages.querySelectorAll('li.message').forEach((item) => item.remove());

  const readState = trackReadState(client, room, meId, ui.seenBy, report);

  // Messages: each seq shown once, in seq order, whichever way it came (page, replay, live, own send).
  const shown = new Set<number>();
  const show = (message: MessageFieldsFragment) => {
    if (shown.has(message.seq)) return;
    shown.add(message.seq);
    readState.shown(message);
    const later = [...ui.messages.querySelectorAll<HTMLLIElement>('li.message')].find(
      (item) => Number(item.dataset.seq) > message.seq,
    );
    ui.messages.insertBefore(renderMessage(message, meId), later ?? null);
  };
  const scrollToEnd = () => (ui.messages.scrollTop = ui.messages.scrollHeight);
  const showNewer = (message: MessageFieldsFragment) => {
    const atEnd = ui.messages.scrollHeight - ui.messages.scrollTop - ui.messages.clientHeight < 60;
    show(message);
    if (atEnd || message.senderId === meId) scrollToEnd();
  };

  let older = { cursor: null as string | null, more: false, loading: false };
  const setOlder = (cursor: string | null | undefined, more: boolean) => {
    older = { cursor: cursor ?? null, more, loading: false };
    ui.loadOlder.hidden = !more;
  };
  const loadOlder = async () => {
    if (older.loading || !older.more || !older.cursor) return;
    older.loading = true;
    const result = await client.query(MessagesDocument, { roomId, last: PAGE_SIZE, before: older.cursor }).toPromise();
    if (closed) return;
    if (result.error || !result.data) {
      older.loading = false;
      return report(describeError(result.error ?? new Error('no messages')));
    }
    // Keep the messages in view where they are while older ones are put above them.
    const fromEnd = ui.messages.scrollHeight - ui.messages.scrollTop;
    result.data.messages.edges.forEach((edge) => show(edge.node));
    ui.messages.scrollTop = ui.messages.scrollHeight - fromEnd;
    setOlder(result.data.messages.pageInfo.startCursor, result.data.messages.pageInfo.hasPreviousPage);
  };
  ui.messages.addEventListener('scroll', () => ui.messages.scrollTop < 40 && void loadOlder(), { signal });
  ui.loadOlder.addEventListener('click', () => void loadOlder(), { signal });

  void client
    .query(MessagesDocument, { roomId, last: PAGE_SIZE })
    .toPromise()
    .then((result) => {
      if (closed) return;
      if (result.error || !result.data) return report(describeError(result.error ?? new Error('no messages')));
      const { edges, pageInfo } = result.data.messages;
      edges.forEach((edge) => show(edge.node));
      setOlder(pageInfo.startCursor, pageInfo.hasPreviousPage);
      scrollToEnd();
      // Replays what was stored since that page was read, then goes on live: no gap, no duplicate.
      listen(MessageAddedDocument, { roomId, afterSeq: edges.at(-1)?.node.seq ?? 0 }, ({ messageAdded }) => {
        typers.delete(messageAdded.senderId);
        renderTyping();
        showNewer(messageAdded);
      });
    });

  // Typing: the others' (the server never echoes our own), and ours, renewed while we type.
  const typers = new Map<string, string>();
  const renderTyping = () => {
    const names = [...typers.values()];
    ui.typing.textContent = names.length ? `${names.join(' and ')} ${names.length > 1 ? 'are' : 'is'} typing…` : '';
  };
  renderTyping();
  listen(TypingDocument, { roomId }, ({ typing }) => {
    if (typing.isTyping) typers.set(typing.userId, typing.userName ?? typing.userId);
    else typers.delete(typing.userId);
    renderTyping();
  });
  const input = ui.composer.elements.namedItem('content') as HTMLInputElement;
  let typingSince = 0;
  const setTyping = (isTyping: boolean) => void client.mutation(SetTypingDocument, { roomId, isTyping }).toPromise();
  const stopTyping = () => {
    if (typingSince === 0) return;
    typingSince = 0;
    setTyping(false);
  };
  input.addEventListener(
    'input',
    () => {
      if (input.value.trim() === '') return stopTyping();
      if (Date.now() - typingSince < TYPING_RENEW_MS) return;
      typingSince = Date.now();
      setTyping(true);
    },
    { signal },
  );

  // Sending: a failed send keeps its clientMessageId, so sending the same text again cannot store it twice.
  let unsent: { content: string; clientMessageId: string } | undefined;
  ui.composer.addEventListener(
    'submit',
    async (event) => {
      event.preventDefault();
      const content = input.value;
      if (content.trim() === '') return;
      const clientMessageId = unsent?.content === content ? unsent.clientMessageId : newClientMessageId();
      input.value = '';
      stopTyping();
      const result = await client.mutation(SendMessageDocument, { roomId, content, clientMessageId }).toPromise();
      if (result.error || !result.data) {
        unsent = { content, clientMessageId };
        if (input.value === '') input.value = content;
        return report(describeError(result.error ?? new Error('not sent')));
      }
      unsent = undefined;
      if (!closed) showNewer(result.data.sendMessage);
    },
    { signal },
  );
  input.focus();

  // Presence: subscribe first, then ask who is online; an event heard meanwhile is newer than the answer.
  // A direct room's title is the other member's name already: its dot says "online" or "offline".
  const others = room.members.filter((member) => member.id !== meId);
  const label = (member: (typeof others)[number], status: string) =>
    room.kind === 'DIRECT' ? status : (member.name ?? member.id);
  const dots = new Map(others.map((member) => [member.id, renderMember(member.id, label(member, 'offline'))]));
  ui.members.replaceChildren(...dots.values());
  const setOnline = (userId: string, online: boolean) => {
    const dot = dots.get(userId);
    const member = others.find((other) => other.id === userId);
    if (!dot || !member) return;
    const status = online ? 'online' : 'offline';
    dot.dataset.status = status;
    dot.title = status;
    dot.textContent = label(member, status);
  };
  const heard = new Set<string>();
  listen(PresenceDocument, { roomId }, ({ presence }) => {
    heard.add(presence.userId);
    setOnline(presence.userId, presence.status === 'ONLINE');
  });
  void client
    .query(OnlineMembersDocument, { roomId })
    .toPromise()
    .then((result) => {
      if (closed) return;
      if (result.error || !result.data) return report(describeError(result.error ?? new Error('no presence')));
      const online = new Set(result.data.onlineMembers.map((member) => member.id));
      for (const member of others) if (!heard.has(member.id)) setOnline(member.id, online.has(member.id));
    });

  return {
    roomId,
    close() {
      closed = true;
      stopTyping();
      listeners.abort();
      readState.close();
      subscriptions.forEach((subscription) => subscription.unsubscribe());
    },
  };
}

function renderMessage(message: MessageFieldsFragment, meId: string): HTMLLIElement {
  const item = document.createElement('li');
  item.className = message.senderId === meId ? 'message mine' : 'message';
  item.dataset.seq = String(message.seq);
  const meta = document.createElement('span');
  meta.className = 'meta';
  const time = new Date(message.createdAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  meta.textContent = `${message.senderName ?? message.senderId} · ${time}`;
  const content = document.createElement('span');
  content.className = 'content';
  content.textContent = message.content;
  item.append(meta, content);
  return item;
}

function renderMember(userId: string, label: string): HTMLLIElement {
  const item = document.createElement('li');
  item.dataset.userId = userId;
  item.dataset.status = 'offline';
  item.title = 'offline';
  item.textContent = label;
  return item;
}

/** Random enough to be unique per sender and room; works on plain-http pages, unlike crypto.randomUUID. */
function newClientMessageId(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(12)), (byte) => byte.toString(16).padStart(2, '0')).join('');
}
