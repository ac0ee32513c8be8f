// npm run token -- <userId> [name]: prints a token signed with JWT_SECRET, or the development secret.
// On a terminal it says whose token it is, until when, and prints the header ready to paste into
// GraphiQL; piped or captured (TOKEN=$(npm run -s token -- alice)) it prints the token alone.
import { mintToken } from '../src/auth/dev-token.ts';
import { loadConfig } from '../src/config.ts';

const VALID_DAYS = 7;

const [userId, ...nameParts] = process.argv.slice(2);
if (!userId) {
  console.error('usage: npm run -s token -- <userId> [name]');
  process.exit(2);
}
const name = nameParts.join(' ') || undefined;
const token = await mintToken(loadConfig().jwt, userId, name, VALID_DAYS * 24 * 3600);
if (process.stdout.isTTY) {
  const until = new Date(Date.now() + VALID_DAYS * 24 * 3600 * 1000).toISOString().slice(0, 16).replace('T', ' ');
  console.log(`Token for ${userId}${name ? ` (${name})` : ''}, valid until ${until} UTC. GraphiQL's Headers tab:\n`);
  console.log(`{"Authorization": "Bearer ${token}"}\n`);
  console.log('The token alone, for scripts: TOKEN=$(npm run -s token -- ' + process.argv.slice(2).join(' ') + ')');
} else {
  console.log(token);
}
