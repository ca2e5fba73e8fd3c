import { describe, expect, test } from 'vitest';
import { samplePortRange } from '../../../helpers/ports/sampling.ts';

describe('range sampling', () => {
  test('the NodePort range is checked at both ends and once inside, and says so', () => {
    expect(samplePortRange({ low: 30000, high: 32767 })).toEqual({
      ports: [30000, 31383, 32767],
      sampled: true,
      note: 'sampled 3 of 2768 ports of 30000-32767: both ends and 31383 inside',
    });
  });

  test('short ranges are checked whole', () => {
    expect(samplePortRange({ low: 2379, high: 2380 })).toEqual({ ports: [2379, 2380], sampled: false });
    expect(samplePortRange({ low: 10, high: 12 }).ports).toEqual([10, 11, 12]);
  });

  test('the port inside is the midpoint, rounded down, never a random one (two runs check the same ports)', () => {
    expect(samplePortRange({ low: 1000, high: 2000 }).ports).toEqual([1000, 1500, 2000]);
    expect(samplePortRange({ low: 1000, high: 2001 }).ports).toEqual([1000, 1500, 2001]);
    expect(samplePortRange({ low: 20, high: 23 }).ports).toEqual([20, 21, 23]);
  });

  test('nonsense ranges are refused', () => {
    expect(() => samplePortRange({ low: 5, high: 1 })).toThrow(/invalid port range 5-1/);
    expect(() => samplePortRange({ low: 0, high: 70000 })).toThrow(RangeError);
  });
});
