// Each fault case's diagnosis expectation names the cause, not just where it is: a cause line
// that mentions every node, port and protocol of the fault — and every keyword a rule might use —
// but says something else (here: the control path's "could not control the probes") must not
// satisfy it. A pattern such as /lab-worker-2/ or /8472/ alone would.
import { describe, expect, test } from 'vitest';
import { FAULT_CASES } from '../../detection/cases.ts';

const NODES = ['lab-control-plane', 'lab-worker-1', 'lab-worker-2'];
const KEYWORDS = 'NodePort kube-proxy MTU BGP VXLAN DNS UDP TCP IPv4 IPv6 8472 10250 6443 30000 53 179 node addresses host network egress NAT hairpin intermittent loss';

/** Everything a case's fault names, twice over and in both orders, around a wrong cause. */
function decoy(fault: readonly string[]): string {
  const words = [...NODES, ...fault, ...fault.flatMap((a) => a.split('/'))].join(' ');
  const reversed = [...NODES, ...fault].reverse().join(' ');
  return `${words} ${KEYWORDS}: the runner could not control the probes on ${words} (${reversed}): the control path failed, not the pod network ${reversed} ${KEYWORDS}`;
}

describe('detection cases: each diagnosis expectation names the cause', () => {
  const expecting = FAULT_CASES.filter((c) => c.diagnosis.length > 0);

  test.each(expecting.map((c) => [c.id, c] as const))('%s: a line naming its nodes and ports but another cause does not satisfy it', (_id, c) => {
    const line = decoy(c.fault);
    expect(c.diagnosis.filter((re) => re.test(line)).map(String)).toEqual([]);
  });

  test('the old node-or-port patterns would have been satisfied by that line (the check above can fail)', () => {
    const old = [/lab-worker-1.*lab-worker-2|lab-worker-2.*lab-worker-1/, /10250.*lab-worker-1|lab-worker-1.*10250/, /6443/, /lab-worker-2/, /8472/, /MTU/];
    for (const c of FAULT_CASES.filter((x) => ['cut-route', 'block-port-kubelet', 'block-port-apiserver', 'no-forwarding', 'block-vxlan', 'mtu'].includes(x.id)))
      expect(
        old.some((re) => re.test(decoy(c.fault))),
        c.id,
      ).toBe(true);
  });
});
