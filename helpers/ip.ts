// IP literals and families, the few lines every path and driver shares. Pure; imports types only.
import type { IpFamily } from './check/types.ts';

export function familyOf(ip: string): IpFamily {
  return ip.includes(':') ? 'ipv6' : 'ipv4';
}

/** An IPv6 literal bracketed, as it is written before a port (`[fd00::7]:8080`); IPv4 and names as they are. */
export function bracketed(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** The first address of each family, in the order given (the primary family first). */
export function firstPerFamily(ips: readonly string[]): string[] {
  const seen = new Set<IpFamily>();
  return ips.filter((ip) => {
    const f = familyOf(ip);
    if (seen.has(f)) return false;
    seen.add(f);
    return true;
  });
}
