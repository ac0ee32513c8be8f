// What the schema tells strangers: in production, no introspection (unless GRAPHQL_INTROSPECTION
// says so) and no "Did you mean ...?" suggestions that spell out field names.
import { NoSchemaIntrospectionCustomRule } from 'graphql';
import type { Plugin } from 'graphql-yoga';

const SUGGESTION = / ?Did you mean .*\?$/;

export function useSchemaPrivacy(options: { introspection: boolean; suggestions: boolean }): Plugin {
  return {
    onValidate: ({ addValidationRule }) => {
      if (!options.introspection) addValidationRule(NoSchemaIntrospectionCustomRule);
      if (options.suggestions) return;
      return ({ result }) => {
        for (const error of result) error.message = error.message.replace(SUGGESTION, '');
      };
    },
  };
}
