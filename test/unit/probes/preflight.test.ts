import { describe, expect, test } from 'vitest';
import { checkControlPaths, PREFLIGHT_TRIES } from '../../../helpers/probes/preflight.ts';
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
