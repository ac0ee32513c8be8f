// Operations run as JavaScript compiled once per document (graphql-jit), instead of graphql-js
// interpreting every field of every result: a page of history is hundreds of fields.
// An operation whose variables do not coerce runs on Yoga's own executor instead, which refuses it
// the way every other refusal is answered (400, BAD_USER_INPUT); graphql-jit would answer 200.
import { useGraphQlJit } from '@envelop/graphql-jit';
import { getOperationAST, getVariableValues, type ExecutionArgs } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Logger } from 'pino';

function variablesCoerce(args: ExecutionArgs): boolean {
  const definitions = getOperationAST(args.document, args.operationName)?.variableDefinitions;
  if (!definitions?.length) return true;
  return !('errors' in getVariableValues(args.schema, definitions, args.variableValues ?? {}, { maxErrors: 1 }));
}

export function useCompiledExecution(logger: Logger): Plugin {
  return useGraphQlJit(
    {},
    {
      enableIf: variablesCoerce,
      onError: (result) => logger.warn({ errors: result.errors }, 'operation not compiled; it runs interpreted'),
    },
  ) as Plugin;
}
