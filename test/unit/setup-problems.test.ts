import { describe, expect, test } from 'vitest';
import type { Node } from '../../helpers/kube/index.ts';
import { renderSummaryMarkdown } from '../../helpers/report/summary-md.ts';
import { renderTerminal } from '../../helpers/report/terminal.ts';
import { unreadyProbeRows } from '../../helpers/rows.ts';
import { staticResult } from '../../helpers/check/run.ts';
import { groupProblems } from '../../helpers/setup-problems.ts';
import { classifyNodes, PROBE_IMAGE_ARCHITECTURES, type ProbePod } from '../../helpers/topology.ts';
import { run } from './fixtures/results.ts';

const pull = 'ImagePullBackOff: Back-off pulling image "registry.example/agnhost:2.66.1": ErrImagePull: failed to pull and unpack image: 401 Unauthorized';
const probes: ProbePod[] = ['w1', 'w2', 'w3'].flatMap((node) => [
  { role: 'probe-a' as const, name: `probe-a-${node}`, node, ip: '', ready: false, problem: pull },
  { role: 'host' as const, name: `hostnet-${node}`, node, ip: '', ready: false, problem: node === 'w3' ? 'Pending: Unschedulable (taint)' : pull },
]);

describe('setup problems, said once each', () => {
  test('one group per distinct reason, naming its pods and nodes', () => {
    const groups = groupProblems(probes);
    expect(groups.map((g) => [g.problem, g.pods.length, g.nodes])).toEqual([
      [pull, 5, ['w1', 'w2', 'w3']],
      ['Pending: Unschedulable (taint)', 1, ['w3']],
    ]);
    expect(groups[0]!.text).toBe(`${pull} — 5 pods (probe-a-w1, hostnet-w1, probe-a-w2, hostnet-w2, probe-a-w3) on 3 nodes (w1, w2, w3)`);
    expect(groups[1]!.text).toBe('Pending: Unschedulable (taint) — pod hostnet-w3 on node w3');
  });

  test('summary.md and the terminal print the long reason once, not once per pod and suite', () => {
    const rows = ['pod-to-pod', 'pod-to-service'].flatMap((suite) => unreadyProbeRows(suite, probes).map(staticResult));
    const summary = renderSummaryMarkdown(run(rows));
    expect(summary.split(pull).length - 1).toBe(1);
    expect(summary).toContain('## Setup problems');
    expect(summary).toMatch(/5 pods .* on 3 nodes \(w1, w2, w3\) \(10 rows\)/);
    const terminal = renderTerminal(run(rows), { color: false });
    expect(terminal.split(pull).length - 1).toBe(1);
  });

  test('nodes that cannot host the probes are skipped with the reason: not Linux, an architecture the image lacks', () => {
    const node = (name: string, labels: Record<string, string>): Node => ({ metadata: { name, labels }, spec: {}, status: { conditions: [{ type: 'Ready', status: 'True' }] } }) as Node;
    const nodes = classifyNodes(
      [
        node('win', { 'kubernetes.io/os': 'windows', 'kubernetes.io/arch': 'amd64' }),
        node('rv', { 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'riscv64' }),
        node('ok', { 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'arm64' }),
      ],
      { architectures: PROBE_IMAGE_ARCHITECTURES },
    );
    expect(nodes.map((n) => [n.name, n.skipReason])).toEqual([
      ['ok', undefined],
      ['rv', 'of architecture riscv64, for which the probe image has no variant (it has amd64, arm64, arm, ppc64le, s390x)'],
      ['win', 'not a Linux node (kubernetes.io/os=windows): the probes are Linux containers'],
    ]);
    // A user's own --image: its architectures are unknown, so not checked.
    expect(classifyNodes([node('rv', { 'kubernetes.io/arch': 'riscv64' })])[0]!.skipReason).toBeUndefined();
  });
});
