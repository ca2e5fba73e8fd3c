import { describe, expect, test } from 'vitest';
import { attributeRoundTrips, type RoundTrip } from '../../../helpers/check/drivers/path-traffic.ts';

const trip = (a: string, b: string, ok: boolean): RoundTrip => ({ a, b, result: ok ? 'ok' : 'failed', detail: ok ? 'REACHABLE' : 'FILTERED' });
const noVerdict = (a: string, b: string): RoundTrip => ({ a, b, result: 'no-verdict', detail: 'CONTROL_ERROR: cannot control probe' });

describe('kernel-owned ports judged from pod round trips', () => {
  test('all round trips work: every direction open', () => {
    const trips = [trip('cp', 'w1', true), trip('cp', 'w2', true), trip('w1', 'w2', true)];
    expect(attributeRoundTrips(trips, 'cp', 'w2')).toMatchObject({ result: 'open' });
  });

  test('every pair with w2 fails: traffic into w2 is blocked, traffic out of w2 into its peers is not', () => {
    const trips = [trip('cp', 'w1', true), trip('cp', 'w2', false), trip('w1', 'w2', false)];
    expect(attributeRoundTrips(trips, 'cp', 'w2')).toMatchObject({ result: 'blocked', detail: expect.stringContaining('traffic into w2 is dropped') });
    expect(attributeRoundTrips(trips, 'w1', 'w2').result).toBe('blocked');
    expect(attributeRoundTrips(trips, 'w2', 'cp')).toMatchObject({ result: 'open', detail: expect.stringContaining('on the way into w2') });
    expect(attributeRoundTrips(trips, 'w2', 'w1').result).toBe('open');
  });

  test('one pair only, or two nodes: the direction cannot be told, so both fail', () => {
    const onePair = [trip('cp', 'w1', true), trip('cp', 'w2', true), trip('w1', 'w2', false)];
    expect(attributeRoundTrips(onePair, 'w1', 'w2')).toMatchObject({ result: 'blocked', detail: expect.stringContaining('cannot be told') });
    expect(attributeRoundTrips(onePair, 'w2', 'w1').result).toBe('blocked');
    expect(attributeRoundTrips([trip('a', 'b', false)], 'a', 'b').result).toBe('blocked');
    expect(attributeRoundTrips([trip('a', 'b', false)], 'b', 'a').result).toBe('blocked');
  });

  test('a pair never measured, or measured with no verdict, is unknown: not a pass and not a drop', () => {
    expect(attributeRoundTrips([], 'a', 'b')).toMatchObject({ result: 'unknown', detail: expect.stringContaining('was measured') });
    const trips = [trip('cp', 'w1', true), trip('cp', 'w2', true), noVerdict('w1', 'w2')];
    expect(attributeRoundTrips(trips, 'w1', 'w2')).toMatchObject({ result: 'unknown', detail: expect.stringContaining('CONTROL_ERROR') });
  });

  test('a round trip with no verdict is no evidence: w2 does not "fail everywhere" when one of its trips could not be asked', () => {
    const trips = [trip('cp', 'w1', true), trip('cp', 'w2', false), noVerdict('w1', 'w2')];
    expect(attributeRoundTrips(trips, 'cp', 'w2')).toMatchObject({ result: 'blocked', detail: expect.stringContaining('cannot be told') });
    expect(attributeRoundTrips(trips, 'w2', 'cp')).toMatchObject({ result: 'blocked', detail: expect.stringContaining('cannot be told') });
  });
});
