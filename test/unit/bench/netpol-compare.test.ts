// Upstream's NetworkPolicy verdicts against our cases', spec by spec: spec names read from
// Ginkgo's JUnit, our rows by case id (ipBlock rows by family), the agreement rules, the table.
import { describe, expect, test } from 'vitest';
import { agreement, compareNetpol, renderComparison, specKey } from '../../../bench/netpol-compare.ts';
import type { SpecMapping } from '../../../bench/netpol-spec-map.ts';
import type { RunResults } from '../../../helpers/check/types.ts';
import { parseUpstreamJunit } from '../../../lab/upstream-junit.ts';

const TAGS = '[Feature:NetworkPolicy] [sig-network, Feature:NetworkPolicy]';
const spec = (context: string, text: string, status: string, body = '') =>
  `<testcase name="[It] [sig-network] Netpol ${context} ${text} ${TAGS}" classname="Kubernetes e2e suite" status="${status}" time="14">${body}</testcase>`;
const tcp = (text: string, status: string, body = '') => spec('NetworkPolicy between server and client', text, status, body);
const udp = (text: string, status: string) => spec('[LinuxOnly] NetworkPolicy between server and client using UDP', text, status);
const junit = (...cases: string[]) => parseUpstreamJunit(`<testsuites><testsuite name="Kubernetes e2e suite">${cases.join('')}</testsuite></testsuites>`);
const run = (rows: Record<string, string>) =>
  ({ results: Object.entries(rows).map(([name, outcome]) => ({ kind: 'static', suite: 'network-policy', name, outcome, detail: '' })) }) as unknown as RunResults;

const MAP: SpecMapping[] = [
  { spec: 'should deny egress from all pods in a namespace', ours: ['egress/default-deny/namespace-x'], closeness: 'same' },
  { spec: 'should not allow all ports if it cannot limit to the requested port', ours: ['ingress/port-name/unknown-name'], closeness: 'partly', note: 'ours on every pod of x | upstream x/a' },
  { spec: "using UDP should support a 'default-deny-ingress' policy", ours: ['ingress/default-deny/namespace-x'], closeness: 'same' },
  { spec: 'should allow egress access to server in CIDR block', ours: ['egress/ip-block/single-pod'], closeness: 'partly', note: 'z/c, not y/b' },
  { spec: 'should enforce updated policy', ours: ['ingress/changes/update-narrow'], closeness: 'partly', note: 'x/a' },
  { spec: 'should do what we have no case for', ours: [], closeness: 'none', note: 'a sequence we lack' },
];

describe('netpol spec-by-spec comparison', () => {
  test("a JUnit name keys as the map names it: after the context, tags stripped, the UDP context's prefix kept", () => {
    expect(specKey(`[sig-network] Netpol NetworkPolicy between server and client should enforce updated policy ${TAGS}`)).toBe('should enforce updated policy');
    expect(specKey(`[sig-network] Netpol [LinuxOnly] NetworkPolicy between server and client using UDP should enforce policy based on Ports ${TAGS}`)).toBe(
      'using UDP should enforce policy based on Ports',
    );
    expect(specKey(`should deny egress from all pods in a namespace ${TAGS}`)).toBe('should deny egress from all pods in a namespace');
  });

  test('agreement: both pass, both fail, disagree either way, no counterpart, not compared', () => {
    expect(agreement('same', 'passed', ['passed'])).toBe('both pass');
    expect(agreement('partly', 'failed', ['passed', 'failed'])).toBe('both fail');
    expect(agreement('partly', 'passed', ['passed', 'failed'])).toBe('disagree');
    expect(agreement('same', 'failed', ['passed'])).toBe('disagree');
    expect(agreement('none', 'failed', [])).toBe('no counterpart');
    expect(agreement('same', 'skipped', ['passed'])).toBe('not compared');
    expect(agreement('same', 'not run', ['failed'])).toBe('not compared');
    expect(agreement('same', 'passed', ['not run', 'error', 'skipped'])).toBe('not compared');
    // A case without a verdict beside one with it: the one with it decides.
    expect(agreement('partly', 'passed', ['error', 'passed'])).toBe('both pass');
  });

  test('per spec from a JUnit and results.json: verdicts, ipBlock rows by family, a spec the JUnit lacks is not run', () => {
    const upstream = junit(
      tcp('should deny egress from all pods in a namespace', 'passed'),
      tcp('should not allow all ports if it cannot limit to the requested port', 'failed', '<failure message="x/a denied from y/a" type="failed"></failure>'),
      udp("should support a 'default-deny-ingress' policy", 'passed'),
      tcp('should allow egress access to server in CIDR block', 'skipped', '<skipped message="skipped - no IPv4"></skipped>'),
      tcp('should do what we have no case for', 'failed'),
      spec('NetworkPolicy between server and client using SCTP', 'should enforce policy based on Ports', 'skipped', '<skipped message="skipped"></skipped>'),
    );
    const ours = run({
      'egress/default-deny/namespace-x': 'passed',
      'ingress/port-name/unknown-name': 'failed',
      'ingress/default-deny/namespace-x': 'failed',
      'egress/ip-block/single-pod/ipv4': 'passed',
      'egress/ip-block/single-pod/ipv6': 'failed',
    });
    const c = compareNetpol(upstream, ours, MAP);
    expect(c.specs.map((s) => [s.upstream, s.ours.map((o) => `${o.id}=${o.verdict}`).join(' '), s.agree])).toEqual([
      ['passed', 'egress/default-deny/namespace-x=passed', 'both pass'],
      ['failed', 'ingress/port-name/unknown-name=failed', 'both fail'],
      ['passed', 'ingress/default-deny/namespace-x=failed', 'disagree'],
      ['skipped', 'egress/ip-block/single-pod/ipv4=passed egress/ip-block/single-pod/ipv6=failed', 'not compared'],
      ['not run', 'ingress/changes/update-narrow=not run', 'not compared'],
      ['failed', '', 'no counterpart'],
    ]);
    expect(c.summary).toBe('6 upstream NetworkPolicy specs (v1.37.2): 2 same, 3 partly, 1 none; 1 both pass, 1 both fail, 1 disagree, 1 no counterpart, 2 not compared');
  });

  test('the table: one row per spec, notes with their closeness, a | in a cell escaped; nothing to compare without files', () => {
    const text = renderComparison(compareNetpol(junit(tcp('should deny egress from all pods in a namespace', 'passed')), run({ 'egress/default-deny/namespace-x': 'passed' }), MAP));
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^6 upstream NetworkPolicy specs/);
    expect(lines[2]).toBe('| upstream spec | our case(s) | closeness | upstream | ours | agree |');
    expect(lines[4]).toBe('| should deny egress from all pods in a namespace | `egress/default-deny/namespace-x` | same | passed | passed | both pass |');
    expect(lines[5]).toBe(
      '| should not allow all ports if it cannot limit to the requested port | `ingress/port-name/unknown-name` | partly: ours on every pod of x \\| upstream x/a | not run | not run | not compared |',
    );
    expect(lines[9]).toBe('| should do what we have no case for | — | none: a sequence we lack | not run | — | no counterpart |');
    expect(compareNetpol(undefined, undefined, MAP).summary).toBe('6 upstream NetworkPolicy specs (v1.37.2): 2 same, 3 partly, 1 none; 1 no counterpart, 5 not compared');
  });
});
