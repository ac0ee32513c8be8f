// Pub-sub inside one process: the zero-config default when REDIS_URL is unset (one instance only).
import type { PubSub, Topic, Unsubscribe } from './pubsub.ts';

export function createInProcessPubSub(onListenerError: (error: unknown) => void): PubSub {
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  return {
    async publish<T>(topic: Topic<T>, payload: T) {
      // A copy of the set: a listener may unsubscribe (or subscribe) while being called.
      for (const listener of [...(listeners.get(topic.channel) ?? [])]) {
        try {
          listener(payload);
        } catch (error) {
          onListenerError(error);
        }
      }
    },
    async subscribe<T>(topic: Topic<T>, listener: (payload: T) => void): Promise<Unsubscribe> {
      const set = listeners.get(topic.channel) ?? new Set();
      listeners.set(topic.channel, set);
      const entry = listener as (payload: unknown) => void;
      set.add(entry);
      return () => {
        set.delete(entry);
        if (set.size === 0 && listeners.get(topic.channel) === set) listeners.delete(topic.channel);
      };
    },
  };
}
