// Operations of the room event log as tests call them: message changes, membership changes, the
// roomEvents selection, and a client that applies a room's log to rebuild the room.
import type { FormattedExecutionResult as ExecutionResult } from 'graphql';
import type { Client } from 'graphql-ws';
import { MESSAGE_FIELDS, type Endpoint } from './chat.ts';
import { feed, type Feed } from './feed.ts';
import { withTimeout } from './ws.ts';
import { expectData, graphqlHttp } from './http.ts';
import type { TestUser } from './tokens.ts';

export const FULL_MESSAGE = `${MESSAGE_FIELDS} editedAt deletedAt replyTo { id content deletedAt } reactions { emoji count userIds }`;

export const ROOM_EVENT_FIELDS = `__typename roomId eventSeq actorId at
  ... on MessagePosted { message { ${FULL_MESSAGE} } }
  ... on MessageEdited { message { ${FULL_MESSAGE} } }
  ... on MessageDeleted { message { ${FULL_MESSAGE} } }
  ... on ReactionChanged { message { ${FULL_MESSAGE} } emoji added }
  ... on MembershipChanged { user { id } change role }`;

export const ROOM_EVENTS = `subscription($roomId: ID, $after: Int) { roomEvents(roomId: $roomId, afterEventSeq: $after) { ${ROOM_EVENT_FIELDS} } }`;

export interface Message {
  id: string;
  seq: number;
  content: string;
  senderId: string;
  editedAt: string | null;
  deletedAt: string | null;
  replyTo: { id: string; content: string; deletedAt: string | null } | null;
  reactions: { emoji: string; count: number; userIds: string[] }[];
}

export interface RoomEvent {
  __typename: string;
  roomId: string;
  eventSeq: number;
  actorId: string;
  message?: Message;
  emoji?: string;
  added?: boolean;
  user?: { id: string };
  change?: string;
  role?: string | null;
}

const MUTATIONS = {
  send: `mutation($roomId: ID!, $content: String!, $replyToId: ID) { result: sendMessage(roomId: $roomId, content: $content, replyToId: $replyToId) { ${FULL_MESSAGE} } }`,
  edit: `mutation($messageId: ID!, $content: String!) { result: editMessage(messageId: $messageId, content: $content) { ${FULL_MESSAGE} } }`,
  delete: `mutation($messageId: ID!) { result: deleteMessage(messageId: $messageId) { ${FULL_MESSAGE} } }`,
  react: `mutation($messageId: ID!, $emoji: String!) { result: addReaction(messageId: $messageId, emoji: $emoji) { ${FULL_MESSAGE} } }`,
  unreact: `mutation($messageId: ID!, $emoji: String!) { result: removeReaction(messageId: $messageId, emoji: $emoji) { ${FULL_MESSAGE} } }`,
  add: 'mutation($roomId: ID!, $userIds: [ID!]!) { result: addMembers(roomId: $roomId, userIds: $userIds) { id lastEventSeq memberships { user { id } role } } }',
  remove: 'mutation($roomId: ID!, $userId: ID!) { result: removeMember(roomId: $roomId, userId: $userId) { id lastEventSeq memberships { user { id } role } } }',
  leave: 'mutation($roomId: ID!) { result: leaveRoom(roomId: $roomId) }',
} as const;

export type MutationName = keyof typeof MUTATIONS;

/** Runs a mutation that must succeed; answers its result. */
export async function mutate<T = any>(server: Endpoint, user: TestUser, name: MutationName, variables: Record<string, unknown>): Promise<T> {
  return (await expectData(server.httpUrl, user.token, MUTATIONS[name], variables)).result as T;
}

/** Runs a mutation that must fail; answers its error code. */
export async function refusal(server: Endpoint, user: TestUser, name: MutationName, variables: Record<string, unknown>): Promise<unknown> {
  const result = await graphqlHttp(server.httpUrl, user.token, MUTATIONS[name], variables);
  if (!result.errors?.length) throw new Error(`${name} was expected to fail, answered ${JSON.stringify(result.data)}`);
  return result.errors[0]!.extensions?.code;
}

/** The room as the queries show it: every message oldest-first, the members and their roles. */
export async function roomAsQueried(server: Endpoint, user: TestUser, roomId: string) {
  const data = await expectData(
    server.httpUrl,
    user.token,
    `query($id: ID!) { room(id: $id) { lastEventSeq memberships { user { id } role } messages(first: 100) { edges { node { ${FULL_MESSAGE} } } } } }`,
    { id: roomId },
  );
  const room = data.room as { lastEventSeq: number; memberships: { user: { id: string }; role: string }[]; messages: { edges: { node: Message }[] } };
  return {
    lastEventSeq: room.lastEventSeq,
    members: Object.fromEntries(room.memberships.map((membership) => [membership.user.id, membership.role])),
    messages: room.messages.edges.map((edge) => edge.node),
  };
}

/** What a client that applies a room's events in order ends with. */
export function applyEvents(events: readonly RoomEvent[]) {
  const members: Record<string, string> = {};
  const messages = new Map<string, Message>();
  for (const event of events) {
    if (event.__typename === 'MembershipChanged') {
      if (event.role) members[event.user!.id] = event.role;
      else delete members[event.user!.id];
    } else {
      messages.set(event.message!.id, event.message!);
    }
  }
  return { members, messages: [...messages.values()].sort((a, b) => a.seq - b.seq) };
}

/** Every result of one subscription as it came (data or errors), and its completion. */
export interface Watched {
  readonly results: Feed<ExecutionResult<Record<string, any>, unknown>>;
  /** Resolves when the server completed the operation (or it failed); rejects after `timeoutMs`. */
  completed(what: string, timeoutMs?: number): Promise<void>;
  dispose(): void;
}

export function watch(client: Client, query: string, variables: Record<string, unknown>): Watched {
  const results = feed<ExecutionResult<Record<string, any>, unknown>>();
  const done = Promise.withResolvers<void>();
  const dispose = client.subscribe<Record<string, any>>(
    { query, variables },
    {
      next: (result) => results.push(result),
      error: (error) => {
        results.fail(error);
        done.resolve();
      },
      complete: () => done.resolve(),
    },
  );
  return { results, completed: (what, timeoutMs = 5000) => withTimeout(done.promise, what, timeoutMs), dispose };
}

/** The data of the watched results, up to the first result with errors. */
export const dataOf = (watched: Watched, field: string) => watched.results.events.filter((result) => result.data).map((result) => result.data![field]);

/** The error codes of the watched results that carried errors, and whether any of those carried data too. */
export function endingOf(watched: Watched) {
  const failed = watched.results.events.filter((result) => result.errors?.length);
  return {
    codes: failed.flatMap((result) => result.errors!.map((error) => error.extensions?.code)),
    withData: failed.some((result) => result.data !== undefined && result.data !== null),
    position: watched.results.events.findIndex((result) => result.errors?.length),
    count: watched.results.events.length,
  };
}
