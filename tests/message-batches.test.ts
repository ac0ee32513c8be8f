// Sends stored together under load (one statement for several messages): each message gets what a
// send of its own would have got, seqs stay gap-free in arrival order, and batches sharing rooms
// wait on each other instead of deadlocking.
import pg from 'pg';
import { storeMessages, storeTogether, type NewMessage, type StoreResult } from '../src/db/messages-store.ts';
import type { RunStatement } from '../src/db/prepared.ts';
import { createRoom, sendMessage } from './helpers/chat.ts';
import { describeWithPostgres } from './helpers/env.ts';
import { startServer, type TestServer } from './helpers/server.ts';
import { createUser, type TestUser } from './helpers/tokens.ts';
import { range } from './helpers/waits.ts';

let server: TestServer;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;

const message = (sender: TestUser, roomId: string, content: string, clientMessageId: string | null = null): NewMessage => ({
  roomId, senderId: sender.id, senderName: sender.name, content, clientMessageId, replyToId: null,
});
const seqOf = (result: StoreResult) => (result.outcome === 'not-a-member' ? undefined : result.message.seq);

describeWithPostgres('sends stored together', () => {
  beforeAll(async () => {
    server = await startServer({ RATE_SEND_MESSAGE_BURST: '1000' });
  });
  // Fresh users each time: a direct room is one per pair of users.
  beforeEach(async () => {
    [alice, bob, carol] = await Promise.all([createUser('alice'), createUser('bob'), createUser('carol')]);
  });

  const newRoom = async (owner: TestUser, others: TestUser[]) => (await createRoom(server, owner, others.map((user) => user.id))).room.id as string;

  it("numbers each room's messages after its last, in the batch's order, with the sender's content", async () => {
    const [first, second] = await Promise.all([newRoom(alice, [bob]), newRoom(alice, [carol])]);
    await sendMessage(server, alice, first, 'before');
    const results = await storeTogether(server.database.run, [
      message(alice, first, 'a'), message(carol, second, 'b'), message(bob, first, "c'\"{},\\"), message(alice, second, 'd'),
    ]);
    expect(results.map((result) => result.outcome)).toEqual(['stored', 'stored', 'stored', 'stored']);
    expect(results.map(seqOf)).toEqual([2, 1, 3, 2]);
    const stored = results.map((result) => (result.outcome === 'stored' ? result.message : undefined));
    expect(stored[2]).toMatchObject({ roomId: first, senderId: bob.id, senderName: bob.name, content: "c'\"{},\\", clientMessageId: null });
    expect(new Date(stored[0]!.createdAt).toISOString()).toBe(stored[0]!.createdAt);
  });

  it('refuses a non-member alone and stores the rest without a gap', async () => {
    const room = await newRoom(alice, [bob]);
    const results = await storeTogether(server.database.run, [
      message(alice, room, 'one'), message(carol, room, 'intruder'), message(bob, room, 'two'),
    ]);
    expect(results.map((result) => result.outcome)).toEqual(['stored', 'not-a-member', 'stored']);
    expect(results.map(seqOf)).toEqual([1, undefined, 2]);
  });

  it('answers a clientMessageId stored earlier with that message, using no seq', async () => {
    const room = await newRoom(alice, [bob]);
    const earlier = await sendMessage(server, alice, room, 'original', 'retry-1');
    const results = await storeTogether(server.database.run, [
      message(alice, room, 'original again', 'retry-1'), message(bob, room, 'next', 'retry-1'),
    ]);
    expect(results[0]).toEqual({ outcome: 'duplicate', message: expect.objectContaining({ id: earlier.id, seq: 1, content: 'original' }) });
    expect(results[1]).toMatchObject({ outcome: 'stored', message: { seq: 2, senderId: bob.id, clientMessageId: 'retry-1' } });
  });

  it('stores one of two sends sharing a clientMessageId in one batch and answers the other with it', async () => {
    const room = await newRoom(alice, [bob]);
    const results = await storeMessages(server.database.run, [
      message(alice, room, 'twice', 'same-key'), message(alice, room, 'twice', 'same-key'), message(bob, room, 'other'),
    ]);
    const values = results.map((result) => (result.status === 'fulfilled' ? result.value : undefined));
    expect(values.map((value) => value?.outcome).sort()).toEqual(['duplicate', 'stored', 'stored']);
    expect(values[0]!.outcome !== 'not-a-member' && values[1]!.outcome !== 'not-a-member' && values[0]!.message.id === values[1]!.message.id).toBe(true);
    expect(values.map((value) => value && seqOf(value)).sort()).toEqual([1, 1, 2]);
  });

  it('runs batches that share rooms in opposite orders at once without deadlock or gap', async () => {
    const [first, second] = await Promise.all([newRoom(alice, [bob]), newRoom(bob, [carol])]);
    const batches = Array.from({ length: 40 }, (_, index) =>
      index % 2 === 0
        ? [message(alice, first, `f${index}`), message(carol, second, `s${index}`)]
        : [message(carol, second, `s${index}`), message(alice, first, `f${index}`)],
    );
    const results = (await Promise.all(batches.map((batch) => storeTogether(server.database.run, batch)))).flat();
    const seqsIn = (room: string) =>
      results.flatMap((result) => (result.outcome === 'stored' && result.message.roomId === room ? [result.message.seq] : [])).sort((a, b) => a - b);
    expect(seqsIn(first)).toEqual(range(1, 40));
    expect(seqsIn(second)).toEqual(range(1, 40));
  });
});

describe('a batch of sends that fails as a whole', () => {
  const sends: NewMessage[] = ['one', 'two'].map((content) => ({
    roomId: '00000000-0000-4000-8000-000000000001', senderId: 'someone', senderName: null, content, clientMessageId: null, replyToId: null,
  }));
  /** A statement runner that fails the batch statement with `error` and counts the statements run. */
  const failing = (error: Error) => {
    const statements: string[] = [];
    const run: RunStatement = async (statement) => {
      statements.push(statement.name);
      throw error;
    };
    return { run, statements };
  };

  it('is stored send by send when PostgreSQL refused it, since it did not commit', async () => {
    const { run, statements } = failing(new pg.DatabaseError('duplicate key value', 0, 'error'));
    const results = await storeMessages(run, sends);
    expect(statements).toEqual(['chat_store_messages', 'chat_store_message', 'chat_store_message']);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected']);
  });

  it('is not run again when its connection was lost, since it may have committed', async () => {
    const { run, statements } = failing(new Error('Connection terminated unexpectedly'));
    await expect(storeMessages(run, sends)).rejects.toThrow('Connection terminated unexpectedly');
    expect(statements).toEqual(['chat_store_messages']);
  });
});
