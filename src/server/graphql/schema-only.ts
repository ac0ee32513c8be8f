// Outside production the schema is not secret: an HTTP operation that asks only about the schema
// (`__schema`, `__type`, `__typename` at its root) is answered without a valid token, so that
// GraphiQL's docs and completion work before the Authorization header is set, or while it holds
// the placeholder. It still goes through parsing, validation and every query limit.
import { getOperationAST, Kind, parse } from 'graphql';
import type { Identity } from '../../auth/identity.ts';

/**
 * Who asks such an operation without a token. Nothing reads it: at the root of the operation are
 * only meta-fields, so no resolver of the schema runs.
 */
export const SCHEMA_READER: Identity = Object.freeze({ id: '', name: null, expiresAt: undefined });

/** Whether the operation `params` name selects only meta-fields at its root. */
export function asksOnlyAboutSchema(params: { query?: unknown; operationName?: unknown } | undefined): boolean {
  const { query, operationName } = params ?? {};
  if (typeof query !== 'string' || !query.includes('__')) return false;
  try {
    const operation = getOperationAST(parse(query), typeof operationName === 'string' ? operationName : undefined);
    const selections = operation?.operation === 'query' ? operation.selectionSet.selections : [];
    return selections.length > 0 && selections.every((selection) => selection.kind === Kind.FIELD && selection.name.value.startsWith('__'));
  } catch {
    return false; // refused by Yoga's own parsing, with its status and code
  }
}
