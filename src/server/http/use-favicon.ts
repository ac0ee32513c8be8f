// The service's icon, for browser tabs of GraphiQL and the demo (and for the /favicon.ico every
// browser asks for unprompted, which would otherwise be a 404 in the console).
import type { Plugin } from 'graphql-yoga';

const ICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><path fill="#2563eb" d="M4 6a4 4 0 0 1 4-4h16a4 4 0 0 1 4 4v13a4 4 0 0 1-4 4H13l-7 6v-6a4 4 0 0 1-2-3.5z"/><circle cx="11" cy="12.5" r="2" fill="#fff"/><circle cx="16" cy="12.5" r="2" fill="#fff"/><circle cx="21" cy="12.5" r="2" fill="#fff"/></svg>`;

const PATHS = new Set(['/favicon.svg', '/favicon.ico']);

export function useFavicon(): Plugin {
  return {
    onRequest({ request, url, endResponse, fetchAPI }) {
      if ((request.method !== 'GET' && request.method !== 'HEAD') || !PATHS.has(url.pathname)) return;
      endResponse(
        new fetchAPI.Response(request.method === 'HEAD' ? null : ICON, {
          headers: { 'content-type': 'image/svg+xml', 'cache-control': 'public, max-age=86400' },
        }),
      );
    },
  };
}
