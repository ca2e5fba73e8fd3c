import { describe, expect, test } from 'vitest';
import { coverageTable, medianOf, ratioText, renderVs, shortUpstreamName, upstreamPath, VS_UPSTREAM_ONLY } from '../../../bench/vs-upstream.ts';
import { parseUpstreamJunit, problemLines, summaryLine, upstreamPassed } from '../../../lab/upstream-junit.ts';
import type { CheckResult, NetworkResult, RunResults } from '../../../helpers/check/types.ts';

const spec = (text: string, status: string, body = '', time = '12.5') =>
  `<testcase name="[It] [sig-network] Networking Granular Checks: ${text} [NodeConformance] [Conformance]" classname="Kubernetes e2e suite" status="${status}" time="${time}">${body}</testcase>`;
const junit = (...cases: string[]) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites tests="${cases.length}"><testsuite name="Kubernetes e2e suite" package="/">` +
  `<testcase name="[SynchronizedBeforeSuite]" classname="Kubernetes e2e suite" status="passed" time="0.1"></testcase>` +
  cases.join('\n') +
  `<testcase name="[ReportAfterSuite] Kubernetes e2e suite report" classname="Kubernetes e2e suite" status="passed" time="0"></testcase>` +
  `</testsuite></testsuites>`;
const notSelected = `<testcase name="[It] [sig-storage] CSI mock volume should work" classname="Kubernetes e2e suite" status="skipped" time="0"><skipped message="skipped"></skipped></testcase>`;

describe("upstream e2e JUnit (Ginkgo v2's report)", () => {
  test('counts selected specs; the specs the focus left out are not counted as skips', () => {
    const r = parseUpstreamJunit(
      junit(spec('Pods should function for intra-pod communication: http', 'passed'), spec('Pods should function for intra-pod communication: udp', 'passed'), notSelected, notSelected),
    );
    expect(r).toMatchObject({ passed: 2, failed: 0, skipped: 0, notSelected: 2, suiteFailures: 0 });
    expect(upstreamPassed(r)).toBe(true);
    expect(summaryLine(r, 238.71)).toBe('upstream e2e: PASS, 2 passed, 0 failed of 2 selected, 238.7 s');
    expect(r.cases[1]).toMatchObject({
      name: '[sig-network] Networking Granular Checks: Pods should function for intra-pod communication: http [NodeConformance] [Conformance]',
      spec: true,
      seconds: 12.5,
    });
  });

  test('a failed, panicked or timed-out spec fails the run, its message (XML-unescaped) named', () => {
    const r = parseUpstreamJunit(
      junit(
        spec(
          'Services should function for pod-Service: udp',
          'failed',
          '<failure message="failed to dial &quot;10.96.0.12&quot; &amp; got &lt;nothing&gt;&#10;second line" type="failed">stack</failure>',
        ),
        spec('Services should function for node-Service: udp', 'timedout', '<failure message="timed out" type="timedout"></failure>'),
        spec('Services should function for node-Service: http', 'panicked', '<error message="runtime error" type="panicked"></error>'),
        spec('Services should function for pod-Service: http', 'passed'),
      ),
    );
    expect(r).toMatchObject({ passed: 1, failed: 3 });
    expect(upstreamPassed(r)).toBe(false);
    expect(problemLines(r)[0]).toBe(
      '  failed: [sig-network] Networking Granular Checks: Services should function for pod-Service: udp [NodeConformance] [Conformance] — failed to dial "10.96.0.12" & got <nothing>',
    );
    expect(summaryLine(r, 10)).toMatch(/^upstream e2e: FAIL, 1 passed, 3 failed of 4 selected/);
  });

  test('a selected spec that skipped itself while running is not a pass; nothing run is not a pass', () => {
    const skippedSelf = parseUpstreamJunit(
      junit(
        spec('Services should support basic nodePort: udp functionality', 'skipped', '<skipped message="skipped - Requires at least 2 nodes"></skipped>'),
        spec('Pods should function for node-pod communication: http', 'passed'),
      ),
    );
    expect(skippedSelf).toMatchObject({ passed: 1, skipped: 1, notSelected: 0 });
    expect(upstreamPassed(skippedSelf)).toBe(false);
    expect(summaryLine(skippedSelf, 1)).toContain('1 skipped while running');
    expect(upstreamPassed(parseUpstreamJunit(junit(notSelected)))).toBe(false);
  });

  test('a failed suite node (BeforeSuite) fails the run even with every spec reported passed or not run', () => {
    const xml = junit(spec('Pods should function for intra-pod communication: http', 'passed')).replace('status="passed" time="0.1"', 'status="failed" time="0.1"');
    const r = parseUpstreamJunit(xml);
    expect(r.suiteFailures).toBe(1);
    expect(upstreamPassed(r)).toBe(false);
  });

  test('a JUnit without Ginkgo status attributes is read from its child elements; not JUnit at all is an error', () => {
    const r = parseUpstreamJunit('<testsuite><testcase name="[It] a"/><testcase name="[It] b"><failure message="x"/></testcase></testsuite>');
    expect(r).toMatchObject({ passed: 1, failed: 1 });
    expect(() => parseUpstreamJunit('<html></html>')).toThrow(/not a JUnit report/);
  });
});

const row = (suite: string, fromKind: string, toKind: string, protocol: 'tcp' | 'udp', outcome = 'passed'): CheckResult =>
  ({
    kind: 'network',
    suite,
    name: 'x',
    outcome,
    detail: '',
    from: { kind: fromKind, node: 'n', ip: '1', family: 4 },
    to: { kind: toKind, node: 'n', ip: '2', family: 4 },
    port: 1,
    protocol,
  }) as unknown as NetworkResult;

describe('vs-upstream comparison', () => {
  test("upstream's Granular Checks map onto kube-netconform's paths; the --only selects exactly those paths", () => {
    expect(upstreamPath('[sig-network] Networking Granular Checks: Pods should function for node-pod communication: udp [LinuxOnly]')).toBe('pod-to-pod');
    expect(upstreamPath('Granular Checks: Services should be able to handle large requests: http')).toBe('pod-to-service');
    expect(upstreamPath('Granular Checks: Services should function for node-Service: udp')).toBe('pod-to-service');
    expect(upstreamPath('Granular Checks: Services should support basic nodePort: udp functionality')).toBe('nodeport');
    expect(upstreamPath('Granular Checks: Services should function for endpoint-Service: http')).toBeUndefined();
    expect(shortUpstreamName('[sig-network] Networking Granular Checks: Services should function for pod-Service: http [NodeConformance] [Conformance]')).toBe(
      'Services should function for pod-Service: http',
    );
    const only = new RegExp(VS_UPSTREAM_ONLY);
    expect(['pod-to-pod a → b', 'pod-to-service x', 'nodeport y'].every((t) => only.test(t))).toBe(true);
    expect(['pod-to-node a', 'ports b', 'pod-to-external c', 'dns d'].some((t) => only.test(t))).toBe(false);
  });

  test('coverage per path, the median of our runs and the ratio', () => {
    const upstream = parseUpstreamJunit(
      junit(
        spec('Pods should function for intra-pod communication: http', 'passed'),
        spec('Services should support basic nodePort: udp functionality', 'failed', '<failure message="m"></failure>'),
        notSelected,
      ),
    );
    const ours = {
      results: [
        row('pod-to-pod', 'pod', 'pod', 'tcp'),
        row('pod-to-pod', 'pod', 'pod', 'tcp'),
        row('pod-to-pod', 'host', 'pod', 'udp'),
        row('nodeport', 'runner', 'nodeport', 'tcp', 'failed'),
        row('ports', 'pod', 'host', 'tcp'),
      ],
    } as unknown as RunResults;
    const table = coverageTable(upstream, ours);
    expect(table).toEqual([
      {
        path: 'pod-to-pod',
        upstream: { tests: 1, passed: 1, names: ['Pods should function for intra-pod communication: http'] },
        ours: { checks: 3, passed: 3, kinds: 'pod→pod tcp 2, host→pod udp 1' },
      },
      { path: 'pod-to-service', upstream: { tests: 0, passed: 0, names: [] }, ours: { checks: 0, passed: 0, kinds: '' } },
      { path: 'nodeport', upstream: { tests: 1, passed: 0, names: ['Services should support basic nodePort: udp functionality'] }, ours: { checks: 1, passed: 0, kinds: 'runner→nodeport tcp 1' } },
    ]);
    expect(medianOf([20_100, 17_100, 17_700])).toBe(17_700);
    expect(medianOf([1, 3])).toBe(2);
    expect(ratioText(238_700, [20_100, 17_100, 17_700])).toBe('13.5×');
    const md = renderVs({ date: '2026-12-01', machine: 'm', upstreamMs: 238_700, upstream, oursMs: [20_100, 17_100, 17_700], coverage: table });
    expect(md).toContain('| `nodeport` | 0/1 passed: Services should support basic nodePort: udp functionality | 0/1 passed: runner→nodeport tcp 1 |');
    expect(md).toContain('| **wall time** | 238.7 s | 17.7 s (median) — **13.5× faster** |');
  });
});
