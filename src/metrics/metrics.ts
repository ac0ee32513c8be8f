// Prometheus metrics of one app (its own registry, so several apps in one process do not collide).
// Every metric is listed in the README's Operations section.
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { DeliveryLatency } from './delivery-latency.ts';

export interface Metrics {
  readonly registry: Registry;
  readonly subscriptions: Gauge<'field'>;
  readonly messagesSent: Counter;
  readonly deliveryLatency: DeliveryLatency;
  readonly operationErrors: Counter<'code'>;
  readonly pubsubPublished: Counter<'topic'>;
  readonly pubsubReceived: Counter<'topic'>;
}

export function createMetrics(openSockets: () => number): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'chat_' });
  const registers = [registry];
  new Gauge({
    name: 'chat_websocket_open_sockets',
    help: 'WebSocket connections open on this instance',
    registers,
    collect() {
      this.set(openSockets());
    },
  });
  return {
    registry,
    subscriptions: new Gauge({
      name: 'chat_subscriptions_active',
      help: 'Subscriptions open on this instance, by field',
      labelNames: ['field'],
      registers,
    }),
    messagesSent: new Counter({ name: 'chat_messages_sent_total', help: 'Messages stored by this instance', registers }),
    deliveryLatency: new DeliveryLatency({
      name: 'chat_message_delivery_seconds',
      help: 'From a message being stored to its hand-off to a subscriber on this instance',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registry,
    }),
    operationErrors: new Counter({
      name: 'chat_operation_errors_total',
      help: 'GraphQL errors answered, by extensions.code',
      labelNames: ['code'],
      registers,
    }),
    pubsubPublished: new Counter({
      name: 'chat_pubsub_published_total',
      help: 'Events published, by topic kind',
      labelNames: ['topic'],
      registers,
    }),
    pubsubReceived: new Counter({
      name: 'chat_pubsub_received_total',
      help: 'Events received from pub-sub by this instance, by topic kind',
      labelNames: ['topic'],
      registers,
    }),
  };
}
