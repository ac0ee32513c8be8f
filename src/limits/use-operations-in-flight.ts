// HTTP queries and mutations count against the instance's operations in flight as WebSocket ones do
// (operations-in-flight.ts): one past the bound is answered with RATE_LIMITED and runs nothing.
import type { Plugin } from 'graphql-yoga';
import type { OperationsInFlight } from './operations-in-flight.ts';
import { toGraphQLError } from '../server/errors/graphql-errors.ts';

export function useOperationsInFlight(inFlight: OperationsInFlight): Plugin {
  return {
    onExecute({ setResultAndStopExecution }) {
      const refusal = inFlight.enter();
      if (refusal) return setResultAndStopExecution({ errors: [toGraphQLError(refusal)] });
      return { onExecuteDone: () => inFlight.leave() };
    },
  };
}
