// The upstream-spec map: every spec `upstream-e2e --netpol` selects (fixture: the 46 names of a
// v1.37.2 dry run, tags and all) is mapped exactly once; every case id it names is one
// generateCases makes for a world with DNS pods and an IPv4 pod CIDR; and with UNCOVERED the two
// lists account for every case generated (dual-stack too, family suffixes aside), each once.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { specKey } from '../../../bench/netpol-compare.ts';
import { SPEC_MAP, UNCOVERED } from '../../../bench/netpol-spec-map.ts';
import type { CaseOptions } from '../../../helpers/netpol/case-world.ts';
import { generateCases } from '../../../helpers/netpol/cases.ts';

const fixture = path.join(import.meta.dirname, '..', 'fixtures', 'upstream-netpol-specs-v1.37.2.txt');
const selected = fs
  .readFileSync(fixture, 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map(specKey);

/**
 * x/y/z × a/b/c with addresses of the given families, the cluster's pod CIDRs and two CoreDNS pods
 * (as suites/network-policy.ts prepares them from the cluster).
 */
function withDns(families: Array<'ipv4' | 'ipv6'>): CaseOptions {
  const ip = (f: 'ipv4' | 'ipv6', i: number) => (f === 'ipv4' ? `10.244.${i % 3}.${i}` : `fd00:10:244:${i % 3}::${i}`);
  const pods: NonNullable<CaseOptions['pods']> = {};
  let i = 10;
  for (const n of ['x', 'y', 'z'] as const) for (const p of ['a', 'b', 'c'] as const) pods[`${n}/${p}`] = { ips: families.map((f) => ip(f, i)), node: `node-${i++ % 3}` };
  return {
    namespaces: { x: 'nc-1-x', y: 'nc-1-y', z: 'nc-1-z' },
    pods,
    podCIDRs: families.map((f) => (f === 'ipv4' ? '10.244.0.0/16' : 'fd00:10:244::/56')),
    dns: {
      namespace: 'kube-system',
      podLabels: { 'k8s-app': 'kube-dns' },
      pods: [
        { name: 'coredns-1', ips: families.map((f) => ip(f, 2)), node: 'node-0' },
        { name: 'coredns-2', ips: families.map((f) => ip(f, 3)), node: 'node-1' },
      ],
    },
  };
}

const generated = generateCases(withDns(['ipv4'])).map((c) => c.id);
/** A map id as generated: itself, or (an ipBlock id named without its family) with /ipv4. */
const asGenerated = (id: string) => (generated.includes(id) ? id : `${id}/ipv4`);
/** Every case of a dual-stack cluster, ipBlock ids without their family (as the map names them). */
const everyCase = [...new Set(generateCases(withDns(['ipv4', 'ipv6'])).map((c) => (c.ipFamily ? c.id.replace(/\/ipv[46]$/, '') : c.id)))];

describe('upstream NetworkPolicy spec map', () => {
  test('the fixture holds the 46 selected specs: 43 TCP, 3 UDP, no duplicates', () => {
    expect(selected).toHaveLength(46);
    expect(new Set(selected).size).toBe(46);
    expect(selected.filter((s) => s.startsWith('using UDP ')).length).toBe(3);
    expect(selected.every((s) => s.startsWith('should ') || s.startsWith('using UDP should '))).toBe(true);
  });

  test('every selected spec is mapped exactly once, and nothing else is', () => {
    const mapped = SPEC_MAP.map((m) => m.spec);
    expect([...mapped].sort()).toEqual([...selected].sort());
  });

  test('every mapped spec names its cases (same, partly) or says why not (none); a partly says what differs', () => {
    for (const m of SPEC_MAP) {
      if (m.closeness === 'none') {
        expect(m.ours, m.spec).toEqual([]);
        expect(m.note, m.spec).toBeTruthy();
      } else expect(m.ours.length, m.spec).toBeGreaterThan(0);
      if (m.closeness === 'partly') expect(m.note, m.spec).toBeTruthy();
    }
  });

  test('every case id the map names is generated (DNS pods, IPv4 pod CIDR)', () => {
    expect(SPEC_MAP.flatMap((m) => m.ours).filter((id) => !generated.includes(asGenerated(id)))).toEqual([]);
  });

  test('mapped and uncovered cases together are every generated case (dual-stack), each once', () => {
    const mapped = new Set(SPEC_MAP.flatMap((m) => m.ours));
    const uncovered = UNCOVERED.flatMap((g) => g.cases);
    expect(uncovered.filter((id) => !everyCase.includes(id))).toEqual([]);
    expect(new Set(uncovered).size).toBe(uncovered.length);
    expect(uncovered.filter((id) => mapped.has(id))).toEqual([]);
    expect(everyCase.filter((id) => !mapped.has(id) && !uncovered.includes(id))).toEqual([]);
  });

  test("the unknown-named-port spec maps to our rule without a from, not to kube-router's deviation", () => {
    const m = SPEC_MAP.find((s) => s.spec === 'should not allow all ports if it cannot limit to the requested port')!;
    expect(m.ours).toEqual(['ingress/port-name/unknown-name']);
    expect(UNCOVERED.some((g) => g.cases.includes('ingress/port-name/unknown-name-from-b'))).toBe(true);
  });
});
