// Topology → the nodeport suite's rows (STYLE.md §2): the runner, as the outside client, dials
// every node's address on every NodePort of the two Services, TCP and UDP. Expectations are
// named here once, with their reasons (STYLE.md §3). Pure; unit-tested.
import type { Expectation, Protocol } from '../results.ts';
import { skippedNodeRows } from '../rows.ts';
import type { NodePortPort, NodePortService, NodePortTopology, RangePosition, TrafficPolicy } from './types.ts';

export const NODEPORT_EXPECTATIONS = {
  cluster: { expect: 'REACHABLE', reason: 'externalTrafficPolicy: Cluster: every node answers on the NodePort and forwards to a backend, also nodes with no local backend' },
  localWithEndpoint: { expect: 'REACHABLE', reason: "externalTrafficPolicy: Local: the node with the local endpoint answers and the backend sees the client's own address (no SNAT)" },
  localWithoutEndpoint: { expect: 'FILTERED', reason: 'externalTrafficPolicy: Local: a node with no local endpoint must not answer (it has no backend to send the traffic to)' },
} as const satisfies Record<string, { expect: Expectation; reason: string }>;

/** What the answer must prove: the backend's hostname (Cluster), or that the client address was kept (Local). */
export type NodePortAnswer = { kind: 'hostname'; expected: string } | { kind: 'clientip' };

export interface NodePortRow {
  kind: 'nodeport';
  suite: 'nodeport';
  title: string;
  node: string;
  address: string;
  nodePort: number;
  protocol: Protocol;
  policy: TrafficPolicy;
  position: RangePosition;
  service: string;
  backendNode: string;
  answer: NodePortAnswer;
  expect: Expectation;
  expectReason: string;
}

/** A row that cannot run: `error` (setup failed, the check could not be made) or `skip` (not applicable here). */
export interface NodePortStaticRow {
  kind: 'error' | 'skip';
  suite: 'nodeport';
  title: string;
  node?: string;
  reason: string;
}

export type NodePortSuiteRow = NodePortRow | NodePortStaticRow;

const POSITION_TEXT: Record<RangePosition, string> = { low: 'low end', middle: 'middle', high: 'high end', auto: 'allocated' };

function titleOf(node: string, address: string, port: NodePortPort, svc: NodePortService, range: string, local: boolean): string {
  const what = svc.policy === 'Cluster'
    ? `Cluster, ${POSITION_TEXT[port.position]} of ${range}`
    : local ? 'Local, local endpoint: client IP kept' : 'Local, no local endpoint: must not answer';
  return `runner → ${node} ${address}:${port.nodePort || '<allocated>'}/${port.protocol} ${svc.name} (${what})`;
}

export function nodePortRows(nodePort: NodePortTopology | undefined, nodes: readonly { name: string; skipReason?: string }[] = []): NodePortSuiteRow[] {
  const skipped = skippedNodeRows('nodeport', nodes);
  return [...skipped, ...nodePortCheckRows(nodePort)];
}

function nodePortCheckRows(nodePort: NodePortTopology | undefined): NodePortSuiteRow[] {
  if (!nodePort) return [{ kind: 'skip', suite: 'nodeport', title: 'nodeport setup', reason: 'the nodeport Services were not deployed in this run' }];
  if (nodePort.error) return [{ kind: 'error', suite: 'nodeport', title: 'nodeport setup', reason: nodePort.error }];
  if (!nodePort.backend.ready) {
    return [{ kind: 'error', suite: 'nodeport', title: `nodeport setup ${nodePort.backend.node}/${nodePort.backend.pod}`, node: nodePort.backend.node, reason: `the NodePort backend ${nodePort.backend.pod} on ${nodePort.backend.node} never became ready: ${nodePort.backend.problem ?? 'unknown reason'}` }];
  }
  const range = `${nodePort.range.low}-${nodePort.range.high}`;
  const rows: NodePortSuiteRow[] = [];
  for (const target of nodePort.targets) {
    if (!target.address) {
      rows.push({ kind: 'skip', suite: 'nodeport', title: `runner → ${target.node} (no ${nodePort.addressType})`, node: target.node, reason: target.reason ?? `no ${nodePort.addressType}` });
      continue;
    }
    for (const svc of nodePort.services) {
      const local = target.node === nodePort.backend.node;
      const why = svc.policy === 'Cluster' ? NODEPORT_EXPECTATIONS.cluster : local ? NODEPORT_EXPECTATIONS.localWithEndpoint : NODEPORT_EXPECTATIONS.localWithoutEndpoint;
      for (const port of svc.ports) {
        rows.push({
          kind: 'nodeport',
          suite: 'nodeport',
          title: titleOf(target.node, target.address, port, svc, range, local),
          node: target.node,
          address: target.address,
          nodePort: port.nodePort,
          protocol: port.protocol,
          policy: svc.policy,
          position: port.position,
          service: svc.name,
          backendNode: nodePort.backend.node,
          answer: svc.policy === 'Cluster' ? { kind: 'hostname', expected: nodePort.backend.pod } : { kind: 'clientip' },
          expect: why.expect,
          expectReason: why.reason,
        });
      }
    }
  }
  return rows;
}
