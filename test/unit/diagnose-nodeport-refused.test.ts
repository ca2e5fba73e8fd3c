import { describe, expect, test } from 'vitest';
import { diagnose } from '../../helpers/diagnose.ts';
import { nodePort, podToPod, podToService, ports } from './fixtures/results.ts';

describe('diagnosis of NodePorts failing on one node', () => {
  test('dropped (FILTERED) → that node\'s firewall for the NodePort range', () => {
    const results = [...podToPod(), ...podToService(), ...nodePort({ fault: (r) => (r.to.node === 'worker-2' ? 'FILTERED' : undefined) }), ...ports()];
    expect(diagnose(results).causes).toEqual([expect.stringContaining("worker-2's firewall drops the NodePort range")]);
  });

  test('refused → nothing serves them there: the Service proxy on that node, not a firewall', () => {
    const results = [...podToPod(), ...podToService(), ...nodePort({ fault: (r) => (r.to.node === 'worker-2' ? 'REFUSED' : undefined) }), ...ports()];
    const { causes } = diagnose(results);
    expect(causes).toHaveLength(1);
    expect(causes[0]).toMatch(/is refused on worker-2 .*Service proxy on worker-2 has not programmed these NodePorts/);
    expect(causes[0]).not.toMatch(/firewall/);
  });
});
