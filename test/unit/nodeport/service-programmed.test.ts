// The paths through this run's Services wait for kube-proxy's programming lag themselves: after
// the endpoints, one probe per node looks at the Service's ClusterIP until it is not refused.
// Here the probes' side is the real command loop (bash, through a local stand-in for the exec
// stream) and the "ClusterIP" a loopback port that refuses, answers, or starts answering later.
import net from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { awaitServiceProgrammed, PROGRAMMING_WAIT_MS, stillRefusedNote } from '../../../helpers/nodeport/programmed.ts';
import { ProbeStreams } from '../../../helpers/probes/stream.ts';
import { localExec } from '../probes/local-exec.ts';
import { closedPort, listenLoopback } from '../probes/loopback.ts';
import { fixtureTopology } from '../topology-fixture.ts';

/** The fixture's topology with every probe on loopback: a look from any of them reaches the test's port. */
function loopbackTopology() {
  const topology = fixtureTopology();
  for (const p of topology.probes) p.ip = '127.0.0.1';
  return topology;
}

const open: Array<{ close: () => void }> = [];
afterEach(() => {
  for (const o of open.splice(0)) o.close();
});

function looker() {
  const opened: string[] = [];
  const streams = new ProbeStreams(localExec({ opened }), 'ns');
  open.push(streams);
  return { streams, opened };
}

describe('a Service path waits for kube-proxy on every node before its checks', () => {
  test('a Service that answers: no node is left refusing, and each node looked from its host probe', async () => {
    const server = net.createServer((s) => s.end());
    open.push(server);
    const port = await listenLoopback(server);
    const { streams, opened } = looker();
    expect(await awaitServiceProgrammed(streams, loopbackTopology(), { clusterIP: '127.0.0.1', port })).toEqual([]);
    expect(new Set(opened)).toEqual(new Set(['hostnet-lab-control-plane', 'hostnet-lab-worker-1', 'hostnet-lab-worker-2']));
  });

  test('refused first (not programmed yet): it looks again until the Service answers, then the checks may start', async () => {
    const port = await closedPort();
    const server = net.createServer((s) => s.end());
    open.push(server);
    const started = performance.now();
    setTimeout(() => server.listen(port, '127.0.0.1'), 600);
    const { streams } = looker();
    expect(await awaitServiceProgrammed(streams, loopbackTopology(), { clusterIP: '127.0.0.1', port })).toEqual([]);
    // It did not go on while the port refused.
    expect(performance.now() - started).toBeGreaterThanOrEqual(550);
  });

  test('still refused after the bounded wait: the nodes are named, and the checks judge them', async () => {
    const port = await closedPort();
    const { streams } = looker();
    const started = performance.now();
    const refused = await awaitServiceProgrammed(streams, loopbackTopology(), { clusterIP: '127.0.0.1', port }, { nodes: ['lab-worker-1'] });
    expect(refused).toEqual(['lab-worker-1']);
    expect(performance.now() - started).toBeGreaterThanOrEqual(PROGRAMMING_WAIT_MS - 100);
    // What the path's plan line then says; nothing when every node answered.
    expect(stillRefusedNote('netconform-probes', refused)).toBe('kube-proxy on lab-worker-1 still refused Service netconform-probes 3 s after its endpoints were ready');
    expect(stillRefusedNote('netconform-probes', [])).toBeUndefined();
  });

  test('a host probe that cannot be commanded is passed over for a pod probe on that node; a node with neither is not looked from', async () => {
    const server = net.createServer((s) => s.end());
    open.push(server);
    const port = await listenLoopback(server);
    const topology = loopbackTopology();
    for (const p of topology.probes) {
      if (p.name === 'hostnet-lab-worker-1') p.controlProblem = 'cannot command it';
      if (p.node === 'lab-worker-2') p.controlProblem = 'cannot command it';
    }
    const { streams, opened } = looker();
    expect(await awaitServiceProgrammed(streams, topology, { clusterIP: '127.0.0.1', port })).toEqual([]);
    expect(new Set(opened)).toEqual(new Set(['hostnet-lab-control-plane', 'probe-a-lab-worker-1']));
  });
});
