// Operations run as JavaScript compiled once per document (graphql-jit), instead of graphql-js
// interpreting every field of every result: a page of history is hundreds of fields.
// An operation whose variables do not coerce runs on Yoga's own executor instead, which refuses it
// the way every other refusal is answered (400, BAD_USER_INPUT); graphql-jit would answer 200.
//
// Subscriptions over HTTP (server-sent events) take their source from graphql-js and only map its
// events with compiled code, as the WebSocket does (ws-live-delivery.ts). graphql-jit 0.8.7's own
// `subscribe` calls the subscription field's `subscribe` resolver with the operation's *variables*
// where the field's coerced arguments belong: `messageAdded(roomId: "R")` then subscribed to every
// room of the caller, and `typing(roomId: $id)` saw no `roomId` at all (its arguments object is
// `{ id }`). graphql-js's createSourceEventStream resolves the arguments as the specification says.
import { useGraphQlJit } from '@envelop/graphql-jit';
import { createSourceEventStream, getOperationAST, getVariableValues, type ExecutionArgs } from 'graphql';
import { isAsyncIterable, mapAsyncIterator, type Plugin } from 'graphql-yoga';
import type { Logger } from 'pino';
import type { CompiledOperations } from './compiled-operations.ts';

function variablesCoerce(args: ExecutionArgs): boolean {
  const definitions = getOperationAST(args.document, args.operationName)?.variableDefinitions;
  if (!definitions?.length) return true;
  return !('errors' in getVariableValues(args.schema, definitions, args.variableValues ?? {}, { maxErrors: 1 }));
}

export function useCompiledExecution(logger: Logger, compiled: CompiledOperations): Plugin {
  const { onExecute } = useGraphQlJit(
    {},
    {
      enableIf: variablesCoerce,
      onError: (result) => logger.warn({ errors: result.errors }, 'operation not compiled; it runs interpreted'),
    },
  ) as Plugin;
  return {
    onExecute,
    onSubscribe: ({ args, setSubscribeFn }) => {
      if (!variablesCoerce(args)) return; // Yoga's own executor refuses it: 400, BAD_USER_INPUT
      setSubscribeFn(async (args) => {
        const source = await createSourceEventStream(args);
        if (!isAsyncIterable(source)) return source;
        // The event is the root value of the selection, as graphql-js's subscribe() executes it.
        return mapAsyncIterator(source, (event) => compiled.execute(args, event));
      });
    },
  };
}
