import dgram from 'node:dgram';
import net from 'node:net';
import { describe, expect, test } from 'vitest';
import { checkControlPaths, PREFLIGHT_TRIES, SERVING_WAIT_S, servingCommand } from '../../../helpers/probes/preflight.ts';
import { ProbeStreams } from '../../../helpers/probes/stream.ts';
import { runNetworkCheck } from '../../../helpers/check/run.ts';
import type { NetworkCheck } from '../../../helpers/check/types.ts';
import { localExec } from './local-exec.ts';
import { podToPodRows } from '../suite-rows.ts';
import { fixtureTopology } from '../topology-fixture.ts';

describe('control-path preflight: one command through each probe exec stream', () => {
  test('probes whose exec stream cannot be opened are marked after every try failed, with the reason; the rest are not', async () => {
    const topology = fixtureTopology();
    const opened: string[] = [];
    const client = localExec({ dead: ['probe-a-lab-worker-2', 'probe-b-lab-worker-2'], opened });
    const unreachable = await checkControlPaths(client, topology, { concurrency: 4 });
    expect(unreachable.map((p) => p.name).sort()).toEqual(['probe-a-lab-worker-2', 'probe-b-lab-worker-2']);
    expect(unreachable[0]!.controlProblem).toMatch(
      /^cannot command probe probe-[ab]-lab-worker-2 \(on lab-worker-2\) through the API server's exec: 2 tries failed \(cannot run commands in probe probe-[ab]-lab-worker-2 through the API server's exec: .*handshake failed/,
    );
    expect(topology.probes.find((p) => p.name === 'probe-a-lab-worker-1')!.controlProblem).toBeUndefined();
    expect(opened.filter((p) => p === 'probe-a-lab-worker-2')).toHaveLength(PREFLIGHT_TRIES);
    expect(opened.filter((p) => p === 'probe-a-lab-worker-1')).toHaveLength(1);
  });

  test('a try that used its whole deadline (the stream never opened) is not made again; the reason names the timeout', async () => {
    for (const [how, reason] of [
      ['hang', 'the WebSocket did not open within 0.3 s'],
      ['silent', 'the command loop in probe probe-a-lab-worker-2 did not say ready within 0.3 s'],
    ] as const) {
      const topology = fixtureTopology();
      const opened: string[] = [];
      const started = performance.now();
      const unreachable = await checkControlPaths(localExec({ [how]: ['probe-a-lab-worker-2'], opened }), topology, { concurrency: 4, tryMs: 300 });
      expect(performance.now() - started, how).toBeLessThan(PREFLIGHT_TRIES * 300);
      expect(unreachable.map((p) => p.name)).toEqual(['probe-a-lab-worker-2']);
      expect(opened.filter((p) => p === 'probe-a-lab-worker-2')).toHaveLength(1);
      expect(unreachable[0]!.controlProblem).toMatch(
        /^cannot command probe probe-a-lab-worker-2 \(on lab-worker-2\) through the API server's exec: the try failed \(cannot run commands in probe probe-a-lab-worker-2 through the API server's exec: /,
      );
      expect(unreachable[0]!.controlProblem).toContain(reason);
    }
  });

  test('a quick refusal is tried again: a probe whose stream opens on the second try is not marked', async () => {
    const topology = fixtureTopology();
    const opened: string[] = [];
    const unreachable = await checkControlPaths(localExec({ failFirst: ['probe-a-lab-worker-2'], opened }), topology, { concurrency: 4, tryMs: 5_000 });
    expect(unreachable).toEqual([]);
    expect(topology.probes.find((p) => p.name === 'probe-a-lab-worker-2')!.controlProblem).toBeUndefined();
    expect(opened.filter((p) => p === 'probe-a-lab-worker-2')).toHaveLength(2);
  });

  test('a row made in an unreachable probe is a CONTROL_ERROR naming the reason, with no attempt made', async () => {
    const topology = fixtureTopology();
    topology.probes.find((p) => p.name === 'probe-a-lab-worker-2')!.controlProblem = 'cannot command probe probe-a-lab-worker-2';
    const row = podToPodRows(topology).find((r): r is NetworkCheck => r.kind === 'network' && r.drive.via === 'probe' && r.drive.control.pod === 'probe-a-lab-worker-2')!;
    const never = () => Promise.reject(new Error('no stream may be opened for a row that is not run'));
    const r = await runNetworkCheck(row, { namespace: topology.namespace, attempts: 2, probes: topology.probes, podPort: 8080, streams: never });
    expect(r).toMatchObject({ observed: 'CONTROL_ERROR', outcome: 'error', attempts: 0 });
    expect(r.reason).toBe('cannot control probe probe-a-lab-worker-2: cannot command probe probe-a-lab-worker-2');
  });
});

describe("the preflight is the probes' readiness: each port answers from inside the probe", () => {
  test('servers that answer on every port: ok; a port nothing answers on: "not serving" naming it, after the wait', async () => {
    const tcp = net.createServer((s) => s.end());
    const udp = dgram.createSocket('udp4').on('message', (_m, from) => udp.send('probe-a', from.port, from.address));
    await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
    await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
    // Port 1 (loopback): below the ephemeral range, so no other test's server can take it meanwhile.
    const closedPort = 1;
    const streams = new ProbeStreams(localExec(), 'ns');
    try {
      const ports = { tcp: [(tcp.address() as net.AddressInfo).port], udp: [udp.address().port] };
      const ok = await streams.run('probe-a', servingCommand(ports, 1), { timeoutMs: 5_000 });
      expect(ok).toMatchObject({ exitCode: 0, output: 'ok' });
      for (const [what, p] of [
        ['tcp', { ...ports, tcp: [...ports.tcp, closedPort] }],
        ['udp', { ...ports, udp: [...ports.udp, closedPort] }],
      ] as const) {
        const started = performance.now();
        const out = await streams.run('probe-a', servingCommand(p, 1), { timeoutMs: 5_000 });
        expect(out, what).toMatchObject({ exitCode: 1, output: `not serving: nothing answered on ${closedPort}/${what}` });
        expect(performance.now() - started, what).toBeGreaterThan(900);
      }
    } finally {
      streams.close();
      tcp.close();
      udp.close();
    }
  });

  test('a probe whose servers never answer is not ready, with the reason; its stream is kept, and it is no control problem', async () => {
    const topology = fixtureTopology();
    const streams = new ProbeStreams(localExec(), topology.namespace, { openTimeoutMs: 5_000 });
    try {
      // Nothing listens on port 1 (loopback; below the ephemeral range, so no other test's server takes it).
      const port = 1;
      const probe = topology.probes.find((p) => p.name === 'probe-a-lab-worker-1')!;
      const only = { ...topology, probes: [probe] };
      const unreachable = await checkControlPaths(streams.control, only, { concurrency: 1, streams, serving: () => ({ tcp: [port], udp: [] }) });
      expect(unreachable).toEqual([]);
      expect(probe).toMatchObject({ ready: false, problem: `its servers did not start: nothing answered on ${port}/tcp within ${SERVING_WAIT_S} s of the container's start` });
      expect(probe.controlProblem).toBeUndefined();
      expect(streams.streamsOpened()).toBe(1);
    } finally {
      streams.close();
    }
  }, 20_000);
});
