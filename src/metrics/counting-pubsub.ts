// A PubSub that counts what passes through it, by topic kind (events, typing, presence, rooms).
import type { PubSub } from '../pubsub/index.ts';
import type { Metrics } from './metrics.ts';

/** "chat:room:<id>:events" -> "events"; "chat:user:<id>:rooms" -> "rooms": ids never become labels. */
const topicKind = (channel: string) => channel.slice(channel.lastIndexOf(':') + 1);

export function countingPubSub(inner: PubSub, metrics: Metrics): PubSub {
  // One labelled counter per topic kind: prom-client's labels() makes a new object of five bound
  // functions at each call, which every channel subscribed would otherwise keep.
  const receivedBy = new Map<string, { inc(): void }>();
  const receivedOf = (kind: string) => {
    let received = receivedBy.get(kind);
    if (!received) receivedBy.set(kind, (received = metrics.pubsubReceived.labels({ topic: kind })));
    return received;
  };
  return {
    ...inner,
    async publish(topic, payload) {
      await inner.publish(topic, payload);
      metrics.pubsubPublished.inc({ topic: topicKind(topic.channel) });
    },
    subscribe(topic, listener) {
      const received = receivedOf(topicKind(topic.channel));
      return inner.subscribe(topic, (payload) => {
        received.inc();
        listener(payload);
      });
    },
  };
}
