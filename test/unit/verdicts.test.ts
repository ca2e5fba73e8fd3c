import { describe, expect, test } from 'vitest';
import { classifyDial, classifyDialError, outcomeOf } from '../../helpers/verdicts.ts';

const me = { kind: 'hostname' as const, expected: ['probe-b-lab-worker-2'] };

describe('classifyDial: netexec /dial answers 200 even when every try failed', () => {
  test('the intended pod answered → REACHABLE', () => {
    const v = classifyDial({ responses: ['probe-b-lab-worker-2'] }, me);
    expect(v.observed).toBe('REACHABLE');
    expect(v.answers).toEqual(['probe-b-lab-worker-2']);
  });

  test('an answer from another pod → WRONG_ANSWER naming both', () => {
    const v = classifyDial({ responses: ['probe-a-lab-worker-1'] }, me);
    expect(v.observed).toBe('WRONG_ANSWER');
    expect(v.detail).toContain('probe-a-lab-worker-1');
    expect(v.detail).toContain('probe-b-lab-worker-2');
  });

  test('only errors: timeouts → FILTERED, refused → REFUSED, with the error text', () => {
    const timeout = classifyDial({ errors: ['Get "http://10.244.2.3:8080/hostname": context deadline exceeded (Client.Timeout exceeded while awaiting headers)'] }, me);
    expect(timeout.observed).toBe('FILTERED');
    expect(timeout.detail).toContain('Client.Timeout');
    const refused = classifyDial({ errors: ['Get "http://10.244.2.3:8080/hostname": dial tcp 10.244.2.3:8080: connect: connection refused'] }, me);
    expect(refused.observed).toBe('REFUSED');
    const udp = classifyDial({ errors: ["reading from udp connection failed. err:'read udp 10.244.1.2:45000->10.244.2.3:8081: i/o timeout'"] }, me);
    expect(udp.observed).toBe('FILTERED');
    const noRoute = classifyDial({ errors: ['dial tcp 10.244.2.3:8080: connect: no route to host'] }, me);
    expect(noRoute.observed).toBe('FILTERED');
  });

  test('an empty body (no responses, no errors) is not a pass', () => {
    expect(classifyDial({}, me).observed).toBe('FILTERED');
    expect(classifyDial({ responses: [] }, me).observed).toBe('FILTERED');
  });

  test('some tries lost is not REACHABLE', () => {
    const v = classifyDial({ responses: ['probe-b-lab-worker-2'], errors: ['i/o timeout'] }, me);
    expect(v.observed).toBe('FILTERED');
    expect(v.detail).toMatch(/1 of 2 tries answered/);
  });

  test('Service: answers must all be backends, and at least minDistinct of them', () => {
    const svc = { kind: 'hostname' as const, expected: ['a', 'b', 'c'], minDistinct: 2 };
    expect(classifyDial({ responses: ['a', 'b', 'a'] }, svc).observed).toBe('REACHABLE');
    const one = classifyDial({ responses: ['a', 'a', 'a'] }, svc);
    expect(one.observed).toBe('WRONG_ANSWER');
    expect(one.detail).toMatch(/at least 2 different backends/);
    expect(classifyDial({ responses: ['a', 'z'] }, svc).observed).toBe('WRONG_ANSWER');
  });

  test('echo: the payload must come back intact', () => {
    const payload = 'x'.repeat(20480);
    expect(classifyDial({ responses: [payload] }, { kind: 'echo', payload }).observed).toBe('REACHABLE');
    const cut = classifyDial({ responses: [payload.slice(0, 1400)] }, { kind: 'echo', payload });
    expect(cut.observed).toBe('WRONG_ANSWER');
    expect(cut.detail).toMatch(/20480 bytes came back as 1400/);
    expect(classifyDial({ errors: ['context deadline exceeded (Client.Timeout or context cancellation while reading body)'] }, { kind: 'echo', payload }).observed).toBe('FILTERED');
    // netexec quotes the URL, payload and all: the detail names its size instead
    const lost = classifyDial({ errors: [`Get "http://10.244.2.3:8080/echo?msg=${'abc123'.repeat(3000)}": context deadline exceeded`] }, { kind: 'echo', payload });
    expect(lost.detail).toBe('Get "http://10.244.2.3:8080/echo?msg=<18000 bytes>": context deadline exceeded');
  });

  test('connect: a TLS port answering plain HTTP proves the TCP connection', () => {
    expect(classifyDial({ responses: ['Client sent an HTTP request to an HTTPS server.\n'] }, { kind: 'connect' }).observed).toBe('REACHABLE');
    expect(classifyDial({ errors: ['Get "http://10.96.0.1:443/hostname": read tcp 10.244.1.2:40000->10.96.0.1:443: read: connection reset by peer'] }, { kind: 'connect' }).observed).toBe('REACHABLE');
    expect(classifyDial({ errors: ['dial tcp 10.96.0.1:443: i/o timeout'] }, { kind: 'connect' }).observed).toBe('FILTERED');
  });

  test('error kinds', () => {
    expect(classifyDialError('connect: connection refused')).toBe('REFUSED');
    expect(classifyDialError('read: connection reset by peer')).toBe('CONNECTED');
    expect(classifyDialError('dial tcp: i/o timeout')).toBe('FILTERED');
  });
});

describe('outcomeOf', () => {
  test('a control error is an error, never a network verdict', () => {
    expect(outcomeOf('REACHABLE', 'CONTROL_ERROR')).toBe('error');
    expect(outcomeOf('REACHABLE', 'REACHABLE')).toBe('passed');
    expect(outcomeOf('REACHABLE', 'FILTERED')).toBe('failed');
    expect(outcomeOf('REFUSED', 'REFUSED')).toBe('passed');
  });
});
