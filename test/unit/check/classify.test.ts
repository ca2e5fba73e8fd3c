// The one classifier: every driver's wire events mean the same thing in every path.
import { describe, expect, test } from 'vitest';
import { classify, outcomeOf, payloadOf, worthRetrying } from '../../../helpers/check/classify.ts';
import { eventOfAsk, type Ask } from '../../../helpers/probes/client.ts';
import { eventOfSocketError } from '../../../helpers/check/drivers/outside.ts';
import type { AnswerCheck, Expectation, Observation, Protocol, WireEvent } from '../../../helpers/check/types.ts';

const hostname: AnswerCheck = { kind: 'hostname', expected: ['probe-b-w2'] };

/** An HTTP request from a probe (TCP, an answer expected: bash's own client), as it printed on this machine, read as the probe driver reads it. */
const curlAsk: Ask = { host: '10.244.2.7', port: 8080, protocol: 'tcp', family: 'ipv4', answer: hostname };
const curl = (exitCode: number, output: string): WireEvent => eventOfAsk(curlAsk, { exitCode, output, ms: 1 }).event;
/** A bare connect from a probe (bash's handshake on /dev/tcp, or a datagram on /dev/udp), as it printed on this machine through the command loop. */
const bare = (protocol: Protocol, output: string, exitCode = 0): WireEvent =>
  eventOfAsk({ host: '10.244.2.7', port: 8080, protocol, family: 'ipv4', answer: { kind: 'connect' } }, { exitCode, output, ms: 1 }).event;
/** A full-size request from a probe, as it printed on this machine. */
const full = (protocol: Protocol, output: string): WireEvent =>
  eventOfAsk({ host: '10.244.2.7', port: 8080, protocol, family: 'ipv4', answer: { kind: 'echo', bytes: protocol === 'tcp' ? 20480 : 1900 }, timeoutS: 1 }, { exitCode: 0, output, ms: 1 }).event;

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
    tcp: curl(0, '\nKNCH 000 28 5000000 \n'),
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
    expect(classify([bare('tcp', '/bin/bash: connect: Connection refused\nKNCC 0')], connect).observed).toBe('REFUSED');
    expect(classify([bare('tcp', '\nKNCC 142')], connect).observed).toBe('FILTERED');
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
  test("a bare connect's output (bash's, through the command loop on this machine) → events; no status line is a control failure", () => {
    expect(bare('tcp', 'ok\nKNCC 0')).toEqual({ kind: 'connected', text: 'TCP connection established' });
    expect(bare('tcp', '/bin/bash: connect: Connection refused\nKNCC 0')).toEqual({ kind: 'refused', text: 'connection refused (RST): the host is reached, nothing listens on the port' });
    expect(bare('tcp', '\nKNCC 142')).toEqual({ kind: 'timeout', text: 'no answer to the TCP handshake within the timeout: dropped on the way (firewall DROP or no route)' });
    expect(bare('udp', 'KNCC 0')).toEqual({ kind: 'connected', text: 'UDP answer received' });
    expect(bare('udp', '/bin/bash: line 9: read: read error: 0: Connection refused\nKNCC 1')).toEqual({
      kind: 'refused',
      text: 'ICMP port unreachable: the host is reached, nothing listens on the port',
    });
    expect(bare('udp', 'KNCC 142')).toEqual({ kind: 'timeout', text: 'no UDP answer within the timeout: dropped on the way, or the listener does not reply' });
    // An empty datagram back: no sign the request got there (agnhost connect's "No data received").
    expect(bare('udp', 'KNCC 1').kind).toBe('empty');
    expect(bare('tcp', '', 137).kind).toBe('control');
    expect(bare('udp', '/bin/bash: line 1: syntax error', 2).kind).toBe('control');
  });

  test('a full-size request (bash, on this machine) → events: intact, other bytes, nothing, the reason it could not connect', () => {
    expect(full('tcp', 'KNCF 0 200 20480 intact 2732')).toEqual({ kind: 'answer', text: payloadOf(20480) });
    expect(full('tcp', 'KNCF 0 200 64 other 1855')).toEqual({ kind: 'answer', text: '(64 bytes that are not the 20480-byte answer)' });
    expect(full('tcp', 'KNCF 0 /bin/bash: connect: Connection refused').kind).toBe('refused');
    expect(full('tcp', 'KNCF 142 ')).toEqual({ kind: 'timeout', text: 'no answer within 1 s' });
    expect(full('udp', 'KNCF 0 1900 intact 1621')).toEqual({ kind: 'answer', text: payloadOf(1900) });
    expect(full('udp', 'KNCF 142 64 other 1000838')).toEqual({ kind: 'answer', text: '(64 bytes that are not the 1900-byte answer)' });
    expect(full('udp', '/bin/bash: line 9: read: read error: 0: Connection refused\nKNCF 1 0 other 279').kind).toBe('refused');
    expect(full('udp', '2026/12/07 14:36:01 socat[15898] E read(5, 0x563ff05a8000, 1900): Connection refused\nKNCF 0 0 other 7978').kind).toBe('refused');
    expect(full('udp', 'KNCF 142 0 other 1001164')).toEqual({ kind: 'timeout', text: 'no answer within 1 s' });
    expect(full('tcp', '').kind).toBe('empty');
  });

  test('a failed TCP connect is read alike by every client on /dev/tcp (HTTP tries, the bare connect, the full-size request): the same event, only no verdict names its client', () => {
    for (const line of ['/bin/bash: connect: Connection refused', '/bin/bash: connect: Connection timed out', '/bin/bash: connect: No route to host', '/bin/bash: connect: Invalid argument']) {
      const http = curl(0, `${line}\n/bin/bash: line 1: /dev/tcp/10.244.2.7/8080: ${line.split(': ').at(-1)}\nKNCH 000 7 1754 \n`);
      expect(bare('tcp', `${line}\nKNCC 0`), line).toEqual(http);
      expect(full('tcp', `KNCF 0 ${line}`), line).toEqual(http);
    }
    expect(curl(0, 'Connection timed out\nKNCH 000 7 1754 ')).toEqual({ kind: 'timeout', text: 'no answer to the TCP handshake within the timeout: dropped on the way (firewall DROP or no route)' });
    const unknown = '/bin/bash: connect: Protocol not available';
    expect([curl(0, `${unknown}\nKNCH 000 7 562 `), bare('tcp', `${unknown}\nKNCC 0`), full('tcp', `KNCF 0 ${unknown}`)]).toEqual([
      { kind: 'empty', text: `no network verdict from the probe's connect: ${unknown}` },
      { kind: 'empty', text: `no network verdict from the probe's TCP connect: ${unknown}` },
      { kind: 'empty', text: `no network verdict from the probe's full-size TCP client: ${unknown}` },
    ]);
  });

  test("the kernel refusing to send (a blackhole route: EINVAL; a prohibit route: EACCES) is unreachable in every tool's words; a text no tool is known for is no verdict", () => {
    const connect: AnswerCheck = { kind: 'connect' };
    // bash's words for them (its "connect:" line, strerror's text; this machine cannot make them on loopback).
    expect(classify([bare('tcp', '/bin/bash: connect: Invalid argument\nKNCC 0')], connect).observed).toBe('FILTERED');
    expect(bare('tcp', '/bin/bash: connect: Permission denied\nKNCC 0')).toEqual({ kind: 'unreachable', text: 'rejected by a firewall or the network (Permission denied)' });
    expect(bare('udp', '/bin/bash: connect: Invalid argument\n/bin/bash: line 9: /dev/udp/10.99.0.5/8080: Invalid argument\nKNCC 1').kind).toBe('unreachable');
    expect(bare('udp', '/bin/bash: line 9: printf: write error: Operation not permitted\nKNCC 1').kind).toBe('unreachable');
    expect(full('tcp', 'KNCF 0 /bin/bash: connect: No route to host')).toEqual({ kind: 'unreachable', text: 'rejected by a firewall or the network (No route to host)' });
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
