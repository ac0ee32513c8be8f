// Query limits (README, Security): tokens while parsing, then depth, aliases, directives and cost as
// validation rules. Yoga's envelop runs them for HTTP, server-sent events and, through getEnveloped,
// WebSocket operations alike, so an operation over a limit is refused before it runs: HTTP 400 with
// BAD_USER_INPUT, or an `error` message for its id on a socket that stays open.
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import { MaxTokensParserWLexer } from '@escape.tech/graphql-armor-max-tokens';
import {
  GraphQLError,
  type ASTNode,
  type DocumentNode,
  type ParseOptions,
  type Source,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Limits } from '../config.ts';
import { operationCost } from './query-cost.ts';

/** Armor prefixes every refusal with "Syntax Error:", which only the token limit is anything like. */
function refusal(message: string, nodes?: ASTNode): GraphQLError {
  return new GraphQLError(message.replace(/^Syntax Error: /, ''), { nodes, extensions: { code: 'BAD_USER_INPUT' } });
}

/**
 * Armor throws out of `validate` by default, which skips the other plugins' validation hooks and,
 * over WebSocket, would end in an exception inside graphql-ws instead of an `error` message. Reported
 * instead, a limit is one more validation error.
 */
const report = {
  propagateOnRejection: false,
  onReject: [(context: ValidationContext | null, error: GraphQLError) => context?.reportError(refusal(error.message))],
};

function costLimitRule(maxCost: number): ValidationRule {
  return (context) => ({
    OperationDefinition(operation) {
      const cost = operationCost(context.getSchema(), operation, (name) => context.getFragment(name) ?? undefined);
      if (cost > maxCost) context.reportError(refusal(`Query cost limit of ${maxCost} exceeded, found ${cost}.`, operation));
    },
  });
}

/** The validation rules of the limits, also for checking documents (client/operations) without a server. */
export function queryLimitRules(limits: Limits['query']): ValidationRule[] {
  return [
    // Fragments are the client's way of writing a selection, not a level of the answer: flattened,
    // depth is the nesting of fields (5 for the deepest operation in client/operations, 8 for the
    // deepest path the schema has, so the default of 10 refuses only introspection games).
    maxDepthRule({ n: limits.maxDepth, flattenFragments: true, ...report }) as ValidationRule,
    maxAliasesRule({ n: limits.maxAliases, ...report }) as ValidationRule,
    maxDirectivesRule({ n: limits.maxDirectives, ...report }) as ValidationRule,
    costLimitRule(limits.maxCost),
  ];
}

/**
 * graphql's parse, stopped at the first token over the limit: a huge document costs no more than one
 * at the limit. The refusal is thrown, a parse error like any other.
 */
export function parseWithTokenLimit(maxTokens: number): (source: string | Source, options?: ParseOptions) => DocumentNode {
  const tokenLimit = {
    n: maxTokens,
    propagateOnRejection: false,
    onReject: [
      (_context: unknown, error: GraphQLError) => {
        throw refusal(error.message);
      },
    ],
  };
  return (source, options) => new MaxTokensParserWLexer(source, { ...options, ...tokenLimit }).parseDocument();
}

export function useQueryLimits(limits: Limits['query']): Plugin {
  const rules = queryLimitRules(limits);
  const parse = parseWithTokenLimit(limits.maxTokens);
  return {
    onParse: ({ setParseFn }) => setParseFn(parse),
    onValidate: ({ addValidationRule }) => {
      for (const rule of rules) addValidationRule(rule);
    },
  };
}
