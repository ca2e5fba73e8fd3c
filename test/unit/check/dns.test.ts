// Name lookups in the one classifier: netexec's HTTP 400 for a failed lookup is the cluster
// DNS's verdict (a `dns` wire event), and NXDOMAIN, SERVFAIL, timeout and refused stay apart.
import { describe, expect, test } from 'vitest';
import { classify, outcomeOf } from '../../../helpers/check/classify.ts';
import { eventOfLookupError } from '../../../helpers/check/drivers/dial.ts';
import type { AnswerCheck, WireEvent } from '../../../helpers/check/types.ts';

const body = (reason: string, name = 'dns-svc') => `host and/or port param are invalid. lookup ${name} on 10.96.0.10:53: ${reason}\n`;
const hostname: AnswerCheck = { kind: 'hostname', expected: ['probe-a-w1', 'probe-b-w1'] };
const nxdomain: AnswerCheck = { kind: 'nxdomain' };

describe('netexec lookup errors → dns wire events', () => {
  test.each([
    ['no such host', 'NXDOMAIN'],
    ['server misbehaving', 'SERVFAIL'],
    ['read udp 10.244.1.5:40123->10.96.0.10:53: i/o timeout', 'TIMEOUT'],
    ['read udp 10.244.1.5:40123->10.96.0.10:53: read: connection refused', 'REFUSED'],
    ['dial tcp 10.96.0.10:53: connect: connection refused', 'REFUSED'],
    ['write udp 172.28.0.12:37221->10.96.0.10:53: write: operation not permitted', 'UNREACHABLE'],
    ['cannot unmarshal DNS message', 'OTHER'],
  ] as const)('%s → %s', (reason, rcode) => {
    expect(eventOfLookupError(body(reason))).toMatchObject({ kind: 'dns', rcode, name: 'dns-svc', server: '10.96.0.10:53' });
  });

  test('a lookup without a server named, and a 400 that is not a lookup', () => {
    expect(eventOfLookupError('host and/or port param are invalid. lookup x.y.svc.cluster.local.: no such host')).toMatchObject({ rcode: 'NXDOMAIN', name: 'x.y.svc.cluster.local.' });
    expect(eventOfLookupError('tries parameter is invalid. strconv.Atoi: parsing "x"')).toBeUndefined();
  });
});

describe('classify: lookups', () => {
  const dns = (reason: string) => eventOfLookupError(body(reason)) as WireEvent;

  test('a name that must resolve: NXDOMAIN and SERVFAIL are wrong answers, timeout is filtered, refused is refused — and the lookup result travels', () => {
    expect(classify([dns('no such host')], hostname)).toMatchObject({ observed: 'WRONG_ANSWER', dns: 'NXDOMAIN' });
    expect(classify([dns('server misbehaving')], hostname)).toMatchObject({ observed: 'WRONG_ANSWER', dns: 'SERVFAIL' });
    expect(classify([dns('read udp 1.2.3.4:5->10.96.0.10:53: i/o timeout')], hostname)).toMatchObject({ observed: 'FILTERED', dns: 'TIMEOUT' });
    expect(classify([dns('read: connection refused')], hostname)).toMatchObject({ observed: 'REFUSED', dns: 'REFUSED' });
    expect(classify([dns('no such host')], hostname).detail).toContain('NXDOMAIN');
    expect(classify([dns('server misbehaving')], hostname).detail).toContain('SERVFAIL');
  });

  test('a resolved name is judged on its answer as any target is; no lookup result is invented', () => {
    const verdict = classify([{ kind: 'answer', text: 'probe-b-w1' }], hostname);
    expect(verdict).toEqual({ observed: 'REACHABLE', detail: 'answered by probe-b-w1', answers: ['probe-b-w1'], tries: 1, lost: 0 });
    expect(verdict).not.toHaveProperty('dns');
  });

  test('a name that must not exist: only NXDOMAIN passes; resolving, SERVFAIL and timeouts do not', () => {
    const ok = classify([dns('no such host')], nxdomain);
    expect(ok).toMatchObject({ observed: 'REACHABLE', dns: 'NXDOMAIN' });
    expect(outcomeOf('REACHABLE', ok.observed)).toBe('passed');
    expect(classify([{ kind: 'answer', text: 'probe-a-w1' }], nxdomain)).toMatchObject({ observed: 'WRONG_ANSWER', dns: 'NOERROR' });
    expect(classify([{ kind: 'refused', text: 'connect: connection refused' }], nxdomain)).toMatchObject({ observed: 'WRONG_ANSWER', dns: 'NOERROR' });
    expect(classify([dns('server misbehaving')], nxdomain)).toMatchObject({ observed: 'WRONG_ANSWER', dns: 'SERVFAIL' });
    expect(classify([dns('i/o timeout')], nxdomain)).toMatchObject({ observed: 'FILTERED', dns: 'TIMEOUT' });
    expect(classify([{ kind: 'control', text: 'cannot control probe' }], nxdomain).observed).toBe('CONTROL_ERROR');
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
