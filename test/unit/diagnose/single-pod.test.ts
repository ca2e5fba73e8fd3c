// One probe pod's own network down (its veth deleted, its sandbox broken) on a full-mesh run:
// every check to it times out, the runner cannot drive it (its pod proxy dials its IP), and the
// other pod on the same node answers everybody. The node is fine: name the pod.
import { describe, expect, test } from 'vitest';
import { diagnose } from '../../../helpers/diagnose/index.ts';
import type { NetworkResult as CheckResult } from '../../../helpers/check/types.ts';
import { nodePort, podMesh, podToPod, serviceMesh } from '../fixtures/results.ts';

const BROKEN = 'probe-a-worker-2';
const podDown = (pod: string) => (r: CheckResult) => (r.to.pod === pod ? ('FILTERED' as const) : r.from.pod === pod ? ('CONTROL_ERROR' as const) : undefined);

describe('diagnosis: single-pod', () => {
  test("one pod unreachable while its node's other pod answers → names the pod (veth/sandbox), not the node", () => {
    // Two Service requests happened to pick the broken pod as their backend.
    const serviceFault = (r: CheckResult) =>
      r.from.pod === BROKEN ? ('CONTROL_ERROR' as const) : r.payload === 'full' && r.protocol === 'tcp' && r.from.node === 'cp-1' ? ('FILTERED' as const) : undefined;
    const results = [...podMesh({ fault: podDown(BROKEN) }), ...serviceMesh({ fault: serviceFault }), ...nodePort()];
    const { causes, results: diagnosed, findings } = diagnose(results);
    expect(findings.map((f) => f.rule)).toEqual(['single-pod']);
    expect(causes[0]).toMatch(
      /^pod probe-a-worker-2 on worker-2 is unreachable \(\d+ checks, from cp-1, cp-1 \(host\), worker-1, worker-1 \(host\), worker-2, worker-2 \(host\)\) while probe-b-worker-2 on worker-2 answers checks from those nodes/,
    );
    expect(causes[0]).toContain('its interface (veth) or sandbox');
    expect(causes[0]).not.toMatch(/worker-2's pod route/);
    // Every failed or errored row is accounted for: to it, from it, Services that picked it.
    const bad = diagnosed.filter((r) => r.outcome === 'failed' || r.outcome === 'error');
    expect(bad.every((r) => r.diagnosis?.length === 1)).toBe(true);
    expect(diagnosed.find((r) => r.from.pod === BROKEN && r.suite === 'pod-to-pod')!.diagnosis).toEqual([`from ${BROKEN}, whose own network is down`]);
    expect(diagnosed.find((r) => r.to.pod === BROKEN)!.diagnosis).toEqual([`pod ${BROKEN} itself (its veth/sandbox): the other pod on worker-2 answers`]);
  });

  test("--short run: the broken pod is dialled only by probe-a's, its sibling by the host probes → still the pod", () => {
    const { findings, causes } = diagnose(podMesh({ short: true, fault: podDown('probe-b-worker-2') }));
    expect(findings.map((f) => f.rule)).toEqual(['single-pod']);
    expect(causes[0]).toMatch(/^pod probe-b-worker-2 on worker-2 is unreachable \(12 checks, from cp-1, worker-1, worker-2\) while probe-a-worker-2 on worker-2 answers/);
  });

  test("one pod unreachable from other nodes while its own node reaches it → names the pod's address beyond its node", () => {
    const fault = (r: CheckResult) => (r.to.pod === BROKEN && r.from.node !== 'worker-2' ? ('FILTERED' as const) : r.from.pod === BROKEN ? ('CONTROL_ERROR' as const) : undefined);
    const { findings, causes } = diagnose(podMesh({ fault }));
    expect(findings.map((f) => f.rule)).toEqual(['single-pod']);
    expect(causes[0]).toMatch(
      /^pod probe-a-worker-2 on worker-2 is unreachable from other nodes \(\d+ checks, from cp-1, cp-1 \(host\), worker-1, worker-1 \(host\)\) while worker-2 itself reaches it/,
    );
    expect(causes[0]).toContain('is not forwarded beyond its node');
  });

  test("both pods of the node unreachable → the node's pod network, not a pod", () => {
    const fault = (r: CheckResult) => (r.to.node === 'worker-2' && r.from.node !== 'worker-2' ? ('FILTERED' as const) : undefined);
    const { findings, causes } = diagnose(podMesh({ fault }));
    expect(findings.map((f) => f.rule)).not.toContain('single-pod');
    expect(causes[0]).toMatch(/worker-2/);
  });

  test('two broken pods on two nodes → two causes, one per pod', () => {
    const fault = (r: CheckResult) => podDown('probe-a-worker-1')(r) ?? podDown('probe-b-cp-1')(r);
    const { findings, causes } = diagnose(podMesh({ fault }));
    expect(findings.map((f) => f.rule)).toEqual(['single-pod', 'single-pod']);
    expect(causes.map((c) => c.split(' is unreachable')[0]).sort()).toEqual(['pod probe-a-worker-1 on worker-1', 'pod probe-b-cp-1 on cp-1']);
  });

  test('without another pod on the node as evidence (one pod per target) nothing is named a pod fault', () => {
    // The small fixture has no second pod reached from other nodes: no sibling evidence.
    const fault = (r: CheckResult) => (r.to.node === 'worker-2' && r.to.pod === 'probe-a' && r.from.node !== 'worker-2' ? ('FILTERED' as const) : undefined);
    const { findings } = diagnose(podToPod({ fault }));
    expect(findings.map((f) => f.rule)).not.toContain('single-pod');
  });
});
