// npm run migrate: applies pending migrations to DATABASE_URL (or the embedded database) and exits.
import { loadConfig } from '../src/config.ts';
import { createDatabase } from '../src/db/orm.ts';

const database = await createDatabase(loadConfig());
try {
  const applied = await database.migrate();
  console.log(applied.length ? `applied: ${applied.join(', ')}` : 'no pending migrations');
} finally {
  await database.stop();
}
