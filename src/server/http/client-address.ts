// The address a request comes from, for per-address limits and logs. It is the TCP peer, unless the
// peer is one of TRUSTED_PROXIES: then it is the right-most X-Forwarded-For hop that is not itself a
// trusted proxy, the last address a trusted hop saw. Hops to its left are whatever the client wrote,
// so they are never used; from an untrusted peer the header is ignored altogether.
import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';

export type ClientAddress = (request: IncomingMessage) => string;

/** `trustedProxies`: addresses and CIDR ranges, as config.ts has checked them. */
export function createClientAddress(trustedProxies: readonly string[]): ClientAddress {
  if (trustedProxies.length === 0) return (request) => plain(request.socket.remoteAddress ?? 'unknown');
  const trusted = new BlockList();
  for (const entry of trustedProxies) {
    const [address, prefix] = entry.split('/') as [string, string | undefined];
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) trusted.addAddress(address, family);
    else trusted.addSubnet(address, Number(prefix), family);
  }
  const isTrusted = (address: string) => {
    const family = isIP(address);
    return family !== 0 && trusted.check(address, family === 6 ? 'ipv6' : 'ipv4');
  };
  return (request) => {
    let client = plain(request.socket.remoteAddress ?? 'unknown');
    if (!isTrusted(client)) return client;
    const header = request.headers['x-forwarded-for'];
    const hops = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',').map((hop) => plain(hop.trim()));
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = hops[i]!;
      // A hop a trusted proxy did not write (not an address) ends the chain at the last one it did.
      if (isIP(hop) === 0) return client;
      client = hop;
      if (!isTrusted(hop)) return client;
    }
    return client;
  };
}

/** An IPv4 client of a dual-stack socket appears as ::ffff:a.b.c.d: the same client as a.b.c.d. */
function plain(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}
