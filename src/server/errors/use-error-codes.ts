// docs/contract/CONTRACT.md allows six error codes. A document that does not parse or validate is the client's
// input at fault: BAD_USER_INPUT (Yoga would say GRAPHQL_PARSE_FAILED / GRAPHQL_VALIDATION_FAILED).
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

const YOGA_CODES = new Set(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED']);

function recode(error: GraphQLError): void {
  const extensions = error.extensions as Record<string, unknown>;
  if (extensions.code === undefined || YOGA_CODES.has(extensions.code as string)) extensions.code = 'BAD_USER_INPUT';
}

export function useContractErrorCodes(): Plugin {
  return {
    onParse: () => ({ result }) => {
      if (result instanceof GraphQLError) recode(result);
    },
    onValidate: () => ({ result }) => {
      for (const error of result) recode(error);
    },
  };
}
