// One message of the open room as a list item: sender and time, what it replies to, its content (or
// "message deleted"), its reactions with counts, and the buttons that act on it. The buttons carry
// data-action (and data-emoji); the room view handles their clicks.
import type { MessageDetailsFragment } from '../../client/generated/graphql.ts';

/** The reactions offered on every message; others' other emoji show beside them. */
export const QUICK_REACTIONS = ['👍', '❤️', '😂'];
const PREVIEW_LENGTH = 60;

export function renderMessage(message: MessageDetailsFragment, meId: string): HTMLLIElement {
  const item = document.createElement('li');
  item.className = message.senderId === meId ? 'message mine' : 'message';
  item.dataset.seq = String(message.seq);
  item.dataset.id = message.id;
  const time = new Date(message.createdAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  const edited = message.editedAt && !message.deletedAt ? ' · edited' : '';
  item.append(element('span', 'meta', `${message.senderName ?? message.senderId} · ${time}${edited}`));
  if (message.replyTo) {
    const { replyTo } = message;
    const quoted = replyTo.deletedAt ? 'message deleted' : preview(replyTo.content);
    item.append(element('span', 'reply-to', `↪ ${replyTo.senderName ?? replyTo.senderId}: ${quoted}`));
  }
  if (message.deletedAt) {
    item.classList.add('deleted');
    item.append(element('span', 'content', 'message deleted'));
    return item;
  }
  item.append(element('span', 'content', message.content));

  const actions = element('span', 'actions', '');
  const emoji = [...new Set([...QUICK_REACTIONS, ...message.reactions.map((group) => group.emoji)])];
  for (const each of emoji) {
    const group = message.reactions.find((reaction) => reaction.emoji === each);
    const button = action('react', group?.count ? `${each} ${group.count}` : each);
    button.className = 'reaction';
    button.dataset.emoji = each;
    button.setAttribute('aria-pressed', String(group?.userIds.includes(meId) ?? false));
    actions.append(button);
  }
  actions.append(action('reply', 'Reply'));
  if (message.senderId === meId) actions.append(action('edit', 'Edit'), action('delete', 'Delete'));
  item.append(actions);
  return item;
}

export function preview(content: string): string {
  return content.length > PREVIEW_LENGTH ? `${content.slice(0, PREVIEW_LENGTH)}…` : content;
}

function element(tag: string, className: string, text: string): HTMLElement {
  const node = document.createElement(tag);
  node.className = className;
  node.textContent = text;
  return node;
}

function action(name: string, label: string): HTMLButtonElement {
  const button = document.createElement('button');
  button.type = 'button';
  button.dataset.action = name;
  button.textContent = label;
  return button;
}
