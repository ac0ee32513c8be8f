// One open room: the newest page of its history, older pages when scrolled to the top, and its event
// log followed live (new messages, edits, deletes, reactions, membership changes); who is typing and
// which members are online; editing, deleting, reacting and replying. close() ends its subscriptions,
// and so its presence.
import type { AnyVariables, Client, CombinedError, TypedDocumentNode } from '@urql/core';
import {
  AddReactionDocument,
  DeleteMessageDocument,
  EditMessageDocument,
  RemoveReactionDocument,
  RoomEventsDocument,
  SendMessageDocument,
  SendReplyDocument,
  SetTypingDocument,
  TypingDocument,
  type MessageDetailsFragment,
  type MessageFieldsFragment,
  type RoomEventsSubscription,
  type RoomFieldsFragment,
} from '../../client/generated/graphql.ts';
import { describeError, isForbidden } from './api.ts';
import { MessagePageDocument, RoomMembersNowDocument } from './documents.ts';
import { preview, renderMessage } from './message-item.ts';
import { trackReadState } from './read-state.ts';
import { trackMembers, type MembersElements } from './room-members.ts';
import { roomTitle } from './rooms-list.ts';

const PAGE_SIZE = 25;
/** The server ends a setTyping(true) not renewed within 6 s: renew it well before while typing goes on. */
const TYPING_RENEW_MS = 3_000;

export interface RoomElements extends MembersElements {
  title: HTMLElement;
  notice: HTMLElement;
  messages: HTMLOListElement;
  loadOlder: HTMLButtonElement;
  typing: HTMLElement;
  composeContext: HTMLElement;
  composer: HTMLFormElement;
  seenBy: HTMLElement;
}

export interface RoomView {
  readonly roomId: string;
  /** The viewer is no longer a member: the view says so and shows no more changes. */
  readonly gone: boolean;
  close(): void;
}

type RoomEvent = RoomEventsSubscription['roomEvents'];

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
  let gone = false;
  // FORBIDDEN: the viewer is no longer a member (each of the room's subscriptions ends so when they are
  // removed, and roomEvents first says by whom). The notice says so; nothing else is reported after.
  const failed = (error: CombinedError | Error) => {
    if (gone) return;
    if (isForbidden(error)) return leftRoom('You are no longer a member of this room.');
    report(describeError(error));
  };
  const listen = <Data, Variables extends AnyVariables>(
    document: TypedDocumentNode<Data, Variables>,
    variables: Variables,
    onData: (data: Data) => void,
  ) =>
    subscriptions.push(
      client.subscription(document, variables).subscribe((result) => {
        if (result.error) failed(result.error);
        else if (result.data) onData(result.data);
      }),
    );

  ui.title.textContent = roomTitle(room, meId);
  ui.notice.hidden = true;
  ui.composer.hidden = false;
  ui.messages.classList.remove('gone');
  ui.messages.querySelectorAll('li.message').forEach((item) => item.remove());

  const readState = trackReadState(client, room, meId, ui.seenBy, failed);
  const members = trackMembers(client, room, meId, ui, failed, signal);

  // Messages: each shown once, in seq order, whichever way it came (page, replay, live, own send), and
  // redrawn in place as it changes (the newest state wins: events come in eventSeq order).
  const messages = new Map<string, MessageDetailsFragment>();
  const show = (message: MessageDetailsFragment) => {
    const item = renderMessage(message, meId);
    const existing = ui.messages.querySelector(`li.message[data-id="${CSS.escape(message.id)}"]`);
    messages.set(message.id, message);
    if (existing) return existing.replaceWith(item);
    readState.shown(message);
    const later = [...ui.messages.querySelectorAll<HTMLLIElement>('li.message')].find(
      (each) => Number(each.dataset.seq) > message.seq,
    );
    ui.messages.insertBefore(item, later ?? null);
  };
  /**
   * A change to a message: redrawn if shown (one older than the loaded pages comes fresh with its
   * page), and so are the replies that quote it.
   */
  const changed = (message: MessageDetailsFragment) => {
    if (!messages.has(message.id)) return;
    show(message);
    for (const reply of messages.values()) {
      if (reply.replyTo?.id !== message.id) continue;
      show({ ...reply, replyTo: { ...reply.replyTo, content: message.content, deletedAt: message.deletedAt } });
    }
  };
  const scrollToEnd = () => (ui.messages.scrollTop = ui.messages.scrollHeight);
  const showNewer = (message: MessageDetailsFragment) => {
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
    const result = await client.query(MessagePageDocument, { roomId, last: PAGE_SIZE, before: older.cursor }).toPromise();
    if (closed) return;
    if (result.error || !result.data) {
      older.loading = false;
      return failed(result.error ?? new Error('no messages'));
    }
    // Keep the messages in view where they are while older ones are put above them.
    const fromEnd = ui.messages.scrollHeight - ui.messages.scrollTop;
    result.data.messages.edges.forEach((edge) => show(edge.node));
    ui.messages.scrollTop = ui.messages.scrollHeight - fromEnd;
    setOlder(result.data.messages.pageInfo.startCursor, result.data.messages.pageInfo.hasPreviousPage);
  };
  ui.messages.addEventListener('scroll', () => ui.messages.scrollTop < 40 && void loadOlder(), { signal });
  ui.loadOlder.addEventListener('click', () => void loadOlder(), { signal });

  // The event log: followed from the members' answer's lastEventSeq, read before the first page, so
  // the replay overlaps the page (harmless: the newest state wins) and misses nothing. Events that
  // come before the page wait for it.
  const apply = (event: RoomEvent) => {
    switch (event.__typename) {
      case 'MessagePosted':
        typers.delete(event.message.senderId);
        renderTyping();
        return showNewer(event.message);
      case 'MessageEdited':
      case 'MessageDeleted':
      case 'ReactionChanged':
        return changed(event.message);
      case 'MembershipChanged': {
        const why = members.changed(event);
        if (why) leftRoom(why);
      }
    }
  };
  let waiting: RoomEvent[] | undefined = [];
  void client
    .query(RoomMembersNowDocument, { id: roomId })
    .toPromise()
    .then(async (answer) => {
      if (closed) return;
      if (answer.error || !answer.data) return failed(answer.error ?? new Error('no room'));
      members.reset(answer.data.room);
      listen(RoomEventsDocument, { roomId, afterEventSeq: answer.data.room.lastEventSeq }, ({ roomEvents }) =>
        waiting ? waiting.push(roomEvents) : apply(roomEvents),
      );
      const page = await client.query(MessagePageDocument, { roomId, last: PAGE_SIZE }).toPromise();
      if (closed) return;
      if (page.error || !page.data) return failed(page.error ?? new Error('no messages'));
      const { edges, pageInfo } = page.data.messages;
      edges.forEach((edge) => show(edge.node));
      setOlder(pageInfo.startCursor, pageInfo.hasPreviousPage);
      scrollToEnd();
      const events = waiting ?? [];
      waiting = undefined;
      events.forEach(apply);
    });

  /** The viewer was removed or left: the view says so, and takes no more input. */
  const leftRoom = (why: string) => {
    gone = true;
    ui.notice.textContent = why;
    ui.notice.hidden = false;
    ui.composer.hidden = true;
    ui.messages.classList.add('gone');
    setMode(undefined);
  };

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

  // What the composer does next: send, send as a reply to a message, or edit one of ours.
  let mode: { kind: 'reply' | 'edit'; message: MessageDetailsFragment } | undefined;
  const setMode = (next: typeof mode) => {
    mode = next;
    const label = ui.composeContext.querySelector('span') as HTMLElement;
    ui.composeContext.hidden = !mode;
    if (!mode) return;
    const { message } = mode;
    label.textContent =
      mode.kind === 'edit'
        ? 'Editing your message'
        : `Replying to ${message.senderName ?? message.senderId}: ${preview(message.content)}`;
    if (mode.kind === 'edit') input.value = message.content;
    input.focus();
  };
  setMode(undefined);
  ui.composeContext.querySelector('button')?.addEventListener(
    'click',
    () => {
      if (mode?.kind === 'edit') input.value = '';
      setMode(undefined);
    },
    { signal },
  );

  // The buttons of each message (message-item.ts): one listener for all of them.
  ui.messages.addEventListener(
    'click',
    async (event) => {
      const button = (event.target as Element).closest<HTMLButtonElement>('button[data-action]');
      const message = messages.get(button?.closest<HTMLElement>('li.message')?.dataset.id ?? '');
      if (!button || !message) return;
      const messageId = message.id;
      const emoji = button.dataset.emoji ?? '';
      const mine = message.reactions.some((group) => group.emoji === emoji && group.userIds.includes(meId));
      switch (button.dataset.action) {
        case 'reply':
        case 'edit':
          return setMode({ kind: button.dataset.action, message });
        case 'delete':
          return answered(await client.mutation(DeleteMessageDocument, { messageId }).toPromise(), 'deleteMessage');
        case 'react':
          return mine
            ? answered(await client.mutation(RemoveReactionDocument, { messageId, emoji }).toPromise(), 'removeReaction')
            : answered(await client.mutation(AddReactionDocument, { messageId, emoji }).toPromise(), 'addReaction');
      }
    },
    { signal },
  );
  /** A mutation's answer is the message as it is now: shown at once (its event will say the same). */
  const answered = <Field extends string>(
    result: { error?: Parameters<typeof describeError>[0]; data?: { [key in Field]: MessageDetailsFragment } },
    field: Field,
  ) => {
    if (result.error || !result.data) return failed(result.error ?? new Error('no answer'));
    if (!closed) changed(result.data[field]);
  };

  // Sending: a failed send keeps its clientMessageId, so sending the same text again cannot store it twice.
  let unsent: { content: string; clientMessageId: string } | undefined;
  ui.composer.addEventListener(
    'submit',
    async (event) => {
      event.preventDefault();
      const content = input.value;
      if (content.trim() === '') return;
      const sending = mode;
      input.value = '';
      setMode(undefined);
      stopTyping();
      if (sending?.kind === 'edit') {
        const result = await client.mutation(EditMessageDocument, { messageId: sending.message.id, content }).toPromise();
        if (result.error) input.value ||= content;
        return answered(result, 'editMessage');
      }
      const clientMessageId = unsent?.content === content ? unsent.clientMessageId : newClientMessageId();
      const result = sending
        ? await client.mutation(SendReplyDocument, { roomId, content, clientMessageId, replyToId: sending.message.id }).toPromise()
        : await client.mutation(SendMessageDocument, { roomId, content, clientMessageId }).toPromise();
      if (result.error || !result.data) {
        unsent = { content, clientMessageId };
        if (input.value === '') input.value = content;
        return failed(result.error ?? new Error('not sent'));
      }
      unsent = undefined;
      if (!closed) showNewer(asDetails(result.data.sendMessage));
    },
    { signal },
  );
  input.focus();

  return {
    roomId,
    get gone() {
      return gone;
    },
    close() {
      closed = true;
      stopTyping();
      listeners.abort();
      readState.close();
      members.close();
      subscriptions.forEach((subscription) => subscription.unsubscribe());
    },
  };
}

/** A message just sent, as its details: never edited, deleted or reacted to yet. */
function asDetails(message: MessageFieldsFragment | MessageDetailsFragment): MessageDetailsFragment {
  return 'reactions' in message ? message : { ...message, editedAt: null, deletedAt: null, replyTo: null, reactions: [] };
}

/** Random enough to be unique per sender and room; works on plain-http pages, unlike crypto.randomUUID. */
function newClientMessageId(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(12)), (byte) => byte.toString(16).padStart(2, '0')).join('');
}
