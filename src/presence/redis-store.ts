// Presence counted in Redis, so that every instance agrees. Each instance keeps its own counts
// beside the shared totals and sends a heartbeat; the counts of an instance whose heartbeat stops
// (killed, partitioned) are taken back by a surviving instance, which then announces the OFFLINEs.
//
// Keys:  chat:presence:room:<roomId>      hash userId -> open subscriptions on all instances
//        chat:presence:instance:<id>      hash "<roomId> <userId>" -> open subscriptions on that instance
//        chat:presence:heartbeats         sorted set instanceId -> last heartbeat (Redis clock, ms)
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { PresenceStore } from './presence-store.ts';

const HEARTBEATS = 'chat:presence:heartbeats';
const roomKey = (roomId: string) => `chat:presence:room:${roomId}`;
const instanceKey = (instanceId: string) => `chat:presence:instance:${instanceId}`;

const NOW_MS = "local t = redis.call('TIME') local now = t[1] * 1000 + math.floor(t[2] / 1000)";

// KEYS: room, instance, heartbeats. ARGV: userId, member field, instanceId. Returns the new total.
const ENTER = `${NOW_MS}
redis.call('ZADD', KEYS[3], now, ARGV[3])
redis.call('HINCRBY', KEYS[2], ARGV[2], 1)
return redis.call('HINCRBY', KEYS[1], ARGV[1], 1)`;

// Same keys. Returns the new total, or -1 when this instance held nothing (already taken back).
const LEAVE = `
local mine = tonumber(redis.call('HGET', KEYS[2], ARGV[2]) or '0')
if mine <= 0 then return -1 end
if mine == 1 then redis.call('HDEL', KEYS[2], ARGV[2]) else redis.call('HINCRBY', KEYS[2], ARGV[2], -1) end
local total = redis.call('HINCRBY', KEYS[1], ARGV[1], -1)
if total <= 0 then redis.call('HDEL', KEYS[1], ARGV[1]) return 0 end
return total`;

// Takes back every count of one instance; collects "<roomId> <userId>" of each user now offline.
const RELEASE_INSTANCE = `
local function release(instance, offline)
  local counts = redis.call('HGETALL', 'chat:presence:instance:' .. instance)
  for i = 1, #counts, 2 do
    local sep = string.find(counts[i], ' ', 1, true)
    local room = 'chat:presence:room:' .. string.sub(counts[i], 1, sep - 1)
    local user = string.sub(counts[i], sep + 1)
    if redis.call('HINCRBY', room, user, -tonumber(counts[i + 1])) <= 0 then
      redis.call('HDEL', room, user)
      table.insert(offline, counts[i])
    end
  end
  redis.call('DEL', 'chat:presence:instance:' .. instance)
  redis.call('ZREM', KEYS[1], instance)
end`;

// KEYS: heartbeats. ARGV: instanceId, expiryMs. Refreshes this instance's heartbeat, then takes back
// the counts of every instance silent for longer than expiryMs. Atomic, so exactly one survivor
// reaps a dead instance.
const HEARTBEAT_AND_REAP = `${NOW_MS} ${RELEASE_INSTANCE}
redis.call('ZADD', KEYS[1], now, ARGV[1])
local offline = {}
for _, dead in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]))) do
  release(dead, offline)
end
return offline`;

// KEYS: heartbeats. ARGV: instanceId. A stopping instance takes back what it still counts.
const RELEASE_SELF = `${RELEASE_INSTANCE}
local offline = {}
release(ARGV[1], offline)
return offline`;

export interface RedisPresenceOptions {
  /** An instance silent for this long is taken for dead; heartbeats go every third of it. */
  expiryMs: number;
  /** Called for each user that a dead (or stopping) instance's counts kept online, once taken back. */
  onExpired: (roomId: string, userId: string) => void;
  onError: (error: unknown) => void;
}

/** `redis` is redis/clients.ts's presence connection, which it closes after this store stops. */
export function createRedisPresenceStore(redis: Redis, options: RedisPresenceOptions): PresenceStore {
  const instanceId = randomUUID();
  const field = (roomId: string, userId: string) => `${roomId} ${userId}`;

  const announce = (offline: string[]) => {
    for (const entry of offline) {
      const separator = entry.indexOf(' ');
      options.onExpired(entry.slice(0, separator), entry.slice(separator + 1));
    }
  };
  const beat = async () => {
    try {
      announce((await redis.eval(HEARTBEAT_AND_REAP, 1, HEARTBEATS, instanceId, options.expiryMs)) as string[]);
    } catch (error) {
      options.onError(error);
    }
  };
  const heartbeat = setInterval(beat, Math.max(100, Math.floor(options.expiryMs / 3)));
  heartbeat.unref();
  redis.once('ready', () => void beat());

  return {
    async enter(roomId, userId) {
      const total = await redis.eval(ENTER, 3, roomKey(roomId), instanceKey(instanceId), HEARTBEATS, userId, field(roomId, userId), instanceId);
      return total === 1;
    },
    async leave(roomId, userId) {
      const total = await redis.eval(LEAVE, 2, roomKey(roomId), instanceKey(instanceId), userId, field(roomId, userId));
      return total === 0;
    },
    async online(roomId) {
      const counts = await redis.hgetall(roomKey(roomId));
      return Object.keys(counts).filter((userId) => Number(counts[userId]) > 0);
    },
    async stop() {
      clearInterval(heartbeat);
      // Whatever this instance still counts (its sockets normally left already) is released now.
      try {
        announce((await redis.eval(RELEASE_SELF, 1, HEARTBEATS, instanceId)) as string[]);
      } catch (error) {
        options.onError(error);
      }
    },
  };
}
