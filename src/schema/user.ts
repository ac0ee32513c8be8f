// User, and the `me` query.
import type { UserRecord } from '../db/users-store.ts';
import { builder } from './builder.ts';

export const UserType = builder.objectRef<UserRecord>('User').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name', { nullable: true, description: 'Current display name; null when the identity provider gave none.' }),
  }),
});

builder.queryField('me', (t) =>
  t.field({
    type: UserType,
    description: 'The caller, from the verified token.',
    resolve: (_root, _args, ctx) => ({ id: ctx.viewer.id, name: ctx.viewer.name }),
  }),
);
