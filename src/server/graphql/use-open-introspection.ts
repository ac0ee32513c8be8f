// Development only: an operation that asks only about the schema (__schema, __type, __typename) is
// answered without a token, so that GraphiQL's docs and completion work before the Authorization
// header is set, or with a wrong one. The schema is not secret in development; in production
// introspection is off (unless GRAPHQL_INTROSPECTION says otherwise) and still needs a token.
import { executeSync, getOperationAST, Kind, parse, specifiedRules, validate, type DocumentNode, type GraphQLSchema } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/** The document whose chosen operation selects only meta-fields at its root, or undefined. */
function introspectionOnly(query: unknown, operationName: string | undefined): DocumentNode | undefined {
  // A cheap refusal first: every other request goes on untouched, unparsed here.
  if (typeof query !== 'string' || !query.includes('__')) return undefined;
  let document: DocumentNode;
  try {
    document = parse(query);
  } catch {
    return undefined; // Yoga refuses it the usual way
  }
  const operation = getOperationAST(document, operationName);
  const selections = operation?.selectionSet.selections ?? [];
  const onlyMeta = selections.length > 0 && selections.every((selection) => selection.kind === Kind.FIELD && selection.name.value.startsWith('__'));
  return operation?.operation === 'query' && onlyMeta ? document : undefined;
}

export function useOpenIntrospection(options: { enabled: boolean; schema: GraphQLSchema }): Plugin {
  if (!options.enabled) return {};
  const { schema } = options;
  return {
    onParams({ params, setResult }) {
      const document = introspectionOnly(params.query, params.operationName);
      if (!document) return;
      const errors = validate(schema, document, specifiedRules);
      if (errors.length > 0) return; // refused by Yoga's own validation, with its status and codes
      setResult(executeSync({ schema, document, operationName: params.operationName, variableValues: params.variables }));
    },
  };
}
