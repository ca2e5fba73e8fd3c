// The summary at the top of docs/detection.md: counts come from the verdicts, a fault that was not
// detected exactly is named, and each combination says when its runs ran.
import { describe, expect, test } from 'vitest';
import { renderDetectionMarkdown, renderMatrixSummary } from '../../detection/report.ts';
import { FAULT_CASES } from '../../detection/cases.ts';
import type { CaseRun } from '../../detection/run.ts';
import type { RunResults } from '../../../helpers/check/types.ts';

const caseRun = (id: string, ok: boolean, startedAt: string, finishedAt: string): CaseRun => ({
  case: FAULT_CASES.find((c) => c.id === id)!,
  verdict: { id, ok, missed: [], falseFailures: ok ? [] : [{ row: 'dns: x', observed: 'WRONG_ANSWER' }], uncovered: [], missingDiagnosis: [], failedRows: 1, diagnosis: [] },
  run: { startedAt, finishedAt } as RunResults,
  exitCode: 1,
  elapsedMs: 1,
});

describe('renderMatrixSummary', () => {
  test('one line per combination: healthy failed rows, faults detected exactly, the ones that were not, when', () => {
    const md = renderMatrixSummary([
      {
        network: 'routed',
        proxyMode: 'iptables',
        healthyFailures: [0, 0],
        runs: [caseRun('cut-route', true, '2026-12-01T19:52:10Z', '2026-12-01T19:53:00Z'), caseRun('mtu', true, '2026-12-01T19:55:00Z', '2026-12-01T19:57:30Z')],
      },
      { network: 'vxlan', proxyMode: 'nftables', healthyFailures: [0, 1], runs: [caseRun('mtu', false, '2026-12-01T20:12:00Z', '2026-12-01T20:14:00Z')] },
    ]);
    expect(md).toContain('2 network × kube-proxy combinations, 3 fault runs: 2 detected exactly');
    expect(md).toContain('1 failed rows in 4 healthy runs');
    expect(md).toContain('| routed | iptables | 0, 0 | 2/2 | — | 2026-12-01 19:52–19:57 |');
    expect(md).toContain('| vxlan | nftables | 0, 1 | 0/1 | `mtu` | 2026-12-01 20:12–20:14 |');
  });
});

describe('the NetworkPolicy lab', () => {
  const runs = [caseRun('netpol-down', true, '2026-12-07T10:21:18Z', '2026-12-07T10:22:19Z'), caseRun('netpol-bypass', true, '2026-12-07T10:22:27Z', '2026-12-07T10:23:26Z')].map((r) => ({
    ...r,
    run: { ...r.run, results: [{ kind: 'static', suite: 'network-policy', name: 'both/default-deny/namespace-x', status: 'fact', outcome: 'failed', detail: '' }] } as RunResults,
  }));
  test('its summary row names the enforcer beside the network', () => {
    const md = renderMatrixSummary([{ network: 'routed', proxyMode: 'iptables', netpol: 'kube-router', healthyFailures: [0], runs }]);
    expect(md).toContain('| routed (NetworkPolicy kube-router) | iptables | 0 | 2/2 | — | 2026-12-07 10:21–10:23 |');
  });

  test('its table is titled with the enforcer and says what every run runs', () => {
    const md = renderDetectionMarkdown(runs, {
      network: 'routed',
      proxyMode: 'iptables',
      netpol: 'kube-router',
      versions: 'KUBE_ROUTER_VERSION=v2.1.0',
      generatedAt: '2026-12-08',
      healthyFailures: [0],
    });
    expect(md.split('\n')[0]).toBe('# Detection: routed pod network, kube-proxy iptables mode, NetworkPolicy kube-router');
    expect(md).toContain(
      "NetworkPolicy enforcer **kube-router** (`lab up --netpol kube-router`); every run, healthy or under a fault, is `kube-netconform run --network-policy core --policy-timeout 6s --only '^network-policy '`",
    );
    expect(md).toMatch(/^- \*\*netpol-down\*\* \(`npm run lab -- fault netpol-down lab-worker-2`\): kube-router is stopped on lab-worker-2, [^;]*\.$/m);
    // Its runs are the network-policy suite's: that path's column only.
    expect(md).toContain('| fault | network-policy | detected | diagnosis |\n|---|:-:|:-:|---|\n| `netpol-down lab-worker-2` | ✗ 1 | ✓ |');
    const plain = renderDetectionMarkdown([], { network: 'routed', proxyMode: 'iptables', versions: '', generatedAt: '2026-12-08', healthyFailures: [] });
    expect(plain.split('\n')[0]).toBe('# Detection: routed pod network, kube-proxy iptables mode');
    expect(plain).not.toContain('NetworkPolicy');
  });
});
