// ipBlock matching: an address is in the block when it is inside `cidr` and inside none of the
// `except` CIDRs. Families never match each other (an IPv4 block says nothing about an IPv6
// connection). Address arithmetic is helpers/cidr.ts's; this file adds validation and except.
import net from 'node:net';
import { parseRange } from '../cidr.ts';
import type { Family, IPBlock } from './types.ts';

export function cidrFamily(cidr: string): Family {
  return net.isIP(cidr.split('/')[0] ?? '') === 6 ? 'ipv6' : 'ipv4';
}

/** Is `cidr` a CIDR the API server accepts ("10.0.0.0/8", "fd00::/64"; a prefix length is required)? */
export function cidrProblem(cidr: string): string | undefined {
  const [address = '', bits, extra] = cidr.split('/');
  const family = net.isIP(address);
  const width = family === 6 ? 128 : 32;
  if (family === 0 || bits === undefined || extra !== undefined || !/^\d+$/.test(bits) || Number(bits) > width) {
    return `${JSON.stringify(cidr)} is not a CIDR (address/prefix-length)`;
  }
  return undefined;
}

export function cidrContains(cidr: string, ipOrCidr: string): boolean {
  const outer = parseRange(cidr);
  const inner = parseRange(ipOrCidr);
  return outer.family === inner.family && outer.first <= inner.first && inner.last <= outer.last;
}

export function inIpBlock(block: IPBlock, ip: string): boolean {
  return cidrContains(block.cidr, ip) && !(block.except ?? []).some((e) => cidrContains(e, ip));
}

/** What the API server refuses in an ipBlock: a bad CIDR, an except outside the block or of the other family. */
export function ipBlockProblems(block: IPBlock, where: string): string[] {
  const bad = cidrProblem(block.cidr);
  if (bad) return [`${where}.cidr: ${bad}`];
  return (block.except ?? []).flatMap((e, i) => {
    const at = `${where}.except[${i}]`;
    const problem = cidrProblem(e);
    if (problem) return [`${at}: ${problem}`];
    return cidrContains(block.cidr, e) ? [] : [`${at}: ${e} is not inside ${block.cidr}`];
  });
}
