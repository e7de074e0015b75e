/**
 * Which addresses the dashboard listens on and which `Host` headers it answers. A page of another
 * site can make the user's browser resolve its own name to this machine (DNS rebinding) and then
 * read the dashboard as if it were that site: its requests carry that site's name as `Host`, so
 * only the bound address, loopback names and, when bound to every interface, this machine's own
 * addresses and host name are answered.
 */
import { isIP } from 'node:net';
import { hostname, networkInterfaces } from 'node:os';
import { isLoopback } from './loopback.ts';

const HOST_NAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*\.?$/i;

const bare = (host: string) => host.replace(/^\[(.*)\]$/, '$1');

/** The problem with `host` as an address to listen on, or null when it is one. */
export function listenHostProblem(host: string): string | null {
  if (isIP(bare(host)) !== 0 || HOST_NAME.test(host)) return null;
  return `must be an IP address or host name to listen on (127.0.0.1: this machine only; 0.0.0.0: every interface), got ${JSON.stringify(host)}`;
}

const isWildcard = (host: string) => ['0.0.0.0', '::', '0:0:0:0:0:0:0:0'].includes(bare(host));

/** The host names (lower case, IPv6 without brackets) a dashboard listening on `boundHost` answers to. */
export function allowedHostNames(boundHost: string): Set<string> {
  const names = new Set(['localhost', '127.0.0.1', '::1', bare(boundHost).toLowerCase()]);
  if (isWildcard(boundHost)) {
    names.add(hostname().toLowerCase());
    for (const addresses of Object.values(networkInterfaces()))
      for (const { address } of addresses ?? []) names.add(address.toLowerCase());
  }
  return names;
}

/** The name in a `Host` header ("name:port", "[v6]:port" or without port), lower case, without brackets. */
export function hostHeaderName(header: string): string {
  const v6 = /^\[([^\]]*)\](:\d+)?$/.exec(header);
  if (v6) return v6[1].toLowerCase();
  return header.replace(/:\d+$/, '').replace(/\.$/, '').toLowerCase();
}

/** Whether a request with this `Host` header is for this dashboard. */
export function isAllowedHost(header: string | undefined, allowed: Set<string>): boolean {
  if (!header) return false;
  const name = hostHeaderName(header);
  return allowed.has(name) || (isIP(name) === 4 && isLoopback(name));
}
