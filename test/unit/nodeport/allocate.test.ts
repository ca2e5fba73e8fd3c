import { describe, expect, test } from 'vitest';
import { parseNodePortRange, pickNodePorts } from '../../../helpers/nodeport/allocate.ts';

describe('NodePort range', () => {
  test('read from the API server rejecting nodePort 1', () => {
    const message =
      'could not create services "nodeport-range-check": HTTP 422: Service "nodeport-range-check" is invalid: spec.ports[0].nodePort: Invalid value: 1: provided port is not in the valid range. The range of valid ports is 30000-32767';
    expect(parseNodePortRange(message)).toEqual({ low: 30000, high: 32767, source: 'cluster' });
    expect(parseNodePortRange('range of valid ports is 20000-22767')).toMatchObject({ low: 20000, high: 22767 });
  });

  test('anything else is not a range', () => {
    expect(parseNodePortRange('forbidden')).toBeUndefined();
    expect(parseNodePortRange('The range of valid ports is 5-2')).toBeUndefined();
  });
});

describe('pickNodePorts', () => {
  const range = { low: 30000, high: 32767 };

  test('free range: both ends and the middle (the same midpoint the ports suite samples)', () => {
    expect(pickNodePorts({ range, used: [] })).toEqual({
      ports: [
        { position: 'low', nodePort: 30000 },
        { position: 'middle', nodePort: 31383 },
        { position: 'high', nodePort: 32767 },
      ],
      notes: [],
    });
  });

  test('taken ports: the nearest free one, inward from the ends, outward from the middle, and a note', () => {
    const picked = pickNodePorts({ range, used: [30000, 30001, 32767, 31383, 31384] });
    expect(picked.ports).toEqual([
      { position: 'low', nodePort: 30002 },
      { position: 'middle', nodePort: 31382 },
      { position: 'high', nodePort: 32766 },
    ]);
    expect(picked.notes).toEqual(['low end 30000 is in use: using 30002', 'high end 32767 is in use: using 32766', 'middle 31383 is in use: using 31382']);
  });

  test('a tiny range still gets three different ports', () => {
    const picked = pickNodePorts({ range: { low: 30000, high: 30002 }, used: [] });
    expect(new Set(picked.ports.map((p) => p.nodePort)).size).toBe(3);
  });

  test('no free port left: an error naming the range', () => {
    expect(() => pickNodePorts({ range: { low: 30000, high: 30002 }, used: [30000, 30001] })).toThrow(/no free NodePort left in 30000-30002/);
  });
});
