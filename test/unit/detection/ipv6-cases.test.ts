// The dual-stack lab's IPv6-only fault cases, judged offline on the fixture cluster's rows: the
// IPv6 rows the fault breaks failing (IPv4 twins passing) is detected, with the diagnosis the
// engine writes for it; an IPv4 row failing too is a false failure.
import { describe, expect, test } from 'vitest';
import type { NetworkCheck } from '../../../helpers/check/types.ts';
import { diagnose } from '../../../helpers/diagnose/index.ts';
import { FAULT_CASES } from '../../detection/cases.ts';
import { caseRunsOn, describeVerdict, judgeDetection } from '../../detection/compare.ts';
import { resultsOf } from '../dual/topologies.ts';

const W1 = 'lab-worker-1';
const W2 = 'lab-worker-2';
const caseOf = (id: string) => FAULT_CASES.find((c) => c.id === id)!;

/** What cut-route W1 W2 --family 6 breaks on a routed lab: IPv6 pod traffic between the two in both directions, pod-to-node from W2's pods into W1. */
const cutIPv6 = (c: NetworkCheck) =>
  c.family === 'ipv6' &&
  ((c.suite === 'pod-to-pod' && c.to.kind === 'pod' && ((c.from.node === W1 && c.to.node === W2) || (c.from.node === W2 && c.from.kind === 'pod' && c.to.node === W1))) ||
    (c.suite === 'pod-to-node' && c.from.node === W2 && c.to.node === W1))
    ? ('FILTERED' as const)
    : undefined;

describe('IPv6-only fault cases (LAB_IP_FAMILY=dual)', () => {
  test('run on the dual lab only; the IPv4 lab keeps its cases', () => {
    expect(FAULT_CASES.filter((c) => caseRunsOn(c, { ipFamily: 'dual' })).map((c) => c.id)).toEqual(['cut-route-ipv6', 'block-port-kubelet-ipv6']);
    expect(FAULT_CASES.filter((c) => caseRunsOn(c, { ipFamily: 'ipv4' })).map((c) => c.id)).not.toContain('cut-route-ipv6');
    expect(caseOf('cut-route-ipv6').fault).toEqual(['cut-route', W1, W2, '--family', '6']);
  });

  test('cut-route --family 6: exactly the IPv6 rows fail and the diagnosis names IPv6 and the pair', async () => {
    const { results, causes } = diagnose(await resultsOf('dual', cutIPv6));
    const verdict = judgeDetection(caseOf('cut-route-ipv6'), { results, diagnosis: causes });
    expect(verdict.ok, describeVerdict(verdict)).toBe(true);
    expect(verdict.failedRows).toBeGreaterThan(0);
  });

  test('an IPv4 row failing under an IPv6-only fault is a false failure', async () => {
    const { results, causes } = diagnose(
      await resultsOf('dual', (c) => cutIPv6(c) ?? (c.family === 'ipv4' && c.suite === 'pod-to-pod' && c.from.node === W1 && c.to.node === W2 ? 'FILTERED' : undefined)),
    );
    const verdict = judgeDetection(caseOf('cut-route-ipv6'), { results, diagnosis: causes });
    expect(verdict.ok).toBe(false);
    expect(verdict.falseFailures.length).toBeGreaterThan(0);
    expect(verdict.falseFailures.every((f) => f.row.includes('IPv4'))).toBe(true);
  });

  test('block-port 10250/tcp --family 6: the IPv6 kubelet rows fail, named as IPv6', async () => {
    const { results, causes } = diagnose(await resultsOf('dual', (c) => (c.family === 'ipv6' && c.suite === 'ports' && c.port === 10250 && c.to.node === W1 ? 'FILTERED' : undefined)));
    const verdict = judgeDetection(caseOf('block-port-kubelet-ipv6'), { results, diagnosis: causes });
    expect(verdict.ok, describeVerdict(verdict)).toBe(true);
  });
});
