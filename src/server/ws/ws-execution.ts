// Queries and mutations on the WebSocket, run as compiled JavaScript without envelop's per-operation
// wrappers. Their errors get what Yoga's plugins do to every other error (finishErrors: counted by
// code, logged when unexpected, masked).
import { GraphQLError, type ExecutionArgs, type ExecutionResult } from 'graphql';
import type { OperationContext } from '../../context.ts';
import type { CompiledOperations } from '../graphql/compiled-operations.ts';
import type { FinishErrors } from '../errors/error-reporting.ts';

export type SocketExecute = (args: ExecutionArgs) => Promise<ExecutionResult>;

export function createSocketExecute(compiled: CompiledOperations, finishErrors: FinishErrors): SocketExecute {
  const finish = (result: ExecutionResult, context: OperationContext): ExecutionResult =>
    result.errors?.length ? { ...result, errors: finishErrors(result.errors, { phase: 'execution', requestId: context.requestId }) } : result;

  return async (args) => {
    const context = args.contextValue as OperationContext;
    try {
      return finish(await compiled.execute(args, undefined), context);
    } catch (error) {
      return finish({ errors: [new GraphQLError('Unexpected error.', { originalError: error as Error })] }, context);
    }
  };
}
