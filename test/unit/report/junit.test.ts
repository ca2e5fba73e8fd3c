import { describe, expect, test } from 'vitest';
import { renderJunit } from '../../../helpers/report/junit.ts';
import { nodePort, podToPod, row, run } from '../fixtures/results.ts';
import type { StaticResult } from '../../../helpers/check/types.ts';

/** Pull one <testcase> element out of the XML by its name attribute. */
function testcase(xml: string, name: string): string {
  const escaped = name.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  const start = xml.indexOf(`name="${escaped}"`);
  expect(start, `testcase ${name} not in XML`).toBeGreaterThan(-1);
  const open = xml.lastIndexOf('<testcase', start);
  const close = xml.indexOf('</testcase>', start);
  const selfClose = xml.indexOf('/>', start);
  return xml.slice(open, close === -1 ? selfClose + 2 : close + '</testcase>'.length);
}

describe('JUnit report', () => {
  test('one testsuite per suite, one testcase per check, with counts CI reads', () => {
    const fault = (r: { from: { node: string }; to: { node: string } }) => (r.from.node === 'worker-1' && r.to.node === 'worker-2' ? ('FILTERED' as const) : undefined);
    const results = [...podToPod({ fault }), ...nodePort()];
    const xml = renderJunit(run(results));

    expect(xml.match(/<testsuite /g)).toHaveLength(2);
    expect(xml.match(/<testcase /g)).toHaveLength(results.length);
    expect(xml).toMatch(/<testsuite name="pod-to-pod"[^>]*tests="36"[^>]*failures="4"/);
    expect(xml).toMatch(/<testsuite name="nodeport"[^>]*tests="9"[^>]*failures="0"/);
  });

  test('a failed check carries source, destination, expected vs observed, detail and diagnosis', () => {
    const failed = row({
      name: 'worker-1/probe-a → worker-2/probe-a 10.244.2.5:8080/tcp',
      observed: 'FILTERED',
      outcome: 'failed',
      detail: 'no answer within 5 s after 3 tries',
      attempts: 3,
      latencyMs: 15012,
      properties: { verdictSource: 'netexec /dial' },
      diagnosis: ['pod route or overlay of node worker-2: check UDP 8472 between worker-1 and worker-2'],
    });
    const xml = renderJunit(run([failed]));
    const tc = testcase(xml, failed.name);

    expect(tc).toContain('<failure message="expected REACHABLE, observed FILTERED: no answer within 5 s after 3 tries" type="FILTERED">');
    expect(tc).toContain('<property name="source.node" value="worker-1"/>');
    expect(tc).toContain('<property name="source.pod" value="probe-a"/>');
    expect(tc).toContain('<property name="source.ip" value="10.244.1.5"/>');
    expect(tc).toContain('<property name="destination.ip" value="10.244.2.5"/>');
    expect(tc).toContain('<property name="port" value="8080"/>');
    expect(tc).toContain('<property name="protocol" value="tcp"/>');
    expect(tc).toContain('<property name="attempts" value="3"/>');
    expect(tc).toContain('<property name="latencyMs" value="15012"/>');
    expect(tc).toContain('<property name="verdictSource" value="netexec /dial"/>');
    expect(tc).toContain('probable cause: pod route or overlay of node worker-2: check UDP 8472');
    expect(tc).toContain('attempts: 3, elapsed: 15012 ms');
  });

  test('setup failures become error testcases with their reason; skips carry a message', () => {
    const why = 'probe-a on worker-2 never became ready: ImagePullBackOff (registry.k8s.io/e2e-test-images/agnhost:2.56)';
    const setup: StaticResult = { kind: 'static', suite: 'pod-to-pod', name: 'setup: probes on worker-2 ready', status: 'not-run', node: 'worker-2', outcome: 'error', detail: why, reason: why };
    const skipped: StaticResult = {
      kind: 'static',
      suite: 'pod-to-pod',
      name: 'node cp-1 skipped',
      status: 'skipped',
      node: 'cp-1',
      outcome: 'skipped',
      detail: 'node cp-1 is cordoned',
      reason: 'node cp-1 is cordoned',
    };
    const xml = renderJunit(run([setup, skipped]));

    expect(testcase(xml, setup.name)).toMatch(/<error message="probe-a on worker-2 never became ready: ImagePullBackOff[^"]*" type="NOT_RUN">/);
    const skip = testcase(xml, skipped.name);
    expect(skip).toContain('<skipped message="node cp-1 is cordoned"/>');
    expect(skip).toContain('skipped: node cp-1 is cordoned');
    expect(xml).toMatch(/errors="1"/);
    expect(xml).toMatch(/skipped="1"/);
  });

  test('each render starts from an empty builder (no testcases leak between runs)', () => {
    const first = renderJunit(run(podToPod()));
    const second = renderJunit(run(nodePort()));
    expect(first.match(/<testcase /g)).toHaveLength(36);
    expect(second.match(/<testcase /g)).toHaveLength(9);
    expect(second).not.toContain('pod-to-pod');
  });

  test('run-level diagnosis is a suite property', () => {
    const xml = renderJunit(run([row()], { diagnosis: ['kube-proxy on worker-2'] }));
    expect(xml).toContain('kube-proxy on worker-2');
  });
});
