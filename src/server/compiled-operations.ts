// Operations compiled to JavaScript by graphql-jit, once per parsed document and operation name:
// graphql-js would walk the selection for every result, a page of history being hundreds of fields.
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import type { DocumentNode, GraphQLSchema } from 'graphql';

export class CompiledOperations {
  readonly #schema: GraphQLSchema;
  /** Per document, each operation compiled; null when graphql-jit cannot, and graphql-js runs it. */
  readonly #byDocument = new WeakMap<DocumentNode, Map<string, CompiledQuery | null>>();

  constructor(schema: GraphQLSchema) {
    this.#schema = schema;
  }

  for(document: DocumentNode, operationName: string | null | undefined): CompiledQuery | null {
    let operations = this.#byDocument.get(document);
    if (!operations) this.#byDocument.set(document, (operations = new Map()));
    const name = operationName ?? '';
    let compiled = operations.get(name);
    if (compiled === undefined) {
      const made = compileQuery(this.#schema, document, operationName ?? undefined);
      operations.set(name, (compiled = isCompiledQuery(made) ? made : null));
    }
    return compiled;
  }
}
