// The overlay port's rows are judged from pod round trips of the row's own IP family: on a
// dual-stack cluster the IPv6 rows dial the probes' IPv6 addresses, not their primary (IPv4) ones.
import { expect, test } from 'vitest';
import { addressOf } from '../../../helpers/check/drivers/round-trip.ts';

test("a probe's address of a family: its podIPs entry of that family, or none", () => {
  const dual = { ip: '10.244.1.5', ips: ['10.244.1.5', 'fd00:10:244:1::5'] };
  expect(addressOf(dual, 'ipv4')).toBe('10.244.1.5');
  expect(addressOf(dual, 'ipv6')).toBe('fd00:10:244:1::5');
  // Single-stack: only the primary address, and only for its own family.
  expect(addressOf({ ip: '10.244.2.7' }, 'ipv4')).toBe('10.244.2.7');
  expect(addressOf({ ip: '10.244.2.7' }, 'ipv6')).toBeUndefined();
  expect(addressOf({ ip: 'fd00:10:244:2::7' }, 'ipv6')).toBe('fd00:10:244:2::7');
  // A probe whose IPv6 address is missing (its pod got none) is left out of that family's round trips.
  expect(addressOf({ ip: '10.244.3.9', ips: ['10.244.3.9'] }, 'ipv6')).toBeUndefined();
});
