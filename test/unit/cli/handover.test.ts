// The hand-over to the suites' vitest child (helpers/plan.ts): the plan and the pod-proxy
// credentials travel through an inherited pipe, read to its end once; an empty pipe (the CLI
// gave up) or none in time is an error naming what was awaited. A real child process, a real pipe.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { serializeControlTransport, type Handover } from '../../../helpers/plan.ts';
import { fixtureTopology } from '../topology-fixture.ts';

const reader = path.join(import.meta.dirname, '..', 'fixtures', 'read-handover.ts');

function child(timeoutMs: number, write: (pipe: NodeJS.WritableStream) => void): Promise<{ handover?: Handover; error?: string; env?: string[] }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', reader, String(timeoutMs)], { stdio: ['ignore', 'pipe', 'inherit', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  write(proc.stdio[3] as NodeJS.WritableStream);
  return new Promise((resolve) => proc.on('exit', () => resolve(JSON.parse(out))));
}

describe('hand-over pipe', () => {
  test('plan and transport arrive whole, PEM material as text, nothing in the environment', async () => {
    const control = serializeControlTransport({
      server: 'https://172.28.0.10:6443',
      headers: { authorization: 'Bearer t0ken' },
      tls: { key: Buffer.from('-----BEGIN KEY-----\nabc\n-----END KEY-----\n'), ca: 'CA' },
    });
    const handover: Handover = { plan: { topology: fixtureTopology(), selection: { short: false }, kube: {}, concurrency: 8, attempts: 2 }, control };
    // Larger than a pipe's buffer, written in one go: read to the end, not to the first chunk.
    handover.plan.topology.nodes[0]!.podCIDRs = Array.from({ length: 20_000 }, (_, i) => `10.${i >> 8}.${i & 255}.0/24`);
    const got = await child(10_000, (pipe) => pipe.end(JSON.stringify(handover)));
    expect(got.handover).toEqual(handover);
    expect(got.handover!.control!.tls.key).toBe('-----BEGIN KEY-----\nabc\n-----END KEY-----\n');
    expect(got.env).toEqual([]);
  });

  test('a pipe closed empty (the CLI gave up) is an error at once', async () => {
    const got = await child(10_000, (pipe) => pipe.end());
    expect(got.error).toBe('kube-netconform closed the hand-over pipe (fd 3) without a run plan');
  });

  test('nothing within the timeout: an error naming what was awaited', async () => {
    let pipe: NodeJS.WritableStream | undefined;
    const got = await child(300, (p) => (pipe = p));
    pipe!.end();
    expect(got.error).toBe('timed out after 0.3 s waiting for the run plan from kube-netconform on fd 3');
  });
});
