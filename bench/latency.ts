// Latency samples in milliseconds and their percentiles (nearest rank over every sample, no binning).

export interface LatencySummary {
  count: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
  mean: number | null;
}

export class Samples {
  #values = new Float64Array(4096);
  #count = 0;

  add(ms: number): void {
    if (this.#count === this.#values.length) {
      const grown = new Float64Array(this.#values.length * 2);
      grown.set(this.#values);
      this.#values = grown;
    }
    this.#values[this.#count++] = ms;
  }

  get count(): number {
    return this.#count;
  }

  summary(): LatencySummary {
    const n = this.#count;
    if (n === 0) return { count: 0, p50: null, p95: null, p99: null, max: null, mean: null };
    const sorted = this.#values.slice(0, n).sort();
    const at = (q: number) => round(sorted[Math.min(n - 1, Math.ceil(q * n) - 1)]!);
    let sum = 0;
    for (const value of sorted) sum += value;
    return { count: n, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: round(sorted[n - 1]!), mean: round(sum / n) };
  }
}

const round = (ms: number) => Math.round(ms * 100) / 100;
