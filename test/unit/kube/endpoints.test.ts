import { describe, expect, test } from 'vitest';
import { endpointAddresses, type EndpointSlice } from '../../../helpers/kube/index.ts';

// As the API server sent them for a dual-stack Service a moment after its creation: the IPv6
// slice exists with `endpoints: null` (JSON null, not an empty list) while the IPv4 one is filled.
const slices = JSON.parse(`[
  {"addressType":"IPv4","endpoints":[
    {"addresses":["10.244.1.5"],"conditions":{"ready":true}},
    {"addresses":["10.244.2.6"],"conditions":{"ready":false}}]},
  {"addressType":"IPv6","endpoints":null}
]`) as EndpointSlice[];

describe('EndpointSlice addresses', () => {
  test('a slice with endpoints: null lists nothing, and reading it does not throw', () => {
    expect(endpointAddresses(slices, { addressType: 'IPv6' })).toEqual([]);
    expect(endpointAddresses(slices, { readyOnly: true, addressType: 'IPv6' })).toEqual([]);
  });

  test('ready only, per family, or all', () => {
    expect(endpointAddresses(slices, { readyOnly: true, addressType: 'IPv4' })).toEqual(['10.244.1.5']);
    expect(endpointAddresses(slices)).toEqual(['10.244.1.5', '10.244.2.6']);
    expect(endpointAddresses([])).toEqual([]);
  });
});
