// The delivery-latency histogram is kept in plain numbers (src/metrics/delivery-latency.ts); a
// scrape must read exactly what prom-client's own Histogram would say for the same deliveries.
// tests/metrics.test.ts watches it move on a real server.
import { jest } from '@jest/globals';
import { Histogram, Registry } from 'prom-client';
import { DeliveryLatency } from '../src/metrics/delivery-latency.ts';

const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const options = { name: 'chat_message_delivery_seconds', help: 'From a message being stored to its hand-off to a subscriber' };

function both() {
  const ours = new Registry();
  const theirs = new Registry();
  return {
    ours,
    theirs,
    latency: new DeliveryLatency({ ...options, buckets: BUCKETS, registry: ours }),
    histogram: new Histogram({ ...options, buckets: BUCKETS, registers: [theirs] }),
  };
}

it('reads in /metrics as prom-client’s own histogram of the same deliveries, buckets, sum and count', async () => {
  const { ours, theirs, latency, histogram } = both();
  // A fixed clock, so that both see the same seconds: deliveries of one event in a row, then others,
  // on bucket bounds, between them and past the last one.
  const now = Date.parse('2026-12-08T12:00:00.000Z');
  const spy = jest.spyOn(Date, 'now').mockReturnValue(now);
  try {
    for (const agoMs of [0, 1, 1, 1, 3, 10, 40, 40, 250, 900, 2500, 7000, 60_000]) {
      const storedAt = new Date(now - agoMs).toISOString();
      latency.observe(storedAt);
      histogram.observe((now - Date.parse(storedAt)) / 1000);
    }
  } finally {
    spy.mockRestore();
  }
  const text = await ours.metrics();
  expect(text).toBe(await theirs.metrics());
  expect(text).toContain('chat_message_delivery_seconds_bucket{le="0.001"} 4');
  expect(text).toContain('chat_message_delivery_seconds_bucket{le="+Inf"} 13');
  expect(text).toContain('chat_message_delivery_seconds_count 13');
});

it('skips a delivery whose stored time does not parse, rather than spoiling the sum', async () => {
  const { ours, latency } = both();
  latency.observe('not a time');
  latency.observe(new Date().toISOString());
  const text = await ours.metrics();
  expect(text).toContain('chat_message_delivery_seconds_count 1');
  expect(text).not.toContain('NaN');
});

it('starts again from nothing when the registry resets its metrics', async () => {
  const { ours, latency } = both();
  latency.observe(new Date(Date.now() - 1500).toISOString());
  ours.resetMetrics();
  const text = await ours.metrics();
  expect(text).toContain('chat_message_delivery_seconds_count 0');
  expect(text).toContain('chat_message_delivery_seconds_sum 0');
  expect(text).toContain('chat_message_delivery_seconds_bucket{le="+Inf"} 0');
});
