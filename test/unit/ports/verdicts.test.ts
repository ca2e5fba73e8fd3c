import { describe, expect, test } from 'vitest';
import { classifyConnect, judgePort } from '../../../helpers/ports/verdicts.ts';

const tcp = { protocol: 'tcp' as const };

describe('agnhost connect → port verdict', () => {
  test.each([
    { exitCode: 0, stderr: '', verdict: 'open' },
    { exitCode: 1, stderr: 'REFUSED\n', verdict: 'refused' },
    { exitCode: 1, stderr: 'TIMEOUT\n', verdict: 'filtered' },
    { exitCode: 1, stderr: 'OTHER: dial tcp 10.0.0.12:10250: connect: no route to host\n', verdict: 'filtered' },
    { exitCode: 1, stderr: 'DNS: lookup nosuch: no such host\n', verdict: 'error' },
    { exitCode: 1, stderr: 'OTHER: something odd\n', verdict: 'error' },
    { exitCode: 1, stderr: 'UNKNOWN: missing port in address\n', verdict: 'error' },
    { exitCode: 127, stderr: 'exec: "/agnhost": not found', verdict: 'error' },
  ])('exit $exitCode, stderr "$stderr" → $verdict', ({ exitCode, stderr, verdict }) => {
    expect(classifyConnect({ exitCode, stderr }, tcp).verdict).toBe(verdict);
  });

  test('UDP timeouts say a silent listener looks the same as a drop', () => {
    const r = classifyConnect({ exitCode: 1, stderr: 'TIMEOUT: read udp 10.0.0.11:41000->10.0.0.12:8472: i/o timeout' }, { protocol: 'udp' });
    expect(r).toEqual({ verdict: 'filtered', detail: 'no UDP answer within the timeout: dropped on the way, or the listener does not reply' });
  });

  test('a firewall reject (ICMP host prohibited) is filtered, with the kernel\'s words kept', () => {
    const r = classifyConnect({ exitCode: 1, stderr: 'OTHER: dial tcp 10.0.0.12:6443: connect: no route to host' }, tcp);
    expect(r.detail).toBe('rejected by a firewall or the network (dial tcp 10.0.0.12:6443: connect: no route to host)');
  });
});

describe('verdict vs the rule\'s expectation', () => {
  const open = { verdict: 'open' as const, detail: 'TCP connection established' };
  const refused = { verdict: 'refused' as const, detail: 'connection refused (RST)' };
  const filtered = { verdict: 'filtered' as const, detail: 'no answer' };

  test('open rule: only a connection passes', () => {
    expect(judgePort(open, { expect: 'open' })).toMatchObject({ outcome: 'passed', expect: 'REACHABLE', observed: 'REACHABLE' });
    expect(judgePort(filtered, { expect: 'open' })).toEqual({
      outcome: 'failed',
      expect: 'REACHABLE',
      observed: 'FILTERED',
      detail: 'expected open, got filtered (mismatch): no answer',
    });
    expect(judgePort(refused, { expect: 'open' }).outcome).toBe('failed');
  });

  test('closed rule: refused and filtered pass, a connection fails', () => {
    expect(judgePort(refused, { expect: 'closed' }).outcome).toBe('passed');
    expect(judgePort(filtered, { expect: 'closed' }).outcome).toBe('passed');
    expect(judgePort(open, { expect: 'closed' })).toMatchObject({ outcome: 'failed', observed: 'REACHABLE', detail: 'expected closed, got open (mismatch): TCP connection established' });
  });

  test('no listener could be placed: refused shows the firewall passes, and says what it cannot tell', () => {
    const j = judgePort(refused, { expect: 'open', refusedCountsAsOpen: true });
    expect(j.outcome).toBe('passed');
    expect(j.detail).toContain('a firewall rejecting with a TCP reset would look the same');
  });

  test('no verdict is an error row, never a pass or a network failure', () => {
    expect(judgePort({ verdict: 'error', detail: 'DNS: x' }, { expect: 'closed' })).toMatchObject({ outcome: 'error', observed: 'CONTROL_ERROR' });
  });
});
