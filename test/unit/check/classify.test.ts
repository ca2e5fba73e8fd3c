// The one classifier: every driver's wire events mean the same thing in every path.
import { describe, expect, test } from 'vitest';
import { classify, outcomeOf, payloadOf, worthRetrying } from '../../../helpers/check/classify.ts';
import { eventOfConnect, eventOfNc, connectCommand, isControlFailure, isNcVerdict, ncCommand } from '../../../helpers/check/drivers/connect.ts';
import { eventOfAsk, type Ask } from '../../../helpers/probes/client.ts';
import { eventOfSocketError } from '../../../helpers/check/drivers/outside.ts';
import type { AnswerCheck, Expectation, Observation, Protocol, WireEvent } from '../../../helpers/check/types.ts';

const hostname: AnswerCheck = { kind: 'hostname', expected: ['probe-b-w2'] };

/** An HTTP request from a probe (TCP, an answer expected: bash's own client), as it printed on this machine, read as the probe driver reads it. */
const curlAsk: Ask = { host: '10.244.2.7', port: 8080, protocol: 'tcp', family: 'ipv4', answer: hostname };
const curl = (exitCode: number, output: string): WireEvent => eventOfAsk(curlAsk, { exitCode, output, ms: 1 }).event;

/** The same wire event, as each driver reports it, for TCP (bash's HTTP client in a probe, as it printed) and UDP (the runner's socket). */
const cases: { name: string; tcp: WireEvent; udp: WireEvent; observed: Observation }[] = [
  { name: 'connected with the right answer', tcp: curl(0, 'probe-b-w2\nKNCH 200 0 6266 \n'), udp: { kind: 'answer', text: 'probe-b-w2\n' }, observed: 'REACHABLE' },
  { name: 'a wrong answer', tcp: curl(0, 'probe-a-w1\nKNCH 200 0 1203 '), udp: { kind: 'answer', text: 'probe-a-w1' }, observed: 'WRONG_ANSWER' },
  {
    name: 'reset after connecting',
    tcp: curl(0, 'Connection reset by peer\nKNCH 000 0 2206 \n'),
    udp: eventOfSocketError('ECONNRESET', 'read ECONNRESET'),
    observed: 'WRONG_ANSWER',
  },
  {
    name: 'refused (RST / ICMP port unreachable)',
    tcp: curl(0, 'Connection refused\nKNCH 000 7 1754 \n'),
    udp: eventOfSocketError('ECONNREFUSED', 'ICMP port unreachable'),
    observed: 'REFUSED',
  },
  {
    name: 'ICMP host unreachable / prohibited',
    tcp: curl(0, 'No route to host\nKNCH 000 7 3011 \n'),
    udp: eventOfSocketError('EHOSTUNREACH', 'host unreachable'),
    observed: 'FILTERED',
  },
  {
    name: 'timeout',
    tcp: curl(0, '\nKNCH 000 137 5001022 \n'),
    udp: eventOfSocketError('TimeoutError', 'no UDP answer within 5 s'),
    observed: 'FILTERED',
  },
  { name: 'an empty answer', tcp: curl(0, '\nKNCH 200 0 1203 '), udp: { kind: 'answer', text: '' }, observed: 'INCONCLUSIVE' },
  {
    name: 'a control transport failure',
    tcp: { kind: 'control', text: 'cannot control probe probe-a-w1: no answer within 16 s' },
    udp: { kind: 'control', text: 'cannot control probe probe-a-w1: HTTP 503' },
    observed: 'CONTROL_ERROR',
  },
];

describe('classify: wire event → observation, the same for TCP and UDP', () => {
  for (const protocol of ['tcp', 'udp'] as Protocol[]) {
    test.each(cases)(`${protocol}: $name → $observed`, (c) => {
      expect(classify([c[protocol]], hostname).observed).toBe(c.observed);
    });
  }

  test('a bare connect passes on connected, on an answer and on a reset after the handshake; refused and timeouts do not', () => {
    const connect: AnswerCheck = { kind: 'connect' };
    expect(classify([{ kind: 'connected' }], connect).observed).toBe('REACHABLE');
    expect(classify([curl(0, '\nKNCH 000 0 2138 \n')], connect).observed).toBe('REACHABLE');
    expect(classify([eventOfNc({ exitCode: 1, stderr: 'nc: connect to 10.244.2.7 port 8080 (tcp) failed: Connection refused\n' })], connect).observed).toBe('REFUSED');
    expect(classify([eventOfNc({ exitCode: 1, stderr: 'nc: connect to 10.244.2.7 port 8080 (tcp) timed out: Operation now in progress\n' })], connect).observed).toBe('FILTERED');
  });

  test('several tries: a stranger speaks louder than loss; loss is not reachable; >1 backend is required when asked', () => {
    const svc: AnswerCheck = { kind: 'hostname', expected: ['a', 'b'], minDistinct: 2 };
    expect(
      classify(
        [
          { kind: 'answer', text: 'a' },
          { kind: 'answer', text: 'b' },
        ],
        svc,
      ),
    ).toMatchObject({ observed: 'REACHABLE', answers: ['a', 'b'] });
    expect(
      classify(
        [
          { kind: 'answer', text: 'a' },
          { kind: 'answer', text: 'a' },
        ],
        svc,
      ).observed,
    ).toBe('WRONG_ANSWER');
    expect(
      classify(
        [
          { kind: 'answer', text: 'a' },
          { kind: 'timeout', text: 'i/o timeout' },
        ],
        svc,
      ),
    ).toMatchObject({ observed: 'FILTERED', detail: expect.stringMatching(/^lost 1 of 2 \(1 answered: a\)/) });
    expect(
      classify(
        [
          { kind: 'answer', text: 'x' },
          { kind: 'timeout', text: 'i/o timeout' },
        ],
        svc,
      ).observed,
    ).toBe('WRONG_ANSWER');
  });

  test('echo: the payload must come back intact; clientip: the far end must see the client address', () => {
    expect(classify([{ kind: 'answer', text: payloadOf(1900) }], { kind: 'echo', bytes: 1900 }).observed).toBe('REACHABLE');
    expect(classify([{ kind: 'answer', text: payloadOf(1400) }], { kind: 'echo', bytes: 1900 }).observed).toBe('WRONG_ANSWER');
    expect(classify([{ kind: 'answer', text: '172.28.0.1:51234' }], { kind: 'clientip', expected: '172.28.0.1', client: 'runner' }).observed).toBe('REACHABLE');
    expect(classify([{ kind: 'answer', text: '172.28.0.12:51234' }], { kind: 'clientip', expected: '172.28.0.1', client: 'runner' })).toMatchObject({
      observed: 'WRONG_ANSWER',
      detail: expect.stringContaining('SNAT'),
    });
  });
});

describe('named expectations → outcome', () => {
  const table: [Expectation, Observation, string][] = [
    ['REACHABLE', 'REACHABLE', 'passed'],
    ['REACHABLE', 'REFUSED', 'failed'],
    ['REACHABLE', 'WRONG_ANSWER', 'failed'],
    ['CLOSED', 'REFUSED', 'passed'],
    ['CLOSED', 'FILTERED', 'passed'],
    ['CLOSED', 'REACHABLE', 'failed'],
    ['CLOSED', 'WRONG_ANSWER', 'failed'],
    ['DELIVERED', 'REFUSED', 'passed'],
    ['DELIVERED', 'REACHABLE', 'passed'],
    ['DELIVERED', 'FILTERED', 'failed'],
    ['REACHABLE', 'INCONCLUSIVE', 'error'],
    ['CLOSED', 'CONTROL_ERROR', 'error'],
  ];
  test.each(table)('expect %s, observed %s → %s', (expect_, observed, outcome) => {
    expect(outcomeOf(expect_, observed)).toBe(outcome);
  });

  test('one retry policy: no verdict is retried, a clean refusal and a fully silent multi-try attempt are not', () => {
    const v = (observed: Observation, answers: string[] = []) => ({ observed, detail: '', answers });
    expect(worthRetrying(v('CONTROL_ERROR'), { expect: 'REACHABLE', tries: 1 })).toBe(true);
    expect(worthRetrying(v('INCONCLUSIVE'), { expect: 'REACHABLE', tries: 1 })).toBe(true);
    expect(worthRetrying(v('REFUSED'), { expect: 'REACHABLE', tries: 1 })).toBe(false);
    expect(worthRetrying(v('FILTERED'), { expect: 'REACHABLE', tries: 6 })).toBe(false);
    expect(worthRetrying(v('FILTERED'), { expect: 'REACHABLE', tries: 1 })).toBe(true);
  });
});

describe('drivers: how each reports the wire', () => {
  test('agnhost connect output → events; exec statuses that are not its verdict are control failures', () => {
    expect(eventOfConnect({ exitCode: 0, stderr: '' }, 'tcp').kind).toBe('connected');
    expect(eventOfConnect({ exitCode: 1, stderr: 'REFUSED\n' }, 'tcp').kind).toBe('refused');
    expect(eventOfConnect({ exitCode: 1, stderr: 'TIMEOUT\n' }, 'udp')).toEqual({ kind: 'timeout', text: 'no UDP answer within the timeout: dropped on the way, or the listener does not reply' });
    expect(eventOfConnect({ exitCode: 1, stderr: 'OTHER: dial tcp 10.0.0.12:6443: connect: no route to host' }, 'tcp')).toEqual({
      kind: 'unreachable',
      text: 'rejected by a firewall or the network (dial tcp 10.0.0.12:6443: connect: no route to host)',
    });
    expect(eventOfConnect({ exitCode: 1, stderr: 'DNS: lookup nosuch: no such host\n' }, 'tcp').kind).toBe('empty');
    expect(eventOfConnect({ exitCode: 137, stderr: '' }, 'tcp').kind).toBe('control');
    expect(isControlFailure({ exitCode: 1, stderr: '' })).toBe(true);
    expect(isControlFailure({ exitCode: 1, stderr: 'REFUSED\n' })).toBe(false);
  });

  test('agnhost connect argv: explicit timeout, UDP flag only for UDP', () => {
    expect(connectCommand({ host: '172.28.0.11', port: 10250, protocol: 'tcp' })).toEqual(['/agnhost', 'connect', '172.28.0.11:10250', '--timeout', '3s']);
    expect(connectCommand({ host: '172.28.0.11', port: 30000, protocol: 'udp' }).slice(-2)).toEqual(['--protocol', 'udp']);
  });

  test('nc -z -v output (OpenBSD netcat 1.219, as it printed on the lab) → events; what is not its verdict is a control failure', () => {
    expect(ncCommand({ host: 'fd00:28::10', port: 6443 })).toEqual(['nc', '-z', '-v', '-w', '3', 'fd00:28::10', '6443']);
    expect(eventOfNc({ exitCode: 0, stderr: 'Connection to 172.28.0.10 6443 port [tcp/*] succeeded!\n' }).kind).toBe('connected');
    expect(eventOfNc({ exitCode: 1, stderr: 'nc: connect to 172.28.0.10 port 10255 (tcp) failed: Connection refused\n' }).kind).toBe('refused');
    expect(eventOfNc({ exitCode: 1, stderr: 'nc: connect to 172.28.0.10 port 2379 (tcp) timed out: Operation now in progress\n' }).kind).toBe('timeout');
    expect(eventOfNc({ exitCode: 1, stderr: 'nc: connect to fd00::1 port 80 (tcp) failed: Network is unreachable\n' })).toEqual({
      kind: 'unreachable',
      text: 'rejected by a firewall or the network (Network is unreachable)',
    });
    expect(eventOfNc({ exitCode: 1, stderr: 'nc: getaddrinfo for host "x" port 1: Name does not resolve\n' }).kind).toBe('empty');
    expect(eventOfNc({ exitCode: 137, stderr: '' }).kind).toBe('control');
    expect(isNcVerdict({ exitCode: 1, stderr: '' })).toBe(false);
    expect(isNcVerdict({ exitCode: 127, stderr: 'sh: 1: nc: not found\n' })).toBe(false);
  });

  test("the kernel refusing to send (a blackhole route: EINVAL; a prohibit route: EACCES) is unreachable in every tool's words; a text no tool is known for is no verdict", () => {
    const connect: AnswerCheck = { kind: 'connect' };
    expect(classify([eventOfNc({ exitCode: 1, stderr: 'nc: connect to 10.99.0.5 port 8080 (tcp) failed: Invalid argument\n' })], connect).observed).toBe('FILTERED');
    expect(classify([eventOfNc({ exitCode: 1, stderr: 'nc: connect to 10.98.0.5 port 8080 (tcp) failed: Permission denied\n' })], connect).observed).toBe('FILTERED');
    expect(eventOfConnect({ exitCode: 1, stderr: 'OTHER: dial udp 10.99.0.5:8080: connect: invalid argument\n' }, 'udp').kind).toBe('unreachable');
    expect(eventOfSocketError('EINVAL', 'connect EINVAL').kind).toBe('unreachable');
    expect(classify([curl(0, 'Invalid argument\nKNCH 000 7 412 ')], connect).observed).toBe('FILTERED');
    const unknown = curl(0, 'Protocol not available\nKNCH 000 7 562 ');
    expect(unknown).toMatchObject({ kind: 'empty', text: expect.stringContaining('Protocol not available') });
    expect(classify([unknown], connect).observed).toBe('INCONCLUSIVE');
  });

  test("the runner's own socket errors → events: deadlines are timeouts, its own trouble is no verdict", () => {
    for (const code of ['TimeoutError', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'ETIMEDOUT']) expect(eventOfSocketError(code, 'x').kind).toBe('timeout');
    expect(eventOfSocketError('EPIPE', 'write EPIPE').kind).toBe('reset');
    expect(eventOfSocketError('EMFILE', 'too many open files')).toMatchObject({ kind: 'empty', text: expect.stringContaining('EMFILE') });
    expect(classify([eventOfSocketError('EADDRNOTAVAIL', 'connect EADDRNOTAVAIL')], { kind: 'connect' }).observed).toBe('INCONCLUSIVE');
  });
});
