// GraphiQL in development: served whole from the service (@graphql-yoga/render-graphiql bundles its
// code, styles and editor workers into the page), so it works on a machine without internet access,
// a self-hosted service's usual home; Yoga's default page loads it from a public CDN.
// Its first screen is the project's: how to set the token, and a ready example of every operation.
import type { GraphiQLOptions } from 'graphql-yoga';

const TOKEN_HEADER = '{ "Authorization": "Bearer <paste a token: npm run -s token -- alice Alice>" }';

/** Every operation of the API, ready to run; the cursor's operation is the one Run (Ctrl-Enter) sends. */
export const EXAMPLE_OPERATIONS = `# Chat API. First, in the Headers tab below, paste a token
# (npm run -s token -- alice Alice):  { "Authorization": "Bearer <token>" }
# Then put the cursor in an operation and press Run (Ctrl-Enter).
# Every operation of the API is below; their values come from the
# Variables tab: set "roomId" once you have a room.
# The schema (Docs, top left) needs no token in development.

query MyRooms {
  me { id name }
  rooms(first: 10) {
    edges { node { id kind title unreadCount lastReadSeq members { id name } lastMessage { seq senderName content createdAt } } }
  }
}

# The direct room of you and one other user: created once,
# the same room after that (created: false).
mutation CreateDirectRoom($otherUserId: ID!) {
  createRoom(participantIds: [$otherUserId]) { created room { id kind members { id name } } }
}

# Two or more others: a new group room each time.
mutation CreateGroupRoom($participantIds: [ID!]!, $title: String) {
  createRoom(participantIds: $participantIds, title: $title) { created room { id kind title members { id name } } }
}

# Live messages of the room (without roomId: of all your rooms).
# Runs until you stop it.
subscription MessageAdded($roomId: ID) {
  messageAdded(roomId: $roomId) { seq senderName content createdAt }
}

mutation SendMessage($roomId: ID!, $content: String!) {
  sendMessage(roomId: $roomId, content: $content) { seq content createdAt }
}

query Room($roomId: ID!) {
  room(id: $roomId) { id kind title createdAt lastEventSeq memberships { user { id name } role lastReadSeq } }
}

# Every change of the room in order (without roomId: of all your rooms),
# from afterEventSeq when given (the replay first). Runs until you stop it.
subscription RoomEvents($roomId: ID) {
  roomEvents(roomId: $roomId) {
    __typename eventSeq actorId at
    ... on MessagePosted { message { seq senderName content } }
    ... on MessageEdited { message { seq content editedAt } }
    ... on MessageDeleted { message { seq deletedAt } }
    ... on ReactionChanged { emoji added message { seq } }
    ... on MembershipChanged { change role user { id name } }
  }
}

mutation EditMessage($messageId: ID!, $content: String!) {
  editMessage(messageId: $messageId, content: $content) { seq content editedAt }
}

mutation DeleteMessage($messageId: ID!) {
  deleteMessage(messageId: $messageId) { seq deletedAt }
}

mutation AddReaction($messageId: ID!, $emoji: String!) {
  addReaction(messageId: $messageId, emoji: $emoji) { seq reactions { emoji count userIds } }
}

mutation RemoveReaction($messageId: ID!, $emoji: String!) {
  removeReaction(messageId: $messageId, emoji: $emoji) { seq reactions { emoji count userIds } }
}

# Group rooms: the owner adds and removes members; anyone may leave.
mutation AddMembers($roomId: ID!, $userIds: [ID!]!) {
  addMembers(roomId: $roomId, userIds: $userIds) { id members { id name } }
}

mutation RemoveMember($roomId: ID!, $userId: ID!) {
  removeMember(roomId: $roomId, userId: $userId) { id members { id name } }
}

mutation LeaveRoom($roomId: ID!) {
  leaveRoom(roomId: $roomId)
}

# Your read position moves forward to seq (never back); the badge follows.
mutation MarkRead($roomId: ID!, $seq: Int!) {
  markRead(roomId: $roomId, seq: $seq) { id lastReadSeq unreadCount }
}

# Members' read positions as they move (without roomId: in all your rooms).
subscription ReadReceipts($roomId: ID) {
  readReceipts(roomId: $roomId) { roomId userId lastReadSeq at }
}

query History($roomId: ID!) {
  messages(roomId: $roomId, last: 20) {
    edges { node { seq senderName content createdAt } }
    pageInfo { hasPreviousPage startCursor }
  }
}

mutation SetTyping($roomId: ID!) {
  setTyping(roomId: $roomId, isTyping: true)
}

subscription Typing($roomId: ID!) {
  typing(roomId: $roomId) { userId userName isTyping at }
}

subscription Presence($roomId: ID!) {
  presence(roomId: $roomId) { userId userName status at }
}

query OnlineMembers($roomId: ID!) {
  onlineMembers(roomId: $roomId) { id name }
}
`;

const EXAMPLE_VARIABLES = JSON.stringify(
  {
    roomId: '<a room id, from MyRooms or CreateDirectRoom>',
    otherUserId: 'bob',
    participantIds: ['bob', 'carol'],
    title: 'Team',
    content: 'Hi Bob!',
    messageId: '<a message id, from History>',
    emoji: '👍',
    userIds: ['dave'],
    userId: 'dave',
    seq: 1,
  },
  null,
  2,
);

export const GRAPHIQL_OPTIONS: GraphiQLOptions = {
  title: 'Chat API',
  defaultTabs: [{ query: EXAMPLE_OPERATIONS, variables: EXAMPLE_VARIABLES, headers: TOKEN_HEADER }],
  defaultHeaders: TOKEN_HEADER,
  defaultEditorToolsVisibility: 'headers',
  // A token is not kept in the browser: saved headers are shared by every tab of the origin, so a
  // reload would silently take the token another tab saved last (Alice's tab turning into Bob's).
  shouldPersistHeaders: false,
  favicon: '/favicon.svg',
};

/**
 * Renders the page on the first visit and keeps it: it is about 9 MB (GraphiQL and its editor), and
 * its package is loaded only then (about 15 MB of heap and 170 ms), never in production.
 */
export function createGraphiQLRenderer(): (options: GraphiQLOptions) => Promise<string> {
  let page: Promise<string> | undefined;
  return (options) => (page ??= import('@graphql-yoga/render-graphiql').then(({ renderGraphiQL }) => renderGraphiQL(options)));
}
