// The baseline's client: bench/baseline-server.ts's JSON frames on `ws`, the same socket for all.
import { WebSocket } from 'ws';
import { closeSocket, opened, readDelivery, type ChatClient, type Page, type SendOutcome, type SentOutcome } from './client.ts';

type ServerMessage = { type: string; id?: number; seq?: number; messageId?: string; message?: string; messages?: { seq: number }[]; hasPrevious?: boolean };

export async function connectClient(url: string, token: string): Promise<ChatClient> {
  const socket = new WebSocket(url, { perMessageDeflate: false, skipUTF8Validation: true });
  await opened(socket);
  const pending = new Map<number, { resolve: (message: ServerMessage) => void; reject: (error: Error) => void }>();
  let nextId = 0;
  let subscribed = 0;
  /** Set by close(): a socket this side closes ends no subscription by surprise. */
  let closing = false;
  let ready!: () => void;
  let refuse!: (error: Error) => void;
  const authenticated = new Promise<void>((resolve, reject) => ((ready = resolve), (refuse = reject)));

  const request = (frame: Record<string, unknown>): Promise<ServerMessage> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      socket.send(JSON.stringify({ ...frame, id }));
    });

  /** A write frame answered by `expected`, or why not. */
  const write = async (frame: Record<string, unknown>, expected: string): Promise<{ ok: true; answer: ServerMessage } | { ok: false; error: string }> => {
    try {
      const answer = await request(frame);
      return answer.type === expected ? { ok: true, answer } : { ok: false, error: answer.message ?? answer.type };
    } catch (error) {
      return { ok: false, error: (error as Error).message };
    }
  };
  const outcomeOf = (outcome: Awaited<ReturnType<typeof write>>): SendOutcome => (outcome.ok ? { ok: true } : outcome);

  const client: ChatClient = {
    onDelivery: () => undefined,
    subscriptionFailures: 0,
    subscribe(roomId) {
      subscribed++;
      socket.send(JSON.stringify({ type: 'subscribe', roomId }));
    },
    async send(roomId, content, clientMessageId): Promise<SentOutcome> {
      const outcome = await write({ type: 'send', roomId, content, clientMessageId }, 'sent');
      return outcome.ok ? { ok: true, messageId: outcome.answer.messageId! } : outcome;
    },
    edit: async (messageId, content) => outcomeOf(await write({ type: 'edit', messageId, content }, 'changed')),
    react: async (messageId, emoji, added) => outcomeOf(await write({ type: 'react', messageId, emoji, added }, 'changed')),
    async page(roomId, previous, last): Promise<Page> {
      const answer = await request({ type: 'history', roomId, last, ...(previous ? { beforeSeq: Number(previous) } : {}) });
      if (answer.type !== 'page' || !answer.messages) throw new Error(answer.message ?? answer.type);
      const first = answer.messages[0];
      return { count: answer.messages.length, previous: answer.hasPrevious && first ? String(first.seq) : undefined };
    },
    close: () => {
      closing = true;
      return closeSocket(socket);
    },
  };

  socket.on('message', (data: Buffer) => {
    const text = data.toString();
    const delivery = readDelivery(text);
    if (delivery) return client.onDelivery(delivery.sentAt, delivery.step, delivery.serial);
    const message = JSON.parse(text) as ServerMessage;
    if (message.type === 'ready') return ready();
    if (message.type === 'error' && message.id === undefined) {
      client.subscriptionFailures++;
      return;
    }
    const waiting = message.id === undefined ? undefined : pending.get(message.id);
    if (!waiting) return;
    pending.delete(message.id!);
    waiting.resolve(message);
  });
  socket.on('close', (code, reason) => {
    const error = new Error(`socket closed ${code} ${reason}`);
    refuse(error);
    for (const waiting of pending.values()) waiting.reject(error);
    pending.clear();
    if (!closing) client.subscriptionFailures += subscribed;
  });
  socket.send(JSON.stringify({ type: 'auth', token }));
  await authenticated;
  return client;
}
