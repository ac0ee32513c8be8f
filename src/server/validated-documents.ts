// Operation texts a socket has sent before, parsed and validated (by envelop, with every rule and
// limit), so that the next operation with the same text is neither parsed nor validated again:
// clients send the same few documents over and over. Validation does not depend on variables (the
// cost limit assumes the largest page; see query-cost.ts), so a text that passed once always passes.
import type { DocumentNode } from 'graphql';

export class ValidatedDocuments {
  readonly #max: number;
  /** In order of last use, the oldest first. */
  readonly #byText = new Map<string, DocumentNode>();

  constructor(max: number) {
    this.#max = max;
  }

  get(text: string): DocumentNode | undefined {
    const document = this.#byText.get(text);
    if (document) {
      this.#byText.delete(text);
      this.#byText.set(text, document);
    }
    return document;
  }

  add(text: string, document: DocumentNode): void {
    this.#byText.set(text, document);
    if (this.#byText.size > this.#max) this.#byText.delete(this.#byText.keys().next().value!);
  }
}
