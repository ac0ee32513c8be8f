// TRUSTED_PROXIES: the client's address is the TCP peer, unless the peer is a trusted proxy; then it
// is the right-most X-Forwarded-For hop that is not a trusted proxy. What a client writes to the left
// of that, or sends directly, is never believed.
import type { IncomingMessage } from 'node:http';
import { loadConfig } from '../src/config.ts';
import { createClientAddress } from '../src/server/http/client-address.ts';

const request = (peer: string, forwardedFor?: string) =>
  ({ socket: { remoteAddress: peer }, headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor } }) as unknown as IncomingMessage;

const behind = (trusted: string) => createClientAddress(loadConfig({ NODE_ENV: 'test', TRUSTED_PROXIES: trusted }).trustedProxies);

it('by default no proxy is trusted: the peer is the client, whatever X-Forwarded-For says', () => {
  expect(loadConfig({ NODE_ENV: 'test' }).trustedProxies).toEqual([]);
  expect(createClientAddress([])(request('203.0.113.7', '198.51.100.1'))).toBe('203.0.113.7');
});

it('from a trusted proxy, the client is the hop the proxy saw: the right-most X-Forwarded-For entry', () => {
  const address = behind('10.0.0.5');
  expect(address(request('10.0.0.5', '198.51.100.1'))).toBe('198.51.100.1');
  // A client that forged hops of its own is still known by the address the proxy saw.
  expect(address(request('10.0.0.5', '1.2.3.4, 5.6.7.8, 198.51.100.1'))).toBe('198.51.100.1');
});

it('trusted proxies in a chain (CIDR ranges, IPv6) are skipped from the right', () => {
  const address = behind('10.0.0.0/8, fd00::/8');
  expect(address(request('10.1.2.3', '1.2.3.4, 198.51.100.1, 10.9.9.9, fd00::1'))).toBe('198.51.100.1');
  expect(address(request('::ffff:10.1.2.3', '2001:db8::7'))).toBe('2001:db8::7');
});

it('from an untrusted peer the header is ignored', () => {
  expect(behind('10.0.0.0/8')(request('203.0.113.7', '10.0.0.1'))).toBe('203.0.113.7');
});

it('a trusted peer without the header, or with a hop that is not an address, is the client itself or the last hop it wrote', () => {
  const address = behind('10.0.0.5, 10.0.0.6');
  expect(address(request('10.0.0.5'))).toBe('10.0.0.5');
  expect(address(request('10.0.0.5', 'not-an-address, 10.0.0.6'))).toBe('10.0.0.6');
});

it('a TRUSTED_PROXIES entry that is not an address or CIDR range stops the start', () => {
  expect(() => loadConfig({ NODE_ENV: 'test', TRUSTED_PROXIES: 'proxy.local' })).toThrow(/TRUSTED_PROXIES/);
  expect(() => loadConfig({ NODE_ENV: 'test', TRUSTED_PROXIES: '10.0.0.0/33' })).toThrow(/TRUSTED_PROXIES/);
});
