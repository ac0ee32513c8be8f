// One execution per event and per operation shape, shared by every subscriber with that shape.
//
// A subscription's result for an event depends on its document, the variables its selection reads,
// and the event, never on who subscribed: no type a subscription reaches (Message, User, TypingEvent,
// ReadReceipt, PresenceEvent) has a field that reads the viewer (tests/live-delivery.test.ts keeps
// it so). So a room's thousand sockets subscribed with the same operation share one execution and
// one serialised payload per event, instead of running GraphQL and JSON.stringify a thousand times.
// That one execution runs compiled (compiled-operations.ts).
import {
  getOperationAST,
  GraphQLError,
  Kind,
  visit,
  type ASTNode,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type FragmentDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import type { FinishErrors } from '../errors/error-reporting.ts';
import type { CompiledOperations } from '../graphql/compiled-operations.ts';

/** A `next` message's payload as UTF-8 JSON: at once, or when the event's fields have resolved. */
export type SerialisedPayload = Buffer | Promise<Buffer>;

export class SharedResults {
  readonly #finishErrors: FinishErrors;
  readonly #documentIds = new WeakMap<DocumentNode, number>();
  #documents = 0;
  /** Per event object (pub-sub hands the same one to every listener), the payload of each shape. */
  readonly #payloads = new WeakMap<object, Map<string, SerialisedPayload>>();
  readonly #compiled: CompiledOperations;

  constructor(finishErrors: FinishErrors, compiled: CompiledOperations) {
    this.#finishErrors = finishErrors;
    this.#compiled = compiled;
  }

  /** Names what decides an event's result: the parsed document, the operation, and the variables its selection reads. */
  shapeOf(args: ExecutionArgs): string {
    let documentId = this.#documentIds.get(args.document);
    if (documentId === undefined) this.#documentIds.set(args.document, (documentId = ++this.#documents));
    const read = [...variablesReadBySelection(args.document, args.operationName)].sort();
    const values = read.map((name) => args.variableValues?.[name] ?? null);
    return `${documentId}\n${args.operationName ?? ''}\n${JSON.stringify(values)}`;
  }

  /** The serialised payload for `event` under `args` (of shape `shape`), executed once per event and shape. */
  payloadFor(event: unknown, shape: string, args: ExecutionArgs): SerialisedPayload {
    if (typeof event !== 'object' || event === null) return this.#execute(event, args);
    let payloads = this.#payloads.get(event);
    if (!payloads) this.#payloads.set(event, (payloads = new Map()));
    let payload = payloads.get(shape);
    if (payload === undefined) payloads.set(shape, (payload = this.#execute(event, args)));
    return payload;
  }

  #execute(event: unknown, args: ExecutionArgs): SerialisedPayload {
    // A subscription document's selection runs on one event exactly as each event of its own
    // subscribe() does: the root field's resolver gets the event as its source.
    const result = this.#compiled.execute(args, event);
    if (!('then' in result)) return this.#serialise(result);
    return result.then(
      (done) => this.#serialise(done),
      (error: unknown) => this.#serialise({ errors: [new GraphQLError('Unexpected error.', { originalError: error as Error })] }),
    );
  }

  #serialise(result: ExecutionResult): Buffer {
    if (!result.errors?.length) return Buffer.from(JSON.stringify(result));
    return Buffer.from(JSON.stringify({ ...result, errors: this.#finishErrors(result.errors) }));
  }
}

/**
 * Variables read inside the selection of the operation's root fields (by nested field arguments or
 * directives), not by the root field's own arguments: those choose the events, not their shape.
 */
function variablesReadBySelection(document: DocumentNode, operationName: string | null | undefined): Set<string> {
  const names = new Set<string>();
  const operation = getOperationAST(document, operationName);
  if (!operation) return names;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const seenFragments = new Set<string>();
  const collect = (node: ASTNode | readonly ASTNode[] | undefined) => {
    if (!node) return;
    for (const each of Array.isArray(node) ? node : [node]) {
      visit(each as ASTNode, {
        Variable: (variable) => void names.add(variable.name.value),
        FragmentSpread: (spread) => {
          const fragment = fragments.get(spread.name.value);
          if (!fragment || seenFragments.has(fragment.name.value)) return;
          seenFragments.add(fragment.name.value);
          collect(fragment);
        },
      });
    }
  };
  const rootLevel = (selectionSet: SelectionSetNode) => {
    for (const selection of selectionSet.selections) {
      collect(selection.directives);
      if (selection.kind === Kind.FIELD) collect(selection.selectionSet);
      else if (selection.kind === Kind.INLINE_FRAGMENT) rootLevel(selection.selectionSet);
      else {
        const fragment = fragments.get(selection.name.value);
        if (fragment) rootLevel(fragment.selectionSet);
      }
    }
  };
  collect(operation.directives);
  rootLevel(operation.selectionSet);
  return names;
}
