import { describe, expect, test } from 'vitest';
import { benchRows, median, README_END, README_START, renderMarkdown, replaceReadmeBlock, sampleOf, type BenchFigures, type RunSample } from '../../../bench/figures.ts';
import type { CheckResult, NetworkResult, RunResults } from '../../../helpers/check/types.ts';

const rss = { peakTotal: 700 * 2 ** 20, peakByProcess: { 'kube-netconform CLI': 170 * 2 ** 20, 'vitest (suites, worker threads)': 550 * 2 ** 20 } };

function result(from: string, to: string, outcome: CheckResult['outcome'] = 'passed'): NetworkResult {
  return {
    kind: 'network',
    family: 'ipv4',
    suite: 'pod-to-pod',
    name: `${from} → ${to}`,
    from: { node: 'n1', pod: from, ip: '10.244.0.2', kind: 'pod', family: 'ipv4' },
    to: { node: 'n2', pod: to, ip: '10.244.1.2', kind: 'pod', family: 'ipv4' },
    port: 8080,
    protocol: 'tcp',
    expect: 'REACHABLE',
    observed: outcome === 'passed' ? 'REACHABLE' : 'FILTERED',
    outcome,
    detail: '',
    attempts: 1,
    latencyMs: 5,
  };
}

function run(results: CheckResult[], phases: Record<string, number> = {}): RunResults {
  return {
    runId: 'x',
    cluster: { server: 's' },
    startedAt: '',
    finishedAt: '',
    suites: [],
    phases,
    results,
    diagnosis: [],
    counters: { 'apiRequests.setup+cleanup': 57, 'apiRequests.checks': results.length },
  };
}

function sample(wallMs: number, extra: Partial<RunSample> = {}): RunSample {
  return { ...sampleOf(run([result('a', 'b')], { deploy: 400, 'wait-ready': 4000, suites: 9000, cleanup: 6500, 'pod-to-pod': 2000 }), 0, wallMs, rss), ...extra };
}

const machine = { cpu: 'AMD EPYC', cores: 2, memoryGiB: 24, kernel: '6.18.44', node: 'v20.20.2', kubernetes: 'v1.37.2', network: 'routed', nodes: 3 };

describe('benchmark figures', () => {
  test('pod pairs are unique ordered pod → pod pairs; failed and errored rows are named', () => {
    const s = sampleOf(run([result('a', 'b'), { ...result('a', 'b'), protocol: 'udp' }, result('b', 'a', 'failed'), result('a', 'c', 'error')]), 1, 1000, rss);
    expect(s.podPairs).toBe(3);
    expect(s.badRows).toEqual(['pod-to-pod b → a', 'pod-to-pod a → c']);
  });

  test('median of odd and even counts', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
  });

  test('a healthy run with a failed row fails the stability row; RSS over 300 MB and a median over 8 s are marked missed', () => {
    const f: BenchFigures = { machine, date: '2026-11-26', healthy: [sample(11_000), sample(12_000, { exitCode: 1, badRows: ['pod-to-pod a → b'] })] };
    const rows = benchRows(f);
    const stability = rows.find((r) => r[0]!.startsWith('healthy-cluster stability'))!;
    expect(stability[3]).toBe('✗');
    expect(stability[1]).toMatch(/1 runs failed: pod-to-pod a → b/);
    const memory = rows.find((r) => r[0]!.startsWith('peak RSS of a full run'))!;
    expect(memory[1]).toMatch(/^700 MB whole process tree \(vitest \(suites, worker threads\) 550 MB, kube-netconform CLI 170 MB\)/);
    expect(memory[3]).toBe('✗');
    expect(rows[0]![3]).toBe('✗'); // median wall 11.5 s > 8 s
    expect(benchRows({ ...f, healthy: [sample(7_000), sample(8_000)] })[0]![3]).toBe('✓'); // 7.5 s
  });

  test("baseline row: medians and ratios against the other commit's runs", () => {
    const f: BenchFigures = { machine, date: 'd', healthy: [sample(10_000), sample(11_000)], baseline: { ref: 'HEAD~1', commit: '028b7a4aaaaaaa', healthy: [sample(20_000), sample(22_000)] } };
    const row = benchRows(f).find((r) => r[0]!.startsWith('vs baseline'))!;
    expect(row[0]).toBe('vs baseline HEAD~1 (028b7a4), 2 runs alternated with these');
    expect(benchRows({ ...f, baseline: { ...f.baseline!, ref: '028b7a4' } }).find((r) => r[0]!.startsWith('vs baseline'))![0]).toBe('vs baseline 028b7a4, 2 runs alternated with these');
    expect(row[1]).toMatch(/^median wall 10.5 s vs 21.0 s \(0.50×\)/);
    expect(row[1]).toMatch(/peak RSS 700 MB vs 700 MB \(1.00×\)$/);
    expect(benchRows(f)[0]![3]).toBe('✗'); // 10.5 s > 8 s: the baseline does not change the verdict
  });

  test('scale row: pairs, checks and the pod-to-pod suite time against 20 s', () => {
    const slow = sample(50_000, { podPairs: 870, rows: 3516, phases: { 'pod-to-pod': 21_400, suites: 28_000 } });
    const row = benchRows({ machine, date: 'd', healthy: [], scale: { podsPerNode: 10, concurrency: 16, sample: slow } })[0]!;
    expect(row[0]).toMatch(/10 probe pods per node, 870 pod pairs/);
    expect(row[1]).toMatch(/^3516 checks in 21.4 s/);
    expect(row[3]).toBe('✗');
  });

  test('the README block is replaced between its markers, and a README without them is an error', () => {
    const md = renderMarkdown({ machine, date: '2026-11-26', healthy: [sample(22_000)] });
    expect(md).toMatch(/AMD EPYC, 2 cores, 24 GiB RAM, Linux 6.18.44, Node.js v20.20.2; lab: Kubernetes v1.37.2, 3 nodes, routed pod network/);
    const readme = `# x\n## Performance\n${README_START}\nold\n${README_END}\nrest\n`;
    const next = replaceReadmeBlock(readme, md);
    expect(next).not.toContain('old');
    expect(next).toMatch(/\| full run, every path \(\d+\)/);
    expect(next.endsWith(`${README_END}\nrest\n`)).toBe(true);
    expect(() => replaceReadmeBlock('# no markers', md)).toThrow(/bench:start/);
  });
});
