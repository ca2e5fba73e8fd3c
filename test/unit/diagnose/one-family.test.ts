// The one-family rule on a dual-stack run: rows fail in IPv6 only while their IPv4 twins pass.
import { describe, expect, test } from 'vitest';
import type { NetworkCheck } from '../../../helpers/check/types.ts';
import { diagnose } from '../../../helpers/diagnose/index.ts';
import { resultsOf as run } from '../dual/topologies.ts';

const between = (c: NetworkCheck, a: string, b: string) => (c.from.node === a && c.to.node === b) || (c.from.node === b && c.to.node === a);

describe('one-family', () => {
  test('IPv6 pod routes cut between two workers: the cause names IPv6 and the pair, every failed row is explained by it', async () => {
    const results = await run('dual', (c) =>
      c.family === 'ipv6' && c.to.kind !== 'service' && c.from.kind !== 'runner' && c.suite !== 'ports' && between(c, 'lab-worker-1', 'lab-worker-2') ? 'FILTERED' : undefined,
    );
    const { causes, results: diagnosed } = diagnose(results);
    expect(causes[0]).toMatch(
      /^IPv6 pod routes between lab-worker-1 and lab-worker-2 fail \(\d+ checks\) while IPv4 between them passes: check the IPv6 routes .*ip -6 route.*net\.ipv6\.conf\.all\.forwarding=1/,
    );
    expect(causes).toHaveLength(1);
    const failedRows = diagnosed.filter((r) => r.outcome === 'failed');
    expect(failedRows.length).toBeGreaterThan(0);
    expect(failedRows.every((r) => r.family === 'ipv6' && r.diagnosis?.some((d) => d.startsWith('IPv6 pod route between lab-worker-1 and lab-worker-2')))).toBe(true);
  });

  test('a port blocked for IPv6 only: the cause names IPv6 and the port, not the pod network', async () => {
    const results = await run('dual', (c) => (c.family === 'ipv6' && c.suite === 'ports' && c.port === 10250 && c.to.node === 'lab-worker-2' ? 'FILTERED' : undefined));
    const { causes } = diagnose(results);
    expect(causes).toEqual([
      'IPv6 TCP 10250 on lab-worker-2 is filtered from lab-control-plane (1 check) while IPv4 to it works: the IPv6 firewall on lab-worker-2 (ip6tables / nft ip6) differs from the IPv4 one',
    ]);
  });

  test('silent when both families fail, and on a single-family run', async () => {
    const both = await run('dual', (c) => (c.suite === 'pod-to-pod' && between(c, 'lab-worker-1', 'lab-worker-2') ? 'FILTERED' : undefined));
    expect(diagnose(both).causes.join('\n')).not.toMatch(/IPv6|IPv4/);
    const single = await run('ipv6', (c) => (c.suite === 'pod-to-pod' && between(c, 'lab-worker-1', 'lab-worker-2') ? 'FILTERED' : undefined));
    expect(diagnose(single).causes.join('\n')).not.toMatch(/^IPv6/);
  });
});

describe('reports per family', () => {
  test('summary.md draws one matrix per path and family on a dual-stack run, one per path on a single-family run', async () => {
    const { renderSummaryMarkdown: renderSummary } = await import('../../../helpers/report/summary-md.ts');
    const results = await run('dual', (c) => (c.family === 'ipv6' && c.suite === 'pod-to-pod' && between(c, 'lab-worker-1', 'lab-worker-2') ? 'FILTERED' : undefined));
    const base = { runId: 'r', cluster: { server: 's' }, startedAt: '', finishedAt: '', suites: [{ name: 'pod-to-pod', must: '' }], phases: {}, diagnosis: [] };
    const md = renderSummary({ ...base, results });
    expect(md).toContain('### pod-to-pod (IPv4)');
    expect(md).toContain('### pod-to-pod (IPv6)');
    const v6 = md.slice(md.indexOf('### pod-to-pod (IPv6)'));
    const v4 = md.slice(md.indexOf('### pod-to-pod (IPv4)'), md.indexOf('### pod-to-pod (IPv6)'));
    expect(v4).not.toContain('✗');
    expect(v6.split('\n').find((l) => l.startsWith('| **lab-worker-1**'))).toContain('✗');
    const single = renderSummary({ ...base, results: await run('ipv4', () => undefined) });
    expect(single).toContain('### pod-to-pod\n');
    expect(single).not.toContain('(IPv4)');
  });
});
