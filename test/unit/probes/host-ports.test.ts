import { describe, expect, test } from 'vitest';
import { HOST_PORT_RANGE, isHostPortConflict, pickHostPort, usedHostPorts } from '../../../helpers/probes/host-ports.ts';
import type { Pod } from '../../../helpers/kube/index.ts';

const hostPod = (ports: number[], phase = 'Running'): Pod =>
  ({ spec: { hostNetwork: true, containers: [{ name: 'c', ports: ports.map((containerPort) => ({ containerPort })) }] }, status: { phase } }) as Pod;

describe('host-network probe ports, per run', () => {
  test('a hostNetwork pod claims its containerPorts; other pods only explicit hostPorts; finished pods nothing', () => {
    const podNet = { spec: { containers: [{ name: 'c', ports: [{ containerPort: 8080 }, { containerPort: 9000, hostPort: 19000 }] }] } } as Pod;
    expect([...usedHostPorts([hostPod([18080, 18081]), podNet, hostPod([18500], 'Succeeded')])].sort()).toEqual([18080, 18081, 19000]);
  });

  test("another run's pair is skipped; the pick is a whole free pair (HTTP, UDP = +1)", () => {
    expect(pickHostPort({ used: [18080, 18081] })).toBe(18082);
    expect(pickHostPort({ used: [18083] })).toBe(18080);
    expect(pickHostPort({ used: [18081], start: 0 })).toBe(18082);
  });

  test('from a random start it wraps around the range, and says when nothing is free', () => {
    const pairs = (HOST_PORT_RANGE.high - HOST_PORT_RANGE.low + 1) / 2;
    expect(pickHostPort({ used: [HOST_PORT_RANGE.low + 2 * (pairs - 1)], start: pairs - 1 })).toBe(HOST_PORT_RANGE.low);
    const all = Array.from({ length: HOST_PORT_RANGE.high - HOST_PORT_RANGE.low + 1 }, (_, i) => HOST_PORT_RANGE.low + i);
    expect(pickHostPort({ used: all })).toBeUndefined();
  });

  test("the scheduler's host-port clash is recognised, other reasons are not", () => {
    expect(isHostPortConflict("Pending: Unschedulable (0/3 nodes are available: 1 node(s) didn't have free ports for the requested pod ports.)")).toBe(true);
    expect(isHostPortConflict('CrashLoopBackOff; last exit 1: listen tcp :18080: bind: address already in use')).toBe(true);
    expect(isHostPortConflict('ImagePullBackOff: back-off pulling image')).toBe(false);
    expect(isHostPortConflict(undefined)).toBe(false);
  });
});
