// The mesh fixtures the narrow rules are tested on must stay the shape of a real run's rows:
// compared here with the engine's own row builder on a planned 3-node topology.
import { describe, expect, test } from 'vitest';
import { checks, podToPodRows, podToServiceRows } from '../suite-rows.ts';
import { fixtureTopology } from '../topology-fixture.ts';
import { podMesh, serviceMesh } from '../fixtures/results.ts';

type Shape = { from: { node: string; kind: string; pod?: string }; to: { node: string; kind: string; pod?: string }; protocol: string; payload?: string };
/** A row's shape with node names replaced by their index and pods by their role. */
function shape(nodes: readonly string[], r: Shape): string {
  const role = (pod = '') => (pod.startsWith('hostnet-') ? 'hostnet' : pod.split('-').slice(0, 2).join('-'));
  const end = (e: Shape['from']) => `${nodes.indexOf(e.node)}:${e.kind}:${role(e.pod)}`;
  return `${end(r.from)} → ${end(r.to)} ${r.protocol} ${r.payload}`;
}

describe('podMesh fixture', () => {
  test.each([false, true])('same rows as the suite modules build (short: %s)', (short) => {
    const topology = fixtureTopology();
    const nodes = topology.nodes.map((n) => n.name);
    const engine = checks(podToPodRows(topology, { short })).map((r) => shape(nodes, { ...r, protocol: r.target.protocol }));
    const fixture = podMesh({ short }).map((r) => shape(['cp-1', 'worker-1', 'worker-2'], r));
    expect(fixture.sort()).toEqual(engine.sort());
  });

  test('serviceMesh: the same probes-Service rows as the suite modules build', () => {
    const topology = fixtureTopology();
    const nodes = topology.nodes.map((n) => n.name);
    const engine = checks(podToServiceRows(topology))
      .filter((r) => r.properties?.['service'] === 'probes')
      .map((r) => shape(nodes, { ...r, protocol: r.target.protocol }));
    expect(
      serviceMesh()
        .map((r) => shape(['cp-1', 'worker-1', 'worker-2'], r))
        .sort(),
    ).toEqual(engine.sort());
  });
});
