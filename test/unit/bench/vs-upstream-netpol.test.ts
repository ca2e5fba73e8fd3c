import { describe, expect, test } from 'vitest';
import { enforcerMissing, oursOf, renderNetpolRows, upstreamNetpolSpecs } from '../../../bench/vs-upstream-netpol.ts';
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

  test('a lab without an enforcer: one row saying why, nothing run', () => {
    expect(enforcerMissing('lab: up, 3 nodes, routed pod network, kube-proxy iptables mode, NetworkPolicy kube-router, kubeconfig /x')).toBeUndefined();
    const why = enforcerMissing('lab: up, 3 nodes, routed pod network, kube-proxy iptables mode, kubeconfig /x');
    expect(why).toMatch(/no NetworkPolicy enforcer/);
    expect(renderNetpolRows({ skipped: why! })).toEqual([`| \`network-policy\` | not run: ${why} | not run |`]);
  });
});
