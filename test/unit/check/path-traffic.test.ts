import { describe, expect, test } from 'vitest';
import { attributeRoundTrips, type RoundTrip } from '../../../helpers/check/drivers/path-traffic.ts';

const trip = (a: string, b: string, ok: boolean): RoundTrip => ({ a, b, ok, detail: ok ? 'REACHABLE' : 'FILTERED' });

describe('kernel-owned ports judged from pod round trips', () => {
  test('all round trips work: every direction open', () => {
    const trips = [trip('cp', 'w1', true), trip('cp', 'w2', true), trip('w1', 'w2', true)];
    expect(attributeRoundTrips(trips, 'cp', 'w2')).toMatchObject({ ok: true });
  });

  test('every pair with w2 fails: traffic into w2 is blocked, traffic out of w2 into its peers is not', () => {
    const trips = [trip('cp', 'w1', true), trip('cp', 'w2', false), trip('w1', 'w2', false)];
    expect(attributeRoundTrips(trips, 'cp', 'w2')).toMatchObject({ ok: false, detail: expect.stringContaining('traffic into w2 is dropped') });
    expect(attributeRoundTrips(trips, 'w1', 'w2').ok).toBe(false);
    expect(attributeRoundTrips(trips, 'w2', 'cp')).toMatchObject({ ok: true, detail: expect.stringContaining('on the way into w2') });
    expect(attributeRoundTrips(trips, 'w2', 'w1').ok).toBe(true);
  });

  test('one pair only, or two nodes: the direction cannot be told, so both fail', () => {
    const onePair = [trip('cp', 'w1', true), trip('cp', 'w2', true), trip('w1', 'w2', false)];
    expect(attributeRoundTrips(onePair, 'w1', 'w2')).toMatchObject({ ok: false, detail: expect.stringContaining('cannot be told') });
    expect(attributeRoundTrips(onePair, 'w2', 'w1').ok).toBe(false);
    expect(attributeRoundTrips([trip('a', 'b', false)], 'a', 'b').ok).toBe(false);
    expect(attributeRoundTrips([trip('a', 'b', false)], 'b', 'a').ok).toBe(false);
  });

  test('a pair never measured is not a pass', () => {
    expect(attributeRoundTrips([], 'a', 'b').ok).toBe(false);
  });
});
