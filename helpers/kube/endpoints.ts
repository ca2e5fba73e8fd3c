// What EndpointSlices list, read as the API server sends them: a slice with no endpoints yet
// comes with `endpoints: null` (the types say an array), as a dual-stack Service's second-family
// slice does for a moment after the Service is created.
import type { V1EndpointSlice } from '@kubernetes/client-node';

/** Every endpoint address the slices list (ready or not, or only ready ones), optionally of one address family. */
export function endpointAddresses(slices: readonly V1EndpointSlice[], options: { readyOnly?: boolean; addressType?: string } = {}): string[] {
  return slices
    .filter((s) => options.addressType === undefined || s.addressType === options.addressType)
    .flatMap((s) => s.endpoints ?? [])
    .filter((e) => !options.readyOnly || e.conditions?.ready)
    .flatMap((e) => e.addresses ?? []);
}
