import { describe, expect, test } from 'vitest';
import { overlaps, serviceRangeOverlaps } from '../../helpers/cidr.ts';

describe('Service range overlap', () => {
  test('IPv4 ranges and addresses', () => {
    expect(overlaps('10.96.0.0/12', '10.96.0.1')).toBe(true);
    expect(overlaps('10.96.0.0/12', '10.111.255.255')).toBe(true);
    expect(overlaps('10.96.0.0/12', '10.112.0.0')).toBe(false);
    expect(overlaps('10.96.0.0/12', '10.244.0.0/16')).toBe(false);
    expect(overlaps('10.0.0.0/8', '10.244.1.0/24')).toBe(true);
  });

  test('IPv6, and families never overlap each other', () => {
    expect(overlaps('fd00:10:96::/112', 'fd00:10:96::1')).toBe(true);
    expect(overlaps('fd00:10:96::/112', 'fd00:10:97::1')).toBe(false);
    expect(overlaps('10.96.0.0/12', 'fd00::1')).toBe(false);
  });

  test('names what overlaps', () => {
    const found = serviceRangeOverlaps({
      serviceCIDRs: ['10.0.0.0/8'],
      nodeAddresses: [
        { node: 'n1', address: '172.28.0.11' },
        { node: 'n2', address: '10.1.2.3' },
      ],
      podCIDRs: [{ node: 'n1', cidr: '10.244.1.0/24' }],
    });
    expect(found.map((f) => f.what)).toEqual(['node n2 address 10.1.2.3', 'node n1 pod CIDR 10.244.1.0/24']);
    expect(serviceRangeOverlaps({ serviceCIDRs: ['10.96.0.0/12'], nodeAddresses: [{ node: 'n1', address: '172.28.0.11' }], podCIDRs: [{ node: 'n1', cidr: '10.244.1.0/24' }] })).toEqual([]);
  });
});
