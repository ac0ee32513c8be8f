// Rooms and membership: the one direct room per pair (order-, duplicate- and race-safe), group rooms
// and their limits, membership checks on room(id), and the caller's rooms by most recent activity.
import { createRoom, ROOM_FIELDS, sendMessage } from './helpers/chat.ts';
import { expectData, graphqlHttp } from './helpers/http.ts';
import { startServer, type TestServer } from './helpers/server.ts';
import { createUser, uniqueUserId, type TestUser } from './helpers/tokens.ts';

let server: TestServer;

beforeAll(async () => {
  server = await startServer();
});

const CREATE_ROOM = `mutation($ids: [ID!]!, $title: String) {
  createRoom(participantIds: $ids, title: $title) { created room { id } }
}`;
const ROOM = `query($id: ID!) { room(id: $id) { ${ROOM_FIELDS} lastMessage { id seq content senderId } } }`;
const ROOMS = `query($first: Int, $after: String) {
  rooms(first: $first, after: $after) {
    edges { cursor node { id lastMessage { content } } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;

const sorted = (ids: string[]) => [...ids].sort();
const memberIds = (room: { members: { id: string }[] }) => sorted(room.members.map((member) => member.id));
/** Room activity is stored to the millisecond: a pause keeps "most recent first" unambiguous. */
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The ids of the caller's rooms, in the order the service lists them (one page of up to 100). */
async function roomIdsOf(user: TestUser, on: TestServer = server): Promise<string[]> {
  const data = await expectData(on.httpUrl, user.token, ROOMS, { first: 100 });
  expect(data.rooms.pageInfo.hasNextPage).toBe(false);
  return data.rooms.edges.map((edge: any) => edge.node.id);
}

describe('direct rooms', () => {
  it('makes a DIRECT room with both members for one other participant', async () => {
    const [alice, bob] = await Promise.all([createUser('alice'), createUser('bob')]);
    const result = await createRoom(server, alice, [bob.id]);
    expect(result.created).toBe(true);
    expect(result.room).toMatchObject({ kind: 'DIRECT', title: null });
    expect(memberIds(result.room)).toEqual(sorted([alice.id, bob.id]));
  });

  it('returns the same room with created: false whichever of the pair asks, with the caller and duplicates in the list', async () => {
    const [alice, bob] = await Promise.all([createUser('alice'), createUser('bob')]);
    const first = await createRoom(server, alice, [bob.id]);
    const again = [
      await createRoom(server, alice, [bob.id]),
      await createRoom(server, bob, [alice.id]),
      await createRoom(server, alice, [alice.id, bob.id, bob.id]),
      await createRoom(server, bob, [bob.id, alice.id, alice.id, bob.id]),
    ];
    for (const result of again) {
      expect(result).toMatchObject({ created: false, room: { id: first.room.id, kind: 'DIRECT' } });
      expect(memberIds(result.room)).toEqual(sorted([alice.id, bob.id]));
    }
    expect(await roomIdsOf(alice)).toEqual([first.room.id]);
    expect(await roomIdsOf(bob)).toEqual([first.room.id]);
  });

  it('answers one room to 20 concurrent createRoom calls from both sides of a pair, exactly one with created: true', async () => {
    const [alice, bob] = await Promise.all([createUser('alice'), createUser('bob')]);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? createRoom(server, alice, [bob.id]) : createRoom(server, bob, [alice.id]))),
    );
    const ids = new Set(results.map((result) => result.room.id));
    expect(ids.size).toBe(1);
    expect(results.filter((result) => result.created)).toHaveLength(1);
    for (const result of results) expect(memberIds(result.room)).toEqual(sorted([alice.id, bob.id]));
    expect(await roomIdsOf(alice)).toEqual([...ids]);
  });
});

describe('group rooms', () => {
  it('makes a new GROUP room of the caller and two or more others on every call, keeping the title', async () => {
    const [alice, bob, carol] = await Promise.all([createUser('alice'), createUser('bob'), createUser('carol')]);
    const first = await createRoom(server, alice, [bob.id, carol.id], 'Weekend plans');
    const second = await createRoom(server, alice, [alice.id, carol.id, bob.id, carol.id], 'Weekend plans');
    for (const result of [first, second]) {
      expect(result).toMatchObject({ created: true, room: { kind: 'GROUP', title: 'Weekend plans' } });
      expect(memberIds(result.room)).toEqual(sorted([alice.id, bob.id, carol.id]));
    }
    expect(second.room.id).not.toBe(first.room.id);
    expect(sorted(await roomIdsOf(carol))).toEqual(sorted([first.room.id, second.room.id]));
  });

  it.each([
    ['an empty participant list', (_self: TestUser, _other: TestUser) => ({ ids: [] })],
    ['only the caller', (self: TestUser) => ({ ids: [self.id] })],
    ['only the caller, twice', (self: TestUser) => ({ ids: [self.id, self.id] })],
    ['a participant id with a NUL character', (_self: TestUser, other: TestUser) => ({ ids: [other.id, 'x\u0000y'] })],
    ['a title with a NUL character', (_self: TestUser, other: TestUser) => ({ ids: [other.id, uniqueUserId('dave')], title: 'a\u0000b' })],
    ['a title with a lone surrogate', (_self: TestUser, other: TestUser) => ({ ids: [other.id, uniqueUserId('dave')], title: 'a\ud800b' })],
  ])('refuses %s with BAD_USER_INPUT and stores nothing', async (_case, args) => {
    const [alice, bob] = await Promise.all([createUser('alice'), createUser('bob')]);
    await createRoom(server, alice, [bob.id]);
    const before = await roomIdsOf(alice);
    const result = await graphqlHttp(server.httpUrl, alice.token, CREATE_ROOM, args(alice, bob));
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(result.data?.createRoom ?? null).toBeNull();
    expect(await roomIdsOf(alice)).toEqual(before);
    expect(await roomIdsOf(bob)).toEqual(before);
  });

  describe('with MAX_ROOM_MEMBERS=3', () => {
    let small: TestServer;
    beforeAll(async () => {
      small = await startServer({ MAX_ROOM_MEMBERS: '3' });
    });

    it('refuses a room of more than MAX_ROOM_MEMBERS members with BAD_USER_INPUT and stores nothing', async () => {
      const [alice, bob] = await Promise.all([createUser('alice'), createUser('bob')]);
      await createRoom(small, alice, [bob.id]);
      const before = await roomIdsOf(alice, small);
      const others = [bob.id, uniqueUserId('carol'), uniqueUserId('dave')];
      const result = await graphqlHttp(small.httpUrl, alice.token, CREATE_ROOM, { ids: others });
      expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(result.data?.createRoom ?? null).toBeNull();
      expect(await roomIdsOf(alice, small)).toEqual(before);
      expect(await roomIdsOf(bob, small)).toEqual(before);
    });

    it('accepts exactly MAX_ROOM_MEMBERS members, counting the caller and duplicates once', async () => {
      const [alice, bob, carol] = await Promise.all([createUser('alice'), createUser('bob'), createUser('carol')]);
      const result = await createRoom(small, alice, [alice.id, bob.id, carol.id, bob.id]);
      expect(result).toMatchObject({ created: true, room: { kind: 'GROUP' } });
      expect(memberIds(result.room)).toEqual(sorted([alice.id, bob.id, carol.id]));
    });
  });
});

describe('memberships', () => {
  const MEMBERSHIPS = `query($id: ID!) { room(id: $id) { memberships { user { id } role joinedAt lastReadSeq } createdAt } }`;
  const membershipsOf = async (user: TestUser, roomId: string) =>
    (await expectData(server.httpUrl, user.token, MEMBERSHIPS, { id: roomId })).room as {
      createdAt: string;
      memberships: { user: { id: string }; role: string; joinedAt: string; lastReadSeq: number }[];
    };

  it("makes a group room's creator its OWNER and the others MEMBERs, joined when the room was made, with nothing read", async () => {
    const [alice, bob, carol] = await Promise.all([createUser('alice'), createUser('bob'), createUser('carol')]);
    const { room } = await createRoom(server, bob, [alice.id, carol.id]);
    const { memberships, createdAt } = await membershipsOf(carol, room.id);
    const roles = Object.fromEntries(memberships.map((membership) => [membership.user.id, membership.role]));
    expect(roles).toEqual({ [alice.id]: 'MEMBER', [bob.id]: 'OWNER', [carol.id]: 'MEMBER' });
    for (const membership of memberships) expect(membership).toMatchObject({ joinedAt: createdAt, lastReadSeq: 0 });
  });

  it('gives the two members of a direct room the MEMBER role', async () => {
    const [alice, bob] = await Promise.all([createUser('alice'), createUser('bob')]);
    const { room } = await createRoom(server, alice, [bob.id]);
    const { memberships } = await membershipsOf(bob, room.id);
    expect(memberships.map((membership) => membership.role)).toEqual(['MEMBER', 'MEMBER']);
  });
});

describe('createRoom when pub-sub is down', () => {
  // Nothing listens on port 1: every publish fails, as it does while Redis is unreachable.
  let offline: TestServer;
  beforeAll(async () => {
    offline = await startServer({ REDIS_URL: 'redis://127.0.0.1:1' });
  });

  it('still answers the room it stored, so that a retry makes no second group', async () => {
    const [alice, bob, carol] = await Promise.all([createUser('alice'), createUser('bob'), createUser('carol')]);
    const group = await graphqlHttp(offline.httpUrl, alice.token, CREATE_ROOM, { ids: [bob.id, carol.id] });
    expect(group.errors).toBeUndefined();
    expect(group.data?.createRoom.created).toBe(true);
    const direct = await graphqlHttp(offline.httpUrl, alice.token, CREATE_ROOM, { ids: [bob.id] });
    expect(direct.errors).toBeUndefined();
    expect(sorted(await roomIdsOf(alice, offline))).toEqual(sorted([group.data?.createRoom.room.id, direct.data?.createRoom.room.id]));
  });
});

describe('room(id)', () => {
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  beforeAll(async () => {
    [alice, bob, carol] = await Promise.all([createUser('alice'), createUser('bob'), createUser('carol')]);
  });

  it('answers FORBIDDEN to a non-member, with no data', async () => {
    const roomId = (await createRoom(server, alice, [bob.id])).room.id;
    const outsider = await createUser('mallory');
    const result = await graphqlHttp(server.httpUrl, outsider.token, ROOM, { id: roomId });
    expect(result.errors?.[0]).toMatchObject({ path: ['room'], extensions: { code: 'FORBIDDEN' } });
    expect(result.data).toBeNull();
  });

  it('answers NOT_FOUND for an unknown room id', async () => {
    const result = await graphqlHttp(server.httpUrl, alice.token, ROOM, { id: '00000000-0000-4000-8000-000000000000' });
    expect(result.errors?.[0]).toMatchObject({ path: ['room'], extensions: { code: 'NOT_FOUND' } });
    expect(result.data).toBeNull();
  });

  it.each([['not-a-room'], [''], ['00000000-0000-4000-8000-00000000000g']])(
    'answers BAD_USER_INPUT for the malformed id %j',
    async (id) => {
      const result = await graphqlHttp(server.httpUrl, alice.token, ROOM, { id });
      expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(result.data).toBeNull();
    },
  );

  it('answers its members with their names, its creation time, and a null lastMessage before any message', async () => {
    const before = Date.now();
    const created = await createRoom(server, alice, [bob.id, carol.id], 'Book club');
    const after = Date.now();
    // Each member's name comes from their own token, so let each of them sign in once, one after
    // the other: Bob's answer must see Carol's name already stored.
    await expectData(server.httpUrl, carol.token, ROOM, { id: created.room.id });
    const asBob = await expectData(server.httpUrl, bob.token, ROOM, { id: created.room.id });
    const data = await expectData(server.httpUrl, alice.token, ROOM, { id: created.room.id });
    expect(data.room).toMatchObject({ id: created.room.id, kind: 'GROUP', title: 'Book club', lastMessage: null });
    expect(asBob.room).toEqual(data.room);
    expect([...data.room.members].sort((x: any, y: any) => x.id.localeCompare(y.id))).toEqual(
      [alice, bob, carol].map(({ id, name }) => ({ id, name })).sort((x, y) => x.id.localeCompare(y.id)),
    );
    const createdAt = Date.parse(data.room.createdAt);
    expect(new Date(createdAt).toISOString()).toBe(data.room.createdAt);
    expect(createdAt).toBeGreaterThanOrEqual(before - 1000);
    expect(createdAt).toBeLessThanOrEqual(after + 1000);
  });

  it('answers the latest message as lastMessage once messages are sent', async () => {
    const roomId = (await createRoom(server, bob, [carol.id])).room.id;
    await sendMessage(server, bob, roomId, 'first');
    const latest = await sendMessage(server, carol, roomId, 'second');
    const data = await expectData(server.httpUrl, bob.token, ROOM, { id: roomId });
    expect(data.room.lastMessage).toEqual({ id: latest.id, seq: 2, content: 'second', senderId: carol.id });
  });
});

describe('rooms(first, after)', () => {
  let owner: TestUser;
  /** The owner's rooms, most recent activity first. */
  let expected: string[];
  let othersRoom: string;

  beforeAll(async () => {
    owner = await createUser('owner');
    const [ann, ben, cat, dan] = await Promise.all([createUser('ann'), createUser('ben'), createUser('cat'), createUser('dan')]);
    const created: string[] = [];
    // Seven rooms, direct and group, created one after the other.
    for (const participants of [[ann], [ben], [ann, ben], [cat], [ben, cat, dan], [dan], [ann, dan]]) {
      created.push((await createRoom(server, owner, participants.map((friend) => friend.id))).room.id);
      await pause(5);
    }
    expected = created.reverse();
    // Rooms the owner is not in: one of the owner's friends among themselves, one of strangers.
    othersRoom = (await createRoom(server, ann, [ben.id, cat.id])).room.id;
    const [stranger, otherStranger] = await Promise.all([createUser('stranger'), createUser('stranger')]);
    await createRoom(server, stranger, [otherStranger.id]);
  });

  it("lists only the caller's rooms, most recent activity first", async () => {
    const listed = await roomIdsOf(owner);
    expect(listed).toEqual(expected);
    expect(listed).not.toContain(othersRoom);
  });

  it('moves a room to the top when a message is sent in it', async () => {
    const oldest = expected.at(-1)!;
    await sendMessage(server, owner, oldest, 'back to the top');
    expected = [oldest, ...expected.slice(0, -1)];
    const data = await expectData(server.httpUrl, owner.token, ROOMS, { first: 2 });
    expect(data.rooms.edges[0].node).toEqual({ id: oldest, lastMessage: { content: 'back to the top' } });
    expect(await roomIdsOf(owner)).toEqual(expected);
  });

  it('pages through every room with first + after, without duplicates, and says when there is more', async () => {
    const seen: string[] = [];
    const pages: { hasNextPage: boolean; hasPreviousPage: boolean }[] = [];
    let after: string | undefined;
    for (let page = 0; page < 10; page++) {
      const data = await expectData(server.httpUrl, owner.token, ROOMS, { first: 3, after });
      const { edges, pageInfo } = data.rooms;
      seen.push(...edges.map((edge: any) => edge.node.id));
      pages.push({ hasNextPage: pageInfo.hasNextPage, hasPreviousPage: pageInfo.hasPreviousPage });
      expect(pageInfo.startCursor).toBe(edges[0]?.cursor ?? null);
      expect(pageInfo.endCursor).toBe(edges.at(-1)?.cursor ?? null);
      if (!pageInfo.hasNextPage) break;
      after = pageInfo.endCursor;
    }
    expect(seen).toEqual(expected);
    expect(new Set(seen).size).toBe(seen.length);
    expect(pages).toEqual([
      { hasNextPage: true, hasPreviousPage: false },
      { hasNextPage: true, hasPreviousPage: true },
      { hasNextPage: false, hasPreviousPage: true },
    ]);
  });

  it('says there is no next page when the page ends exactly at the last room', async () => {
    const whole = await expectData(server.httpUrl, owner.token, ROOMS, { first: expected.length });
    expect(whole.rooms.edges).toHaveLength(expected.length);
    expect(whole.rooms.pageInfo.hasNextPage).toBe(false);
    const allButOne = await expectData(server.httpUrl, owner.token, ROOMS, { first: expected.length - 1 });
    expect(allButOne.rooms.pageInfo.hasNextPage).toBe(true);
    const rest = await expectData(server.httpUrl, owner.token, ROOMS, { first: 5, after: allButOne.rooms.pageInfo.endCursor });
    expect(rest.rooms.edges.map((edge: any) => edge.node.id)).toEqual(expected.slice(-1));
    expect(rest.rooms.pageInfo.hasNextPage).toBe(false);
  });

  it('refuses a cursor it did not issue for rooms with BAD_USER_INPUT', async () => {
    const history = await expectData(
      server.httpUrl,
      owner.token,
      'query($roomId: ID!) { messages(roomId: $roomId, last: 1) { pageInfo { endCursor } } }',
      { roomId: expected[0] },
    );
    const messageCursor = history.messages.pageInfo.endCursor;
    expect(typeof messageCursor).toBe('string');
    const page = await expectData(server.httpUrl, owner.token, ROOMS, { first: 1 });
    const roomCursor: string = page.rooms.pageInfo.endCursor;
    for (const after of [messageCursor, 'bm90LWEtY3Vyc29y', `${roomCursor}x`, roomCursor.slice(0, -2)]) {
      const result = await graphqlHttp(server.httpUrl, owner.token, ROOMS, { first: 1, after });
      expect({ after, code: result.errors?.[0]?.extensions?.code }).toEqual({ after, code: 'BAD_USER_INPUT' });
    }
  });

  it.each([
    ['first above 100', 101],
    ['a negative first', -1],
  ])('refuses %s with BAD_USER_INPUT', async (_case, first) => {
    const result = await graphqlHttp(server.httpUrl, owner.token, ROOMS, { first });
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(result.data).toBeNull();
  });
});
