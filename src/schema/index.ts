// The executable schema: the builder's root types, then every type file, then toSchema().
import { lexicographicSortSchema, type GraphQLSchema } from 'graphql';
import { builder } from './builder.ts';
import './scalars.ts';
import './user.ts';
import './message.ts';
import './room.ts';
import './room-event.ts';
import './typing.ts';
import './presence.ts';
import './read-state.ts';

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});

export const schema: GraphQLSchema = builder.toSchema();
export const sortedSchema = () => lexicographicSortSchema(schema);
