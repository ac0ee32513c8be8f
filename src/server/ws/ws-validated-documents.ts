// Operation texts a socket has sent before, parsed and validated (by envelop, with every rule and
// limit), so that the next operation with the same text is neither parsed nor validated again:
// clients send the same few documents over and over. Validation does not depend on variables (the
// cost limit assumes the largest page; see query-cost.ts), so a text that passed once always passes.
import type { DocumentNode } from 'graphql';

/**
 * Two generations: texts used since the current one began, and those of the generation before.
 * When the current one is full it becomes the older, and the older is dropped; a text found in the
 * older moves to the current. A hit on a recent text changes nothing, where a strict
 * least-recently-used order would delete and re-insert it on every operation, churning the map.
 */
export class ValidatedDocuments {
  readonly #generationSize: number;
  #current = new Map<string, DocumentNode>();
  #older = new Map<string, DocumentNode>();

  /** Keeps at least the `max / 2` texts used most recently, and at most `max`. */
  constructor(max: number) {
    this.#generationSize = Math.max(1, Math.floor(max / 2));
  }

  get(text: string): DocumentNode | undefined {
    const recent = this.#current.get(text);
    if (recent) return recent;
    const older = this.#older.get(text);
    if (older) this.add(text, older);
    return older;
  }

  add(text: string, document: DocumentNode): void {
    if (this.#current.size >= this.#generationSize) {
      this.#older = this.#current;
      this.#current = new Map();
    }
    this.#current.set(text, document);
  }
}
