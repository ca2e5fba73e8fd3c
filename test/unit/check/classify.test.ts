// The one classifier: every driver's wire events mean the same thing in every path.
import { describe, expect, test } from 'vitest';
import { classify, outcomeOf, payloadOf, worthRetrying } from '../../../helpers/check/classify.ts';
import { eventOfConnect, eventOfNc, connectCommand, isControlFailure, isNcVerdict, ncCommand } from '../../../helpers/check/drivers/connect.ts';
import { outOfShell, shellLine } from '../../../helpers/check/drivers/in-probe.ts';
import { dialPath, eventOfDialError, eventsOfDial } from '../../../helpers/check/drivers/dial.ts';
import { eventOfSocketError } from '../../../helpers/check/drivers/outside.ts';
import type { AnswerCheck, Expectation, Observation, Protocol, WireEvent } from '../../../helpers/check/types.ts';

const hostname: AnswerCheck = { kind: 'hostname', expected: ['probe-b-w2'] };

/** The same wire event, as each driver reports it, for TCP and UDP. */
const cases: { name: string; tcp: WireEvent; udp: WireEvent; observed: Observation }[] = [
  { name: 'connected with the right answer', tcp: eventsOfDial({ responses: ['probe-b-w2'] })[0]!, udp: { kind: 'answer', text: 'probe-b-w2\n' }, observed: 'REACHABLE' },
  { name: 'a wrong answer', tcp: eventsOfDial({ responses: ['probe-a-w1'] })[0]!, udp: { kind: 'answer', text: 'probe-a-w1' }, observed: 'WRONG_ANSWER' },
  {
    name: 'reset after connecting',
    tcp: eventOfDialError('read tcp 10.244.1.5:40000->10.244.2.7:8080: read: connection reset by peer'),
    udp: eventOfSocketError('ECONNRESET', 'read ECONNRESET'),
    observed: 'WRONG_ANSWER',
  },
  {
    name: 'refused (RST / ICMP port unreachable)',
    tcp: eventOfDialError('dial tcp 10.244.2.7:8080: connect: connection refused'),
    udp: eventOfSocketError('ECONNREFUSED', 'ICMP port unreachable'),
    observed: 'REFUSED',
  },
  {
    name: 'ICMP host unreachable / prohibited',
    tcp: eventOfDialError('dial tcp 10.244.2.7:8080: connect: no route to host'),
    udp: eventOfSocketError('EHOSTUNREACH', 'host unreachable'),
    observed: 'FILTERED',
  },
  {
    name: 'timeout',
    tcp: eventOfDialError('dial tcp 10.244.2.7:8080: i/o timeout'),
    udp: eventOfDialError("reading from udp connection failed. err:'read udp 10.244.1.5:5000->10.244.2.7:8081: i/o timeout'"),
    observed: 'FILTERED',
  },
  { name: 'an empty answer', tcp: eventsOfDial({})[0]!, udp: { kind: 'answer', text: '' }, observed: 'INCONCLUSIVE' },
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
    expect(classify([eventOfDialError('net/http: HTTP/1.x transport connection broken: malformed HTTP response')], connect).observed).toBe('REACHABLE');
    expect(classify([eventOfDialError('connect: connection refused')], connect).observed).toBe('REFUSED');
    expect(classify([eventOfDialError('i/o timeout')], connect).observed).toBe('FILTERED');
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

  test('netexec /dial reporting a JSON body that is not one is an empty answer (inconclusive), not a network verdict', () => {
    expect(eventsOfDial({ responses: [], errors: [] })).toEqual([{ kind: 'empty', text: 'netexec /dial reported no try at all' }]);
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

  test("/shell line: every argument quoted, an IPv6 literal's brackets no glob", () => {
    expect(shellLine(connectCommand({ host: 'fd00:28::11', port: 10250, protocol: 'udp' }))).toBe("'/agnhost' 'connect' '[fd00:28::11]:10250' '--timeout' '3s' '--protocol' 'udp'");
    expect(shellLine(["it's"])).toBe("'it'\\''s'");
  });

  test("netexec /shell answers → connect's exit and stderr; what is not its verdict is unavailable or failed", () => {
    // The bodies netexec writes (Go's CombinedOutput and exec error), as seen on the lab.
    expect(outOfShell(200, '{}')).toEqual({ exitCode: 0, stderr: '' });
    expect(outOfShell(200, '{"error":"exit status 1","output":"REFUSED\\n"}')).toEqual({ exitCode: 1, stderr: 'REFUSED\n' });
    expect(eventOfConnect(outOfShell(200, '{"error":"exit status 1","output":"TIMEOUT\\n"}') as { exitCode: number; stderr: string }, 'tcp').kind).toBe('timeout');
    expect(outOfShell(200, '{"error":"fork/exec /bin/sh: no such file or directory"}')).toEqual({ unavailable: 'no usable /bin/sh in the probe image (fork/exec /bin/sh: no such file or directory)' });
    expect(outOfShell(200, '{"error":"exit status 127","output":"sh: 1: nc: not found\\n"}')).toEqual({ exitCode: 127, stderr: 'sh: 1: nc: not found\n' });
    expect(outOfShell(404, '404 page not found')).toEqual({ unavailable: 'its netexec has no /shell endpoint' });
    expect(outOfShell(200, '{"error":"signal: killed"}')).toEqual({ failed: 'the command did not finish: signal: killed' });
    expect(outOfShell(503, 'error trying to reach service')).toMatchObject({ failed: expect.stringContaining('HTTP 503') });
    expect(outOfShell(200, '')).toMatchObject({ failed: expect.stringContaining('not JSON') });
  });

  test("netexec /dial's error texts (as it reported them on the lab and in a scratch namespace) → events; a text it does not know is no verdict, never a drop", () => {
    const connect: AnswerCheck = { kind: 'connect' };
    const observed = (error: string) => classify([eventOfDialError(error)], connect).observed;
    // BIRD closing an HTTP GET from an address it does not peer with: all three texts seen in 300 tries.
    expect(observed('Get "http://172.28.0.10:179/hostname": EOF')).toBe('REACHABLE');
    expect(observed('Get "http://172.28.0.10:179/hostname": read tcp 172.28.0.10:36286->172.28.0.10:179: read: connection reset by peer')).toBe('REACHABLE');
    expect(observed('Get "http://172.28.0.10:179/hostname": http: server closed idle connection')).toBe('REACHABLE');
    expect(observed('Get "http://172.28.0.10:179/hostname": write tcp 172.28.0.10:36286->172.28.0.10:179: write: broken pipe')).toBe('REACHABLE');
    expect(observed('Get "http://10.244.2.7:8080/hostname": context deadline exceeded (Client.Timeout exceeded while awaiting headers)')).toBe('FILTERED');
    expect(observed('Get "http://10.244.2.7:8080/hostname": dial tcp 10.244.2.7:8080: i/o timeout')).toBe('FILTERED');
    // A host probe on a node with a blackhole route (cut-route) or a prohibit route to the target: the kernel will not send.
    expect(observed('Get "http://10.99.0.5:8080/hostname": dial tcp 10.99.0.5:8080: connect: invalid argument')).toBe('FILTERED');
    expect(observed('udp dial failed. err:dial udp 10.99.0.5:8080: connect: invalid argument')).toBe('FILTERED');
    expect(observed('Get "http://10.98.0.5:8080/hostname": dial tcp 10.98.0.5:8080: connect: permission denied')).toBe('FILTERED');
    expect(eventOfNc({ exitCode: 1, stderr: 'nc: connect to 10.99.0.5 port 8080 (tcp) failed: Invalid argument\n' }).kind).toBe('unreachable');
    expect(eventOfConnect({ exitCode: 1, stderr: 'OTHER: dial udp 10.99.0.5:8080: connect: invalid argument\n' }, 'udp').kind).toBe('unreachable');
    expect(eventOfSocketError('EINVAL', 'connect EINVAL').kind).toBe('unreachable');
    const unknown = eventOfDialError('Get "http://10.244.2.7:8080/hostname": dial tcp 10.244.2.7:8080: connect: cannot assign requested address');
    expect(unknown).toMatchObject({ kind: 'empty', text: expect.stringContaining('cannot assign requested address') });
    expect(classify([unknown], connect).observed).toBe('INCONCLUSIVE');
  });

  test("the runner's own socket errors → events: deadlines are timeouts, its own trouble is no verdict", () => {
    for (const code of ['TimeoutError', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'ETIMEDOUT']) expect(eventOfSocketError(code, 'x').kind).toBe('timeout');
    expect(eventOfSocketError('EPIPE', 'write EPIPE').kind).toBe('reset');
    expect(eventOfSocketError('EMFILE', 'too many open files')).toMatchObject({ kind: 'empty', text: expect.stringContaining('EMFILE') });
    expect(classify([eventOfSocketError('EADDRNOTAVAIL', 'connect EADDRNOTAVAIL')], { kind: 'connect' }).observed).toBe('INCONCLUSIVE');
  });

  test('/dial URL through the pod proxy: query intact, protocol named as netexec wants it', () => {
    const path = dialPath({ namespace: 'ns', control: { pod: 'probe-a-w1', port: 8080 }, target: { host: '10.244.2.7', port: 8081 }, protocol: 'udp', answer: hostname, tries: 1 });
    expect(path).toBe('/api/v1/namespaces/ns/pods/probe-a-w1:8080/proxy/dial?host=10.244.2.7&port=8081&protocol=udp&request=hostname&tries=1');
  });
});
