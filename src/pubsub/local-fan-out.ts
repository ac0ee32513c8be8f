// One subscription per channel per instance, however many local listeners it has: an event is
// received (and counted, and parsed) once, then handed to each listener of its channel in one loop.
// A room with a thousand subscribers on this instance costs one Redis subscription, not a thousand
// entries for graphql-redis-subscriptions to walk per event.
import type { PubSub, Topic, Unsubscribe } from './pubsub.ts';

type Listener = (payload: unknown) => void;

interface Channel {
  readonly listeners: Set<Listener>;
  /** The inner subscription, once made. */
  readonly subscribed: Promise<Unsubscribe>;
}

export function localFanOut(inner: PubSub, onListenerError: (error: unknown) => void): PubSub {
  const channels = new Map<string, Channel>();

  const open = <T>(topic: Topic<T>): Channel => {
    const listeners = new Set<Listener>();
    const subscribed = inner.subscribe(topic, (payload) => {
      for (const listener of listeners) {
        try {
          listener(payload);
        } catch (error) {
          onListenerError(error);
        }
      }
    });
    const channel = { listeners, subscribed };
    channels.set(topic.channel, channel);
    // A failed subscription is the caller's error; the next subscriber tries again.
    subscribed.catch(() => channels.get(topic.channel) === channel && channels.delete(topic.channel));
    return channel;
  };

  return {
    ...inner,
    async subscribe<T>(topic: Topic<T>, listener: (payload: T) => void): Promise<Unsubscribe> {
      const channel = channels.get(topic.channel) ?? open(topic);
      const entry = listener as Listener;
      channel.listeners.add(entry);
      let unsubscribeInner: Unsubscribe;
      try {
        unsubscribeInner = await channel.subscribed;
      } catch (error) {
        channel.listeners.delete(entry);
        throw error;
      }
      return () => {
        if (!channel.listeners.delete(entry) || channel.listeners.size > 0) return;
        if (channels.get(topic.channel) === channel) channels.delete(topic.channel);
        unsubscribeInner();
      };
    },
  };
}
