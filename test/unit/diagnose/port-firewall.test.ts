import { describe, expect, test } from 'vitest';
import { diagnose } from '../../../helpers/diagnose/index.ts';
import { podToPod, ports } from '../fixtures/results.ts';

describe('diagnosis: port-firewall', () => {
  test('one port failing between nodes → that port on the target node, with who cannot reach it', () => {
    const results = [...podToPod(), ...ports({ portList: [10250, 10259], fault: (r) => (r.to.node === 'worker-2' && r.port === 10250 ? 'FILTERED' : undefined) })];
    const { causes } = diagnose(results);
    expect(causes).toEqual(["TCP 10250 on worker-2 is filtered from cp-1, worker-1, while other nodes accept it: open TCP 10250 on worker-2's firewall for traffic from those nodes"]);
  });

  test('a port that must be closed but answers → says firewall it', () => {
    const open10255 = ports({ portList: [10255] }).map((r) => ({ ...r, expect: 'CLOSED' as const, outcome: 'failed' as const, properties: { why: 'read-only kubelet API' } }));
    const { causes } = diagnose(open10255.filter((r) => r.to.node === 'cp-1'));
    expect(causes[0]).toBe('TCP 10255 on cp-1 is reachable from worker-1, worker-2 but must be closed (read-only kubelet API): firewall it on cp-1 or turn the service off');
  });
});
