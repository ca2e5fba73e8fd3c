import { describe, expect, test } from 'vitest';
import { renderSummaryMarkdown } from '../../../helpers/report/summary-md.ts';
import { nodePort, podToPod, podToService, row, run } from '../fixtures/results.ts';
import type { StaticResult } from '../../../helpers/check/types.ts';

const cutWorker2 = (r: { from: { node: string }; to: { node: string } }) => (r.from.node !== r.to.node && (r.from.node === 'worker-2' || r.to.node === 'worker-2') ? ('FILTERED' as const) : undefined);

/** The markdown table row that starts with the given source label in the given suite section. */
function matrixRow(md: string, suite: string, source: string): string[] {
  const section = md.slice(md.indexOf(`### ${suite}`));
  const line = section.split('\n').find((l) => l.startsWith(`| **${source}** |`));
  expect(line, `no matrix row for ${source} in ${suite}`).toBeDefined();
  return line!
    .split('|')
    .slice(2, -1)
    .map((c) => c.trim());
}

describe('summary.md', () => {
  test('healthy run: a one-line PASS verdict first and full matrix cells', () => {
    const md = renderSummaryMarkdown(run([...podToPod(), ...podToService(), ...nodePort()]));
    expect(md.split('\n')[0]).toBe('# kube-netconform: ✅ PASS: all 51 checks passed on 3 nodes');
    expect(matrixRow(md, 'pod-to-pod', 'worker-1')).toEqual(['✓ 4/4', '✓ 4/4', '✓ 4/4']);
    expect(matrixRow(md, 'nodeport', 'runner')).toEqual(['✓ 3/3', '✓ 3/3', '✓ 3/3']);
    expect(md).toContain('| from \\ to | service/probes |');
    expect(md).not.toContain('## Failing checks');
  });

  test('a broken node shows as ✗ cells on its row and column, the rest stay ✓', () => {
    const md = renderSummaryMarkdown(run(podToPod({ fault: cutWorker2 })));
    expect(md.split('\n')[0]).toBe('# kube-netconform: ❌ FAIL: 16 of 36 checks failed on 3 nodes');
    // columns are cp-1, worker-1, worker-2
    expect(matrixRow(md, 'pod-to-pod', 'worker-1')).toEqual(['✓ 4/4', '✓ 4/4', '✗ 0/4']);
    expect(matrixRow(md, 'pod-to-pod', 'worker-2')).toEqual(['✗ 0/4', '✗ 0/4', '✓ 4/4']);
    expect(md).toMatch(/\| pod-to-pod \| 20 \| 16 \| 0 \| 0 \| 36 \|/);
  });

  test('failing rows list the pair, expected vs observed, detail and the probable cause', () => {
    const failed = row({
      name: 'worker-1/probe-a → worker-2/probe-a 10.244.2.5:8080/tcp',
      observed: 'FILTERED',
      outcome: 'failed',
      detail: 'no answer within 5 s after 3 tries',
      attempts: 3,
      diagnosis: ['pod route or overlay of node worker-2'],
    });
    const md = renderSummaryMarkdown(run([failed], { diagnosis: ['pod route or overlay of node worker-2 (UDP 8472)'] }));
    expect(md).toContain('- ✗ **worker-1/probe-a → worker-2/probe-a 10.244.2.5:8080/tcp** (pod-to-pod) — expected REACHABLE, observed FILTERED');
    expect(md).toContain('  - no answer within 5 s after 3 tries');
    expect(md).toContain('  - probable cause: pod route or overlay of node worker-2');
    expect(md).toContain('## Probable causes\n\n- pod route or overlay of node worker-2 (UDP 8472)');
  });

  test('errors and skips are not passes: ⚠ cells, ERROR verdict, skip reasons grouped', () => {
    const results = [
      row({ from: { node: 'worker-1' }, to: { node: 'cp-1' }, observed: 'CONTROL_ERROR', outcome: 'error', reason: 'cannot control probe worker-1/probe-a: pod proxy 503' }),
      row({ to: { node: 'worker-2' }, outcome: 'skipped', reason: 'node worker-2 is cordoned' }),
      row({ to: { node: 'worker-2' }, outcome: 'skipped', reason: 'node worker-2 is cordoned' }),
    ];
    const md = renderSummaryMarkdown(run(results));
    expect(md.split('\n')[0]).toContain('⚠️ ERROR: no check failed, but 1 of 3 could not be checked');
    expect(matrixRow(md, 'pod-to-pod', 'worker-1')).toEqual(['⚠ 0/1', 'skip']);
    expect(md).toContain('could not check: cannot control probe worker-1/probe-a: pod proxy 503');
    expect(md).toContain('- 2 × node worker-2 is cordoned');
  });

  test('a setup failure shows on its node; a cluster-wide check is listed but not drawn', () => {
    const reason = 'probe probe-a on node worker-2 never became ready: ImagePullBackOff';
    const setup: StaticResult = { kind: 'static', suite: 'pod-to-pod', name: 'setup worker-2/probe-a', status: 'not-run', node: 'worker-2', outcome: 'error', detail: reason, reason };
    const cidr: StaticResult = {
      kind: 'static',
      suite: 'pod-to-service',
      name: 'Service CIDR 10.96.0.0/12 overlaps no node address or pod CIDR',
      status: 'fact',
      outcome: 'failed',
      detail: 'Service CIDR overlaps: 10.96.0.0/12 contains node cp-1 10.96.0.10',
    };
    const md = renderSummaryMarkdown(run([...podToPod({ nodes: ['worker-1', 'worker-2'] }), setup, cidr]));
    expect(matrixRow(md, 'pod-to-pod', 'worker-2')).toEqual(['✓ 4/4', '⚠ 4/5']);
    expect(md).not.toContain('| **cluster** |');
    expect(md).toContain('could not check: probe probe-a on node worker-2 never became ready: ImagePullBackOff');
    expect(md).toContain('Service CIDR overlaps: 10.96.0.0/12 contains node cp-1 10.96.0.10');
  });

  test('long failure lists are capped for $GITHUB_STEP_SUMMARY; phase times listed', () => {
    const md = renderSummaryMarkdown(run(podToPod({ fault: () => 'FILTERED' })), { maxListedRows: 5 });
    expect(md.match(/^- ✗ /gm)).toHaveLength(5);
    expect(md).toContain('- … and 31 more: every row is in the JUnit file and results.json.');
    expect(md).toContain('| wait-ready | 6.4 s |');
  });

  test('wide clusters: one line per source naming the failing destinations', () => {
    const md = renderSummaryMarkdown(run(podToPod({ fault: cutWorker2 })), { maxColumns: 2 });
    expect(md).toContain('| **worker-1** | ✗ 1 of 3 destinations: worker-2 |');
    expect(md).toContain('| **worker-2** | ✗ 2 of 3 destinations: cp-1, worker-1 |');
  });

  test('pipes in names cannot break the matrix table', () => {
    const md = renderSummaryMarkdown(run([row({ from: { node: 'a|b' } })]));
    expect(md).toContain('| **a\\|b** |');
  });
});
