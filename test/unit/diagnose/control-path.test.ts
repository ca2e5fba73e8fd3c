import { describe, expect, test } from 'vitest';
import { diagnose } from '../../../helpers/diagnose/index.ts';
import { podToPod, row } from '../fixtures/results.ts';

describe('diagnosis: control-path', () => {
  test('CONTROL_ERROR rows → control path, not the network', () => {
    const results = [...podToPod(), row({ from: { node: 'worker-1' }, observed: 'CONTROL_ERROR', outcome: 'error', detail: 'pod proxy: 503 Service Unavailable' })];
    const { causes, results: diagnosed } = diagnose(results);
    expect(causes).toHaveLength(1);
    expect(causes[0]).toContain('the runner could not control the probes on worker-1 (1 check not run): the control path (API server → kubelet exec on worker-1) failed, not the pod network');
    expect(diagnosed.at(-1)!.diagnosis).toEqual(['control path, not the network: could not drive the probe on worker-1']);
  });
});
