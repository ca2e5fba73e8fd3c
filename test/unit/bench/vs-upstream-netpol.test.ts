import { describe, expect, test } from 'vitest';
import { compareNetpol } from '../../../bench/netpol-compare.ts';
import { renderVs, type VsFigures } from '../../../bench/vs-upstream.ts';
import { enforcerMissing, oursOf, renderNetpolRows, renderNetpolSpecs, upstreamNetpolSpecs } from '../../../bench/vs-upstream-netpol.ts';
import { parseUpstreamJunit } from '../../../lab/upstream-junit.ts';
import type { RunResults } from '../../../helpers/check/types.ts';

const spec = (context: string, text: string, status: string) =>
  `<testcase name="[It] [sig-network] Netpol ${context} ${text} [Feature:NetworkPolicy]" classname="Kubernetes e2e suite" status="${status}" time="30"></testcase>`;
const junit = (...cases: string[]) => `<testsuites><testsuite name="Kubernetes e2e suite">${cases.join('')}</testsuite></testsuites>`;

describe("vs-upstream's NetworkPolicy row", () => {
  const upstream = parseUpstreamJunit(
    junit(
      spec('NetworkPolicy between server and client', "should support a 'default-deny-ingress' policy", 'passed'),
      spec('NetworkPolicy between server and client', 'should allow ingress access on one named port', 'failed'),
      spec('[LinuxOnly] NetworkPolicy between server and client using UDP', 'should enforce policy based on Ports', 'passed'),
      `<testcase name="[It] [sig-storage] CSI mock volume" classname="Kubernetes e2e suite" status="skipped" time="0"><skipped message="skipped"></skipped></testcase>`,
    ),
  );

  test("upstream's specs by context; ours by outcome; both rows with the ratio", () => {
    expect(upstreamNetpolSpecs(upstream)).toEqual({ tcp: 2, udp: 1, passed: 2 });
    const run = {
      results: [
        { suite: 'network-policy', name: 'ingress/default-deny/pod-x-a', outcome: 'passed' },
        { suite: 'network-policy', name: 'ingress/port-name/unknown-name-from-b', outcome: 'failed' },
        { suite: 'pod-to-pod', name: 'x', outcome: 'failed' },
      ],
    } as unknown as RunResults;
    const ours = oursOf(run);
    expect(ours).toEqual({ cases: 2, passed: 1, notPassed: ['ingress/port-name/unknown-name-from-b'] });
    expect(renderNetpolRows({ upstreamMs: 1_800_000, upstream, oursMs: 240_000, ours })).toEqual([
      '| `network-policy` | 2/3 NetworkPolicy specs passed (2 TCP, 1 UDP; each a 9-pod truth table) | 1/2 cases as the model says (not: ingress/port-name/unknown-name-from-b) |',
      '| **wall time, NetworkPolicy** | 1800.0 s | 240.0 s (one run) — **7.5× faster** |',
    ]);
  });

  test('the spec-by-spec table follows the comparison table, and is saved with the figures', () => {
    const run = { results: [{ suite: 'network-policy', name: 'ingress/default-deny/namespace-x', outcome: 'passed' }] } as unknown as RunResults;
    const netpol = { upstreamMs: 1, upstream, oursMs: 1, ours: oursOf(run), comparison: compareNetpol(upstream, run) };
    const specs = renderNetpolSpecs(netpol);
    expect(specs[1]).toMatch(/^NetworkPolicy, spec by spec/);
    const table = specs[3]!.split('\n');
    expect(table[0]).toMatch(/^46 upstream NetworkPolicy specs \(v1\.37\.2\): 7 same, 39 partly, 0 none; 1 both pass, 45 not compared$/);
    expect(table).toContain("| should support a 'default-deny-ingress' policy | `ingress/default-deny/namespace-x` | same | passed | passed | both pass |");
    // Upstream failed it, and our case for it has no row in this run.
    expect(table.find((l) => l.startsWith('| should allow ingress access on one named port |'))).toMatch(/\| failed \| not run \| not compared \|$/);
    const figures = { date: '2026-12-08', machine: 'm', upstreamMs: 1, upstream, oursMs: [1], coverage: [], netpol } as VsFigures;
    expect(renderVs(figures).endsWith(`| **wall time, NetworkPolicy** | 0.0 s | 0.0 s (one run) — **1.0× faster** |\n${specs.join('\n')}`)).toBe(true);
    expect((JSON.parse(JSON.stringify(figures)) as VsFigures).netpol).toHaveProperty('comparison.specs.length', 46);
    // Figures saved before the comparison existed, and a lab without an enforcer: no spec table.
    expect(renderNetpolSpecs({ ...netpol, comparison: undefined })).toEqual([]);
    expect(renderNetpolSpecs({ skipped: 'no enforcer' })).toEqual([]);
  });

  test('a lab without an enforcer: one row saying why, nothing run', () => {
    expect(enforcerMissing('lab: up, 3 nodes, routed pod network, kube-proxy iptables mode, NetworkPolicy kube-router, kubeconfig /x')).toBeUndefined();
    const why = enforcerMissing('lab: up, 3 nodes, routed pod network, kube-proxy iptables mode, kubeconfig /x');
    expect(why).toMatch(/no NetworkPolicy enforcer/);
    expect(renderNetpolRows({ skipped: why! })).toEqual([`| \`network-policy\` | not run: ${why} | not run |`]);
  });
});
