// docs/contract/CONTRACT.md allows six error codes (ERROR_CODES). A document that does not parse or
// validate is the client's input at fault: BAD_USER_INPUT (Yoga would say GRAPHQL_PARSE_FAILED /
// GRAPHQL_VALIDATION_FAILED).
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { isErrorCode } from '../../errors.ts';

function recode(error: GraphQLError): void {
  const extensions = error.extensions as Record<string, unknown>;
  if (!isErrorCode(extensions.code)) extensions.code = 'BAD_USER_INPUT';
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
