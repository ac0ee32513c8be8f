// Operations run as JavaScript compiled once per document (graphql-jit), instead of graphql-js
// interpreting every field of every result: a page of history is hundreds of fields.
// An operation whose variables do not coerce runs on Yoga's own executor instead, which refuses it
// the way every other refusal is answered (400, BAD_USER_INPUT); graphql-jit would answer 200.
// Subscriptions over HTTP (server-sent events) run on graphql-js too: graphql-jit 0.8 hands a
// subscription's `subscribe` resolver the operation's variables instead of the field's arguments,
// so `roomEvents(roomId: $r)` or a literal argument reached it as no roomId at all. (WebSocket
// subscriptions never took this path: their events are executed by ws-shared-results.ts.)
import { useGraphQlJit } from '@envelop/graphql-jit';
import { getOperationAST, getVariableValues, type ExecutionArgs } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Logger } from 'pino';

function compilable(args: ExecutionArgs): boolean {
  const operation = getOperationAST(args.document, args.operationName);
  if (operation?.operation === 'subscription') return false;
  const definitions = operation?.variableDefinitions;
  if (!definitions?.length) return true;
  return !('errors' in getVariableValues(args.schema, definitions, args.variableValues ?? {}, { maxErrors: 1 }));
}

export function useCompiledExecution(logger: Logger): Plugin {
  return useGraphQlJit(
    {},
    {
      enableIf: compilable,
      onError: (result) => logger.warn({ errors: result.errors }, 'operation not compiled; it runs interpreted'),
    },
  ) as Plugin;
}
