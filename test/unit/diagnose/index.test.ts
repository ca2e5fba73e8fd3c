import { describe, expect, test } from 'vitest';
import type { StaticResult } from '../../../helpers/check/types.ts';
import type { NetworkResult as CheckResult } from '../../../helpers/check/types.ts';
import type { DetectedCni } from '../../../helpers/ports/cni.ts';
import { diagnose, withDiagnosis } from '../../../helpers/diagnose/index.ts';
import { nodePort, podToPod, podToService, ports, row, run } from '../fixtures/results.ts';

const flannelVxlan: DetectedCni[] = [{ name: 'flannel', backend: 'vxlan', ports: [{ port: 8472, protocol: 'udp', why: 'flannel VXLAN', kernelOwned: true }], why: 'test' }];
type Row = Pick<CheckResult, 'from' | 'to' | 'payload' | 'port' | 'protocol'>;
const crossTouching = (node: string) => (r: Row) => (r.from.node !== r.to.node && (r.from.node === node || r.to.node === node) ? ('FILTERED' as const) : undefined);

function healthyRun() {
  return [...podToPod(), ...podToService(), ...nodePort(), ...ports()];
}

describe('diagnosis engine', () => {
  test('healthy run: no causes, no row diagnosis', () => {
    const { causes, results } = diagnose(healthyRun(), { cni: flannelVxlan });
    expect(causes).toEqual([]);
    expect(results.every((r) => r.diagnosis === undefined)).toBe(true);
  });

  test('setup failures (NOT_RUN) are neither network nor control-path causes', () => {
    const setup: StaticResult = {
      kind: 'static',
      suite: 'pod-to-pod',
      name: 'setup worker-2/probe-a',
      status: 'not-run',
      node: 'worker-2',
      outcome: 'error',
      detail: 'ImagePullBackOff',
      reason: 'ImagePullBackOff',
    };
    expect(diagnose([...podToPod(), setup]).causes).toEqual([]);
  });

  test("withDiagnosis fills the run-level list and keeps the rows' order", () => {
    const r = run(podToPod({ fault: crossTouching('worker-2') }));
    const out = withDiagnosis(r, { cni: flannelVxlan });
    expect(out.diagnosis).toHaveLength(1);
    expect(out.results.map((x) => x.name)).toEqual(r.results.map((x) => x.name));
    expect(r.results.every((x) => x.diagnosis === undefined)).toBe(true); // input untouched
  });
});
