// Which browser pages may open a WebSocket to this service (docs/contract/CONTRACT.md, Limits): a defence against
// cross-site WebSocket hijacking, where a page of another site opens a socket in its visitor's name.
// Browsers always send Origin on a WebSocket upgrade and a page cannot forge it; other clients may
// leave it out, and are then judged by their token alone.

/**
 * `allowedOrigins` non-empty: only those origins. Empty: only pages served by this service itself,
 * whose origin's host is the Host the browser connected to. `Origin: null` (sandboxed frames,
 * file: pages, some redirects) names no site that could be trusted and is refused.
 */
export function originAllowed(origin: string | undefined, host: string | undefined, allowedOrigins: readonly string[]): boolean {
  if (origin === undefined) return true;
  const parsed = serialisedOrigin(origin);
  if (!parsed) return false;
  if (allowedOrigins.length > 0) return allowedOrigins.includes(parsed.origin);
  return host !== undefined && sameHost(parsed, host);
}

/** The origin, if the header is one as browsers write it (scheme://host[:port]); else undefined. */
function serialisedOrigin(header: string): URL | undefined {
  let parsed: URL;
  try {
    parsed = new URL(header);
  } catch {
    return undefined;
  }
  // `null` fails to parse; a path, a list of origins or user info do not round-trip.
  return parsed.origin !== 'null' && parsed.origin === header.toLowerCase() ? parsed : undefined;
}

/** Host `example.com:443` is the same as origin `https://example.com`: compare in the origin's scheme. */
function sameHost(origin: URL, host: string): boolean {
  try {
    return new URL(`${origin.protocol}//${host}`).host === origin.host;
  } catch {
    return false;
  }
}
