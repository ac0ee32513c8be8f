// Queries and mutations on the WebSocket, run as compiled JavaScript without envelop's per-operation
// wrappers. Their errors get what Yoga's plugins do to every other error (finishErrors: counted by
// code, logged when unexpected, masked). Variables that do not coerce are refused by graphql-js, with
// the same messages as over HTTP.
import { execute, GraphQLError, type ExecutionArgs, type ExecutionResult } from 'graphql';
import type { OperationContext } from '../context.ts';
import type { CompiledOperations } from './compiled-operations.ts';
import type { FinishErrors } from './shared-results.ts';

export type SocketExecute = (args: ExecutionArgs) => Promise<ExecutionResult>;

export function createSocketExecute(compiled: CompiledOperations, finishErrors: FinishErrors): SocketExecute {
  const finish = (result: ExecutionResult, context: OperationContext): ExecutionResult =>
    result.errors?.length ? { ...result, errors: finishErrors(result.errors, { phase: 'execution', requestId: context.requestId }) } : result;

  return async (args) => {
    const context = args.contextValue as OperationContext;
    try {
      const operation = compiled.for(args.document, args.operationName);
      if (operation) {
        const result = await operation.query(undefined, context, args.variableValues);
        // graphql-jit answers variables that do not coerce with errors and no data at all.
        if ('data' in result) return finish(result, context);
      }
      return finish(await execute({ ...args, rootValue: undefined }), context);
    } catch (error) {
      return finish({ errors: [new GraphQLError('Unexpected error.', { originalError: error as Error })] }, context);
    }
  };
}
