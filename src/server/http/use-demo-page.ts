// Development only: the browser demo at `/` (demo/, built into demo/dist by `npm run demo:build`),
// a small chat that shows a frontend developer the API at work. In production it serves nothing.
// The page's WebSocket then comes from the service's own origin, which the Origin policy admits.
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import type { Plugin } from 'graphql-yoga';

const DEMO_DIST = new URL('../../../demo/dist/', import.meta.url);

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.map': 'application/json',
};

/** Vite names built assets after their content: one flat directory, no path to escape it. */
const ASSET_PATH = /^\/assets\/[\w-]+(\.[\w-]+)+$/;

export function useDemoPage(options: { production: boolean; dist?: URL }): Plugin {
  if (options.production) return {};
  const dist = options.dist ?? DEMO_DIST;
  return {
    async onRequest({ request, url, endResponse, fetchAPI }) {
      if (request.method !== 'GET' && request.method !== 'HEAD') return;
      const file = url.pathname === '/' ? 'index.html' : ASSET_PATH.test(url.pathname) ? url.pathname.slice(1) : undefined;
      if (!file) return;
      // Read on every request: a rebuild shows on the next reload, without restarting the service.
      const body = await readFile(new URL(file, dist)).catch(() => undefined);
      if (!body) {
        if (file !== 'index.html') return;
        return endResponse(
          new fetchAPI.Response('The demo is not built: run npm run demo:build (npm start does it first).\n', {
            status: 404,
            headers: { 'content-type': 'text/plain; charset=utf-8' },
          }),
        );
      }
      endResponse(
        new fetchAPI.Response(request.method === 'HEAD' ? null : body, {
          headers: {
            'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
            'cache-control': file === 'index.html' ? 'no-cache' : 'public, max-age=31536000, immutable',
            'x-content-type-options': 'nosniff',
          },
        }),
      );
    },
  };
}
