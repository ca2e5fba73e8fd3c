import { describe, expect, test } from 'vitest';
import type { DetectedCni } from '../../../helpers/ports/cni.ts';
import type { NetworkResult as CheckResult } from '../../../helpers/check/types.ts';
import { diagnose } from '../../../helpers/diagnose/index.ts';
import { nodePort, podToPod, ports } from '../fixtures/results.ts';

const flannelVxlan: DetectedCni[] = [{ name: 'flannel', backend: 'vxlan', ports: [{ port: 8472, protocol: 'udp', why: 'flannel VXLAN', kernelOwned: true }], why: 'test' }];
type Row = Pick<CheckResult, 'from' | 'to' | 'payload' | 'port' | 'protocol'>;

describe('diagnosis: node-down', () => {
  test('everything to one node fails including 10250 → node down or node firewall, one cause only', () => {
    const toWorker2 = (r: Row) => (r.to.node === 'worker-2' && r.from.node !== 'worker-2' ? ('FILTERED' as const) : undefined);
    // A "must be closed" port to the dead node passes (nothing answers): it must not hide the pattern.
    const closed10255 = ports({ portList: [10255] }).map((r) => ({ ...r, expect: 'CLOSED' as const, observed: 'FILTERED' as const }));
    const results = [...podToPod({ fault: toWorker2 }), ...nodePort({ fault: toWorker2 }), ...ports({ fault: toWorker2 }), ...closed10255];
    const { causes } = diagnose(results, { cni: flannelVxlan });
    expect(causes).toHaveLength(1);
    expect(causes[0]).toMatch(
      /^everything to node worker-2 fails, including the kubelet port TCP 10250 — 13 checks from cp-1, the runner \(192\.168\.1\.50\), worker-1: worker-2 is down or its host firewall drops all inbound traffic/,
    );
  });
});
