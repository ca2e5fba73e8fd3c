import { describe, expect, test } from 'vitest';
import type { DetectedCni } from '../../../helpers/ports/cni.ts';
import type { NetworkResult as CheckResult } from '../../../helpers/check/types.ts';
import { diagnose } from '../../../helpers/diagnose/index.ts';
import { podToPod, podToService } from '../fixtures/results.ts';

const flannelVxlan: DetectedCni[] = [{ name: 'flannel', backend: 'vxlan', ports: [{ port: 8472, protocol: 'udp', why: 'flannel VXLAN', kernelOwned: true }], why: 'test' }];
type Row = Pick<CheckResult, 'from' | 'to' | 'payload' | 'port' | 'protocol'>;
const W2 = 'worker-2';
const touchesW2 = (r: Pick<CheckResult, 'from' | 'to'>) => r.from.node !== r.to.node && (r.from.node === W2 || r.to.node === W2);

describe('diagnosis: mtu', () => {
  test('small payloads pass, full-size fail → MTU, naming the node, and not a pod-route cause', () => {
    const fault = (r: Row) => (r.payload === 'full' && r.from.node !== r.to.node && (r.to.node === 'worker-2' || r.from.node === 'worker-2') ? ('FILTERED' as const) : undefined);
    // Service rows with full payloads fail too (some land on worker-2's backend); they must
    // not blur which node is named.
    const serviceFull = (r: Row) => (r.payload === 'full' && r.from.node !== 'worker-2' ? ('FILTERED' as const) : undefined);
    const { causes, results } = diagnose([...podToPod({ fault }), ...podToService({ fault: serviceFull })], { cni: flannelVxlan });
    expect(causes).toHaveLength(1);
    expect(causes[0]).toContain('small payloads pass but full-size ones fail (10 checks');
    expect(causes[0]).toContain('MTU mismatch on the path to and from worker-2');
    expect(results.find((r) => r.outcome === 'failed')!.diagnosis).toEqual(['full-size payload fails where small passes: MTU on the path to and from worker-2']);
  });

  test('a Service row failing only with the full payload is not called MTU when no fixed path shows it', () => {
    const results = [
      ...podToPod({ fault: (r) => (touchesW2(r) ? 'FILTERED' : undefined) }),
      // From the control plane the small request happened to hit a healthy backend, the full one worker-2's.
      ...podToService({ fault: (r) => (r.from.node === 'control-plane' && r.payload === 'full' ? 'FILTERED' : undefined) }),
    ];
    const { causes } = diagnose(results);
    expect(causes.some((c) => /MTU/.test(c))).toBe(false);
    expect(causes[0]).toMatch(/cross-node pod traffic to and from worker-2/);
  });
});
