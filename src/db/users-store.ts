// Users in SQL: the token's identity kept current, placeholders for people invited before they sign in.
import type { EntityManager } from '@mikro-orm/postgresql';
import { User } from './entities/user.ts';

export interface UserRecord {
  id: string;
  name: string | null;
}

/** Records the user's current name; writes only when it changed. */
export async function upsertUser(em: EntityManager, user: UserRecord): Promise<void> {
  await em.execute(
    `insert into users (id, name) values (?, ?)
     on conflict (id) do update set name = excluded.name, updated_at = now()
     where users.name is distinct from excluded.name`,
    [user.id, user.name],
  );
}

/**
 * Makes sure a row exists for each id (name unknown until that user signs in). Ids are inserted in
 * sorted order so that two concurrent calls with the same ids cannot deadlock on each other.
 */
export async function ensureUsers(em: EntityManager, ids: readonly string[]): Promise<void> {
  const sorted = [...new Set(ids)].sort();
  await em.execute(
    `insert into users (id) values ${sorted.map(() => '(?)').join(', ')} on conflict (id) do nothing`,
    sorted,
  );
}

export async function usersByIds(em: EntityManager, ids: readonly string[]): Promise<Map<string, UserRecord>> {
  const users = await em.find(User, { id: { $in: [...ids] } }, { fields: ['id', 'name'], disableIdentityMap: true });
  return new Map(users.map((user) => [user.id, { id: user.id, name: user.name ?? null }]));
}
