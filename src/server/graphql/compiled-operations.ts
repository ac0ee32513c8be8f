// Operations compiled to JavaScript by graphql-jit, once per parsed document and operation name:
// graphql-js would walk the selection for every result, a page of history being hundreds of fields.
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import { execute, type DocumentNode, type ExecutionArgs, type ExecutionResult, type GraphQLSchema } from 'graphql';

export class CompiledOperations {
  readonly #schema: GraphQLSchema;
  /** Per document, each operation compiled; null when graphql-jit cannot, and graphql-js runs it. */
  readonly #byDocument = new WeakMap<DocumentNode, Map<string, CompiledQuery | null>>();

  constructor(schema: GraphQLSchema) {
    this.#schema = schema;
  }

  /** Runs the operation of `args` on `rootValue`: compiled, or by graphql-js when it cannot be. */
  execute(args: ExecutionArgs, rootValue: unknown): ExecutionResult | Promise<ExecutionResult> {
    const compiled = this.#compiledFor(args.document, args.operationName);
    if (!compiled) return execute({ ...args, rootValue });
    const result = compiled.query(rootValue, args.contextValue, args.variableValues);
    // graphql-jit answers variables that do not coerce with errors and no data at all; graphql-js
    // refuses them with the same messages as over HTTP.
    if ('then' in result || 'data' in result) return result;
    return execute({ ...args, rootValue });
  }

  #compiledFor(document: DocumentNode, operationName: string | null | undefined): CompiledQuery | null {
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
