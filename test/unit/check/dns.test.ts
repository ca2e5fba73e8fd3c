// Name lookups in the one classifier: a probe's dig (as it printed on the lab: CoreDNS 1.15 behind
// the kube-dns Service) becomes the cluster DNS's verdict (a `dns` wire event), and NXDOMAIN,
// SERVFAIL, timeout and refused stay apart.
import { describe, expect, test } from 'vitest';
import { classify, outcomeOf } from '../../../helpers/check/classify.ts';
import { lookupCommand, lookupResult } from '../../../helpers/probes/lookup.ts';
import type { AnswerCheck, WireEvent } from '../../../helpers/check/types.ts';

const hostname: AnswerCheck = { kind: 'hostname', expected: ['probe-a-w1', 'probe-b-w1'] };
const nxdomain: AnswerCheck = { kind: 'nxdomain' };

/** dig's output after the probe command's filter, as dig 9.18 printed it on the lab. */
const DIG = {
  resolved: ';; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: 27034\nkubernetes.default.svc.cluster.local. 30 IN A\t10.96.0.1',
  headless: ';; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: 1\ndns-headless.ns.svc.cluster.local. 30 IN A\t10.244.1.5\ndns-headless.ns.svc.cluster.local. 30 IN A\t10.244.2.7',
  nxdomain: ';; ->>HEADER<<- opcode: QUERY, status: NXDOMAIN, id: 53834',
  servfail: ';; ->>HEADER<<- opcode: QUERY, status: SERVFAIL, id: 2',
  noRecord: ';; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: 3',
  timeout: ';; communications error to 10.96.0.99#53: timed out\n;; no servers could be reached',
  refusedUdp: ';; communications error to 172.28.0.11#53: connection refused\n;; no servers could be reached',
  refusedTcp: ';; Connection to 172.28.0.11#53(172.28.0.11) for x failed: connection refused.\n;; no servers could be reached',
  unreachable: ';; communications error to 10.96.0.10#53: host unreachable\n;; no servers could be reached',
};
const out = (output: string, exitCode = 0) => ({ exitCode, output, ms: 3 });
const dns = (output: string, exitCode = 0) => (lookupResult('dns-svc', 'ipv4', out(output, exitCode)) as { event: WireEvent }).event;

describe("dig's output → addresses or a dns wire event", () => {
  test('resolved: every address of the family asked', () => {
    expect(lookupResult('kubernetes.default', 'ipv4', out(DIG.resolved))).toEqual({ addresses: ['10.96.0.1'] });
    expect(lookupResult('dns-headless', 'ipv4', out(DIG.headless))).toEqual({ addresses: ['10.244.1.5', '10.244.2.7'] });
  });

  test.each([
    ['nxdomain', 'NXDOMAIN'],
    ['noRecord', 'NXDOMAIN'],
    ['servfail', 'SERVFAIL'],
    ['timeout', 'TIMEOUT'],
    ['refusedUdp', 'REFUSED'],
    ['refusedTcp', 'REFUSED'],
    ['unreachable', 'UNREACHABLE'],
  ] as const)('%s → %s', (which, rcode) => {
    expect(dns(DIG[which], which.startsWith('refused') || which === 'timeout' || which === 'unreachable' ? 9 : 0)).toMatchObject({ kind: 'dns', rcode, name: 'dns-svc' });
  });

  test('an image without dig is no verdict, not a DNS failure', () => {
    expect(lookupResult('x', 'ipv4', out('bash: line 1: dig: command not found', 127))).toMatchObject({ event: { kind: 'empty' } });
  });

  test('the command: the search path, UDP or TCP as the row says, A or AAAA by family', () => {
    expect(lookupCommand('dns-svc', { family: 'ipv4', over: 'udp' })).toMatch(/^IFS= read -r -d '' o < <\(dig \+search \+time=1 \+tries=2 \+notcp \+noall \+comments \+answer dns-svc A 2>&1\); /);
    expect(lookupCommand('dns-svc', { family: 'ipv6', over: 'tcp' })).toContain('+tcp +noall +comments +answer dns-svc AAAA');
  });
});

describe('classify: lookups', () => {
  test('a name that must resolve: NXDOMAIN and SERVFAIL are wrong answers, timeout is filtered, refused is refused — and the lookup result travels', () => {
    expect(classify([dns(DIG.nxdomain)], hostname)).toMatchObject({ observed: 'WRONG_ANSWER', dns: 'NXDOMAIN' });
    expect(classify([dns(DIG.servfail)], hostname)).toMatchObject({ observed: 'WRONG_ANSWER', dns: 'SERVFAIL' });
    expect(classify([dns(DIG.timeout, 9)], hostname)).toMatchObject({ observed: 'FILTERED', dns: 'TIMEOUT' });
    expect(classify([dns(DIG.refusedUdp, 9)], hostname)).toMatchObject({ observed: 'REFUSED', dns: 'REFUSED' });
    expect(classify([dns(DIG.nxdomain)], hostname).detail).toContain('NXDOMAIN');
    expect(classify([dns(DIG.servfail)], hostname).detail).toContain('SERVFAIL');
  });

  test('a resolved name is judged on its answer as any target is; no lookup result is invented', () => {
    const verdict = classify([{ kind: 'answer', text: 'probe-b-w1' }], hostname);
    expect(verdict).toEqual({ observed: 'REACHABLE', detail: 'answered by probe-b-w1', answers: ['probe-b-w1'], tries: 1, lost: 0 });
    expect(verdict).not.toHaveProperty('dns');
  });

  test('a name that must not exist: only NXDOMAIN passes; resolving, SERVFAIL and timeouts do not', () => {
    const ok = classify([dns(DIG.nxdomain)], nxdomain);
    expect(ok).toMatchObject({ observed: 'REACHABLE', dns: 'NXDOMAIN' });
    expect(outcomeOf('REACHABLE', ok.observed)).toBe('passed');
    expect(classify([{ kind: 'connected', text: 'resolved to 10.96.4.4' }], nxdomain)).toMatchObject({ observed: 'WRONG_ANSWER', dns: 'NOERROR' });
    expect(classify([dns(DIG.servfail)], nxdomain)).toMatchObject({ observed: 'WRONG_ANSWER', dns: 'SERVFAIL' });
    expect(classify([dns(DIG.timeout, 9)], nxdomain)).toMatchObject({ observed: 'FILTERED', dns: 'TIMEOUT' });
    expect(classify([{ kind: 'control', text: 'cannot command probe' }], nxdomain).observed).toBe('CONTROL_ERROR');
  });
});

describe('classify: one backend per client (session affinity)', () => {
  const affinity: AnswerCheck = { kind: 'hostname', expected: ['a', 'b', 'c'], maxDistinct: 1 };
  test('every answer the same backend passes; two backends is a wrong answer naming them', () => {
    expect(
      classify(
        [
          { kind: 'answer', text: 'b' },
          { kind: 'answer', text: 'b' },
          { kind: 'answer', text: 'b' },
        ],
        affinity,
      ),
    ).toMatchObject({ observed: 'REACHABLE', answers: ['b'] });
    const spread = classify(
      [
        { kind: 'answer', text: 'a' },
        { kind: 'answer', text: 'b' },
      ],
      affinity,
    );
    expect(spread.observed).toBe('WRONG_ANSWER');
    expect(spread.detail).toBe('2 requests of one client reached 2 different backends (a, b); expected every one on the same backend');
  });
});
