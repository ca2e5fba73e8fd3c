import { describe, expect, test } from 'vitest';
import { checkControlPaths, healthzPath, PREFLIGHT_TRIES } from '../../helpers/control-preflight.ts';
import { ControlError } from '../../helpers/errors.ts';
import type { ControlClient, HttpAnswer } from '../../helpers/http.ts';
import { runNetworkCheck } from '../../helpers/check/run.ts';
import type { NetworkCheck } from '../../helpers/check/types.ts';
import { podToPodRows } from './suite-rows.ts';
import { fixtureTopology } from './topology-fixture.ts';

/** The pod proxy as seen from the runner: probes on `dead` never answer, one flaky probe answers on its second try. */
function podProxy(dead: string[], flaky = '') {
  const asked: string[] = [];
  const client = {
    async get(path: string): Promise<HttpAnswer> {
      asked.push(path);
      if (dead.some((name) => path.includes(`/pods/${name}:`))) throw new ControlError('cannot control probe: no answer within 5 s');
      if (flaky && path.includes(`/pods/${flaky}:`) && asked.filter((p) => p === path).length === 1) return { status: 503, body: 'error trying to reach service', elapsedMs: 1 };
      return { status: 200, body: 'ok', elapsedMs: 1 };
    },
  } as unknown as ControlClient;
  return { client, asked };
}

describe('control-path preflight', () => {
  test('probes the API server cannot reach are marked after every try failed; the rest, flaky ones included, are not', async () => {
    const topology = fixtureTopology();
    const { client, asked } = podProxy(['probe-a-lab-worker-2', 'probe-b-lab-worker-2'], 'probe-a-lab-worker-1');
    const unreachable = await checkControlPaths(client, topology, { concurrency: 4 });
    expect(unreachable.map((p) => p.name).sort()).toEqual(['probe-a-lab-worker-2', 'probe-b-lab-worker-2']);
    expect(unreachable[0]!.controlProblem).toMatch(/the API server cannot reach probe probe-[ab]-lab-worker-2 \(10\.244\.2\.\d on lab-worker-2\) through its pod proxy: GET \/healthz failed 3 times/);
    expect(topology.probes.find((p) => p.name === 'probe-a-lab-worker-1')!.controlProblem).toBeUndefined();
    expect(asked.filter((p) => p.includes('probe-a-lab-worker-2'))).toHaveLength(PREFLIGHT_TRIES);
    expect(healthzPath('ns', { name: 'hostnet-lab-worker-1', role: 'host' }, topology)).toBe('/api/v1/namespaces/ns/pods/hostnet-lab-worker-1:18080/proxy/healthz');
  });

  test('a row driven by an unreachable probe is a CONTROL_ERROR naming the reason, with no attempt made', async () => {
    const topology = fixtureTopology();
    topology.probes.find((p) => p.name === 'probe-a-lab-worker-2')!.controlProblem = 'the API server cannot reach probe probe-a-lab-worker-2';
    const row = podToPodRows(topology).find((r): r is NetworkCheck => r.kind === 'network' && r.drive.via === 'dial' && r.drive.control.pod === 'probe-a-lab-worker-2')!;
    const never = () => Promise.reject(new Error('no client may be built for a row that is not run'));
    const r = await runNetworkCheck(row, { namespace: topology.namespace, attempts: 2, probes: topology.probes, podPort: 8080, control: never });
    expect(r).toMatchObject({ observed: 'CONTROL_ERROR', outcome: 'error', attempts: 0 });
    expect(r.reason).toBe('cannot control probe probe-a-lab-worker-2: the API server cannot reach probe probe-a-lab-worker-2');
  });
});
