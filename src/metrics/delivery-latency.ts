// The delivery-latency histogram, observed at every delivery of every message: in a room of a
// thousand subscribers, a thousand times per message. prom-client's Histogram#observe costs about
// 3,800 instructions a call (it validates and hashes the labels, makes a closure, and keys each
// bucket by its bound's decimal text), and parsing the message's `createdAt` 2,600 more. Here a
// delivery costs about 1,000 (the time parsed once per event), counted under callgrind (README,
// Performance). It is kept in plain numbers, and the registry reads it when scraped, in the same
// text as prom-client's own histograms.
import type { Metric, Registry } from 'prom-client';

interface Sample {
  metricName: string;
  labels: Record<string, string | number>;
  value: number;
}

export class DeliveryLatency {
  readonly name: string;
  readonly help: string;
  // What the registry reads of each metric it holds, as it reads them of prom-client's own.
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly #bounds: readonly number[];
  /** Observations per bucket (not cumulative); the last is past every bound (+Inf). */
  readonly #counts: Float64Array;
  #sum = 0;
  #count = 0;
  /** The last `createdAt` parsed, and its time: each delivery of one event asks with the same string. */
  #lastStoredAt = '';
  #lastStoredAtMs = 0;

  constructor(options: { name: string; help: string; buckets: readonly number[]; registry: Registry }) {
    this.name = options.name;
    this.help = options.help;
    this.#bounds = [...options.buckets].sort((a, b) => a - b);
    this.#counts = new Float64Array(this.#bounds.length + 1);
    // prom-client's registry takes its own metric classes only, by type; it reads them through get().
    options.registry.registerMetric(this as unknown as Metric);
  }

  /** A message stored at `storedAt` (ISO 8601) handed to a subscriber now. */
  observe(storedAt: string): void {
    if (storedAt !== this.#lastStoredAt) {
      this.#lastStoredAt = storedAt;
      this.#lastStoredAtMs = Date.parse(storedAt);
    }
    const seconds = (Date.now() - this.#lastStoredAtMs) / 1000;
    if (Number.isNaN(seconds)) return;
    const bounds = this.#bounds;
    let bucket = 0;
    while (bucket < bounds.length && seconds > bounds[bucket]!) bucket++;
    this.#counts[bucket]!++;
    this.#sum += seconds;
    this.#count++;
  }

  /** The samples as prom-client's histograms give them: cumulative buckets, then sum and count. */
  async get() {
    const bucket = `${this.name}_bucket`;
    let cumulative = 0;
    const values: Sample[] = this.#bounds.map((le, index) => ({ metricName: bucket, labels: { le }, value: (cumulative += this.#counts[index]!) }));
    values.push(
      { metricName: bucket, labels: { le: '+Inf' }, value: this.#count },
      { metricName: `${this.name}_sum`, labels: {}, value: this.#sum },
      { metricName: `${this.name}_count`, labels: {}, value: this.#count },
    );
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {
    this.#counts.fill(0);
    this.#sum = 0;
    this.#count = 0;
  }
}
