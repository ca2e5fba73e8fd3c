// Address arithmetic for the "Service range overlaps nothing" check (the seed's service-ip-range
// warning). IPv4 and IPv6; pure.
import net from 'node:net';

interface Range {
  family: 4 | 6;
  first: bigint;
  last: bigint;
}

function toBigInt(ip: string): { family: 4 | 6; value: bigint } {
  const family = net.isIP(ip);
  if (family === 4) {
    return { family: 4, value: ip.split('.').reduce((acc, part) => (acc << 8n) + BigInt(Number(part)), 0n) };
  }
  if (family === 6) {
    const [head = '', tail = ''] = ip.split('::');
    const parse = (s: string) => (s ? s.split(':') : []);
    const h = parse(head);
    const t = parse(ip.includes('::') ? tail : '');
    const groups = ip.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
    return { family: 6, value: groups.reduce((acc, g) => (acc << 16n) + BigInt(parseInt(g, 16)), 0n) };
  }
  throw new Error(`not an IP address: ${ip}`);
}

export function parseRange(cidrOrIp: string): Range {
  const [ip = '', bitsText] = cidrOrIp.split('/');
  const { family, value } = toBigInt(ip);
  const width = family === 4 ? 32 : 128;
  const bits = bitsText === undefined ? width : Number(bitsText);
  const hostBits = BigInt(width - bits);
  const first = (value >> hostBits) << hostBits;
  return { family, first, last: first + (1n << hostBits) - 1n };
}

export function overlaps(a: string, b: string): boolean {
  const ra = parseRange(a);
  const rb = parseRange(b);
  return ra.family === rb.family && ra.first <= rb.last && rb.first <= ra.last;
}

export interface Overlap {
  serviceCIDR: string;
  what: string;
}

/** Node addresses and pod CIDRs that fall inside a Service CIDR. */
export function serviceRangeOverlaps(options: { serviceCIDRs: string[]; nodeAddresses: { node: string; address: string }[]; podCIDRs: { node: string; cidr: string }[] }): Overlap[] {
  const found: Overlap[] = [];
  for (const serviceCIDR of options.serviceCIDRs) {
    for (const { node, address } of options.nodeAddresses) {
      if (net.isIP(address) && overlaps(serviceCIDR, address)) found.push({ serviceCIDR, what: `node ${node} address ${address}` });
    }
    for (const { node, cidr } of options.podCIDRs) {
      if (overlaps(serviceCIDR, cidr)) found.push({ serviceCIDR, what: `node ${node} pod CIDR ${cidr}` });
    }
  }
  return found;
}
