// Development only: POST /dev/token {"userId", "name"} answers {"token"}, a token as `npm run token`
// mints it, for the browser demo's user picker. Served only while the service verifies tokens with
// the built-in development secret (never in production, never with a configured key): that secret
// is in the repository, so the route mints nothing that anyone could not mint already.
import type { Plugin } from 'graphql-yoga';
import { isStorableText } from '../../auth/identity.ts';
import { mintToken } from '../../auth/dev-token.ts';
import type { Config } from '../../config.ts';

const MAX_ID_LENGTH = 255;
const MAX_NAME_LENGTH = 200;

export function useDevTokens(options: { production: boolean; jwt: Config['jwt'] }): Plugin {
  const { jwt } = options;
  if (options.production || jwt.key.kind !== 'secret' || !jwt.key.development) return {};
  return {
    async onRequest({ request, url, endResponse, fetchAPI }) {
      if (url.pathname !== '/dev/token') return;
      const answer = (status: number, body: object, headers: Record<string, string> = {}) =>
        endResponse(
          new fetchAPI.Response(JSON.stringify(body), {
            status,
            headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers },
          }),
        );
      if (request.method !== 'POST') return answer(405, { error: 'POST {"userId": "...", "name": "..."}' }, { allow: 'POST' });
      const body = (await request.json().catch(() => undefined)) as { userId?: unknown; name?: unknown } | undefined;
      const userId = typeof body?.userId === 'string' ? body.userId.trim() : '';
      const name = typeof body?.name === 'string' && body.name.trim() !== '' ? body.name.trim() : undefined;
      if (!userId || userId.length > MAX_ID_LENGTH || !isStorableText(userId)) {
        return answer(400, { error: `userId: 1 to ${MAX_ID_LENGTH} characters` });
      }
      if (name !== undefined && (name.length > MAX_NAME_LENGTH || !isStorableText(name))) {
        return answer(400, { error: `name: at most ${MAX_NAME_LENGTH} characters` });
      }
      answer(200, { token: await mintToken(jwt, userId, name), userId, name: name ?? null });
    },
  };
}
