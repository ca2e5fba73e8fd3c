import { describe, expect, test } from 'vitest';
import { judgeReply, nodePortOutcome, observationOfFailure } from '../../../helpers/nodeport/probe.ts';

describe('nodeport verdicts', () => {
  const cluster = { answer: { kind: 'hostname' as const, expected: 'nodeport-backend' }, expect: 'REACHABLE' as const };
  const local = { answer: { kind: 'clientip' as const }, expect: 'REACHABLE' as const };

  test('Cluster: the answer must come from the backend', () => {
    expect(judgeReply(cluster, { ok: true, body: 'nodeport-backend' }, '172.28.0.1')).toEqual({ observed: 'REACHABLE', detail: 'answered by nodeport-backend' });
    expect(judgeReply(cluster, { ok: true, body: 'somebody-else' }, '172.28.0.1').observed).toBe('WRONG_ANSWER');
  });

  test("Local: the backend must see the runner's own address (TCP 'ip:port', UDP the same)", () => {
    expect(judgeReply(local, { ok: true, body: '172.28.0.1:45678' }, '172.28.0.1').observed).toBe('REACHABLE');
    const snat = judgeReply(local, { ok: true, body: '10.244.1.1:45678' }, '172.28.0.1');
    expect(snat.observed).toBe('WRONG_ANSWER');
    expect(snat.detail).toMatch(/saw 10\.244\.1\.1 instead of the runner's address 172\.28\.0\.1.*SNAT/);
  });

  test('Local without an endpoint: any answer means the node answered (REACHABLE), whatever it said', () => {
    expect(judgeReply({ ...local, expect: 'FILTERED' }, { ok: true, body: '10.244.2.0:4444' }, '172.28.0.1')).toMatchObject({ observed: 'REACHABLE', detail: expect.stringContaining('although no endpoint runs on this node') });
  });

  test('failures: refused, filtered (timeout, unreachable), an HTTP error is a wrong answer', () => {
    expect(observationOfFailure('ECONNREFUSED')).toBe('REFUSED');
    for (const code of ['TimeoutError', 'UND_ERR_CONNECT_TIMEOUT', 'EHOSTUNREACH', 'ENETUNREACH']) expect(observationOfFailure(code)).toBe('FILTERED');
    expect(observationOfFailure('HTTP 503')).toBe('WRONG_ANSWER');
  });

  test('"must not answer" passes when dropped or refused, fails when it answers', () => {
    expect(nodePortOutcome({ expect: 'FILTERED' }, 'FILTERED')).toBe('passed');
    expect(nodePortOutcome({ expect: 'FILTERED' }, 'REFUSED')).toBe('passed');
    expect(nodePortOutcome({ expect: 'FILTERED' }, 'REACHABLE')).toBe('failed');
    expect(nodePortOutcome({ expect: 'REACHABLE' }, 'FILTERED')).toBe('failed');
    expect(nodePortOutcome({ expect: 'REACHABLE' }, 'NOT_RUN')).toBe('error');
  });
});
