// npm run token -- <userId> [name]: prints a token signed with JWT_SECRET, or the development secret.
import { mintToken } from '../src/auth/dev-token.ts';
import { loadConfig } from '../src/config.ts';

const [userId, ...nameParts] = process.argv.slice(2);
if (!userId) {
  console.error('usage: npm run token -- <userId> [name]');
  process.exit(2);
}
console.log(await mintToken(loadConfig().jwt, userId, nameParts.join(' ') || undefined));
