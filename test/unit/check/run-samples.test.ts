// The one retry loop with samples, end to end through the outside driver against a UDP server
// on loopback that drops every n-th request it gets (a lossy path), and one that always answers.
import dgram from 'node:dgram';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runNetworkCheck, type RunContext } from '../../../helpers/check/run.ts';
import type { NetworkCheck } from '../../../helpers/check/types.ts';

let seen = 0;
let dropEvery = 0;
let server: dgram.Socket;
let port = 0;

beforeAll(async () => {
  server = dgram.createSocket('udp4');
  server.on('message', (_msg, from) => {
    seen++;
    if (dropEvery > 0 && seen % dropEvery === 0) return;
    server.send('backend', from.port, from.address);
  });
  await new Promise<void>((resolve) => server.bind(0, '127.0.0.1', resolve));
  port = server.address().port;
});
afterAll(() => server.close());

const check = (): NetworkCheck => ({
  kind: 'network',
  suite: 'nodeport',
  title: 'runner → lo',
  from: { kind: 'runner', node: '', ip: '127.0.0.1', family: 'ipv4' },
  to: { kind: 'nodeport', node: 'n1', ip: '127.0.0.1', family: 'ipv4' },
  protocol: 'udp',
  port,
  family: 'ipv4',
  expect: 'REACHABLE',
  expectReason: 'answers',
  answer: { kind: 'hostname', expected: ['backend'] },
  drive: { via: 'outside', target: { host: '127.0.0.1', port }, timeoutMs: 300 },
});
const ctx = (extra: Partial<RunContext>): RunContext => ({
  namespace: 'ns',
  attempts: 2,
  probes: [],
  podPort: 8080,
  streams: () => Promise.reject(new Error('no probe streams in this test')),
  ...extra,
});

describe('samples through the one retry loop', () => {
  test('a clean path: every sample answered, timed, 0 % loss, no reproduction command', async () => {
    dropEvery = 0;
    const r = await runNetworkCheck(check(), ctx({ samples: 4 }));
    expect(r).toMatchObject({ outcome: 'passed', attempts: 1, samples: { sent: 4, lost: 0, lossPct: 0 } });
    // Timed by the runner per sample: measured (a loopback round trip may round to 0.0 ms) and well inside the 300 ms deadline.
    expect(r.samples?.p50Ms).toBeTypeOf('number');
    expect(r.samples?.p99Ms).toBeLessThan(300);
    expect(r.reproduce).toBeUndefined();
  });

  test('a lossy path fails with "lost K of N" over all attempts, with the nc line to see it again', async () => {
    dropEvery = 3;
    seen = 0;
    const r = await runNetworkCheck(check(), ctx({ samples: 3 }));
    expect(r.outcome).toBe('failed');
    expect(r.observed).toBe('FILTERED');
    expect(r.detail).toMatch(/lost 2 of 6/);
    expect(r.samples).toMatchObject({ sent: 6, lost: 2, lossPct: 33.3 });
    expect(r.reproduce).toBe(`echo hostname | nc -u -w 3 127.0.0.1 ${port}`);
  });

  test('the same path within --max-loss passes and keeps the measured loss', async () => {
    dropEvery = 3;
    seen = 0;
    const r = await runNetworkCheck(check(), ctx({ samples: 3, maxLossPct: 40 }));
    expect(r).toMatchObject({ outcome: 'passed', attempts: 1, samples: { sent: 3, lost: 1 } });
    expect(r.detail).toContain('lost 1 of 3 (within --max-loss 40 %)');
  });
});
