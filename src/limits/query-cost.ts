// The cost of an operation: how many fields it can make the service resolve. Every field costs 1;
// the selection of a paged field (one with `first`/`last` arguments) counts once per item its page
// can hold. Armor's cost-limit plugin does not fit this schema: it reads page sizes from literals
// only, so a query written with `first: $first` (as clients write it) costs a hundredth of the same
// query with `first: 100`, and its factor of 1.5 per level refuses an honest `messages(last: 100)`.
import {
  getNamedType,
  isCompositeType,
  Kind,
  type ArgumentNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../resolvers/input.ts';

const PAGE_ARGUMENTS = ['first', 'last'];

/**
 * The most items a paged field can return. A variable counts as the largest page the resolvers allow:
 * Yoga caches validation per document whatever the variables, so the cost must hold for any value.
 * A literal above the maximum is refused by the resolver, so it costs no more than the maximum.
 */
function pageSize(field: GraphQLField<unknown, unknown>, args: readonly ArgumentNode[] | undefined): number {
  if (!field.args.some((arg) => PAGE_ARGUMENTS.includes(arg.name))) return 1;
  const given = (args ?? []).filter((arg) => PAGE_ARGUMENTS.includes(arg.name.value) && arg.value.kind !== Kind.NULL);
  if (given.length === 0) return DEFAULT_PAGE_SIZE;
  return Math.max(
    ...given.map(({ value }) => (value.kind === Kind.INT ? Math.min(Math.max(Number(value.value), 0), MAX_PAGE_SIZE) : MAX_PAGE_SIZE)),
  );
}

/**
 * Fragments are costed once each, so a document that nests spreads is costed in linear time however
 * large the cost it describes. Lists that are not paged (members, onlineMembers) count once: they are
 * bounded by MAX_ROOM_MEMBERS and loaded in one batch per room.
 */
export function operationCost(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragment: (name: string) => FragmentDefinitionNode | undefined,
): number {
  const fragmentCosts = new Map<string, number>();
  const typeNamed = (name: string | undefined) => {
    const type = name === undefined ? undefined : schema.getType(name);
    return type && isCompositeType(type) ? type : undefined;
  };

  const selectionCost = (parent: GraphQLCompositeType | undefined, selectionSet: SelectionSetNode | undefined): number => {
    let cost = 0;
    for (const selection of selectionSet?.selections ?? []) {
      if (selection.kind === Kind.FIELD) {
        // Unknown fields (refused by FieldsOnCorrectTypeRule) and union members have no definition here.
        const fields = parent && 'getFields' in parent ? parent.getFields() : {};
        const field = fields[selection.name.value];
        const child = field ? getNamedType(field.type) : undefined;
        const size = field ? pageSize(field, selection.arguments) : 1;
        cost += 1 + size * selectionCost(child && isCompositeType(child) ? child : undefined, selection.selectionSet);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        cost += selectionCost(typeNamed(selection.typeCondition?.name.value) ?? parent, selection.selectionSet);
      } else {
        const name = selection.name.value;
        if (!fragmentCosts.has(name)) {
          // A cycle (refused by NoFragmentCyclesRule) costs nothing more instead of recursing forever.
          fragmentCosts.set(name, 0);
          const definition = fragment(name);
          fragmentCosts.set(name, selectionCost(typeNamed(definition?.typeCondition.name.value), definition?.selectionSet));
        }
        cost += fragmentCosts.get(name)!;
      }
    }
    return cost;
  };

  return selectionCost(schema.getRootType(operation.operation) ?? undefined, operation.selectionSet);
}
