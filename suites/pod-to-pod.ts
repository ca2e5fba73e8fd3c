// pod-to-pod — MUST: the pod network is flat.
// Every probe pod reaches every other probe pod's IP over TCP (HTTP to netexec) and UDP, on the
// same node and across nodes, both directions as separate rows; every node's host network
// reaches a pod on every node; each answer comes from the intended pod (hostname matches); and
// a full-size payload (larger than one MTU) makes the trip intact, so an MTU black hole fails.
// On a dual-stack cluster every row is made once per IP family (status.podIPs), and a family
// configured on some nodes and not others is a failed fact row naming them.
import { defineSuite } from '../helpers/check/suite.ts';
import type { Check, Expect, IpFamily, NetworkCheck } from '../helpers/check/types.ts';
import {
  controlOf,
  familiesOf,
  familyCoverageRows,
  familyTag,
  FULL_PAYLOAD_BYTES,
  hostProbeOn,
  ipIn,
  label,
  peerOf,
  podProbesOn,
  portText,
  probedNodes,
  setupRows,
  VARIANTS,
} from '../helpers/rows.ts';
import type { ProbePod, Topology } from '../helpers/topology.ts';

export const EXPECT = {
  podToPod: { expect: 'REACHABLE', reason: 'the pod network is flat: every pod reaches every pod IP, on any node, without NAT' },
  hostToPod: { expect: 'REACHABLE', reason: 'nodes (host network) reach every pod IP' },
} as const satisfies Record<string, Expect>;

/** Rows to one pod target, in each family both ends have: the hostname must be the target's own; full-size rows echo a payload. */
function targetRows(source: ProbePod, target: ProbePod, topology: Topology): NetworkCheck[] {
  return familiesOf(topology).flatMap((family) => (ipIn(source, family) && ipIn(target, family) ? familyRows(source, target, topology, family) : []));
}

function familyRows(source: ProbePod, target: ProbePod, topology: Topology, family: IpFamily): NetworkCheck[] {
  const why = source.role === 'host' ? EXPECT.hostToPod : EXPECT.podToPod;
  return VARIANTS.map(({ protocol, payload }) => {
    const port = payload === 'full' ? (protocol === 'tcp' ? topology.ports.httpFull : topology.ports.udpFull) : protocol === 'tcp' ? topology.ports.http : topology.ports.udp;
    const to = peerOf(target, family);
    return {
      kind: 'network',
      suite: 'pod-to-pod',
      title: `${label(source)} → ${label(target)} ${familyTag(topology, family)}${portText(port, protocol, payload)}`,
      from: peerOf(source, family),
      to,
      protocol,
      port,
      family: to.family,
      payload,
      expect: why.expect,
      expectReason: why.reason,
      answer: payload === 'full' ? { kind: 'echo', bytes: FULL_PAYLOAD_BYTES[protocol] } : { kind: 'hostname', expected: [target.name] },
      drive: { via: 'probe', control: controlOf(source), target: { host: to.ip, port }, tries: 1 },
    };
  });
}

export default defineSuite({
  name: 'pod-to-pod',
  order: 10,
  must: 'every pod IP is reachable from every pod and every node, TCP and UDP, same-node and cross-node, with the intended pod answering and full-size payloads intact',
  checks(topology, _plan, options): Check[] {
    const rows: Check[] = [...setupRows('pod-to-pod', topology), ...familyCoverageRows('pod-to-pod', topology)];
    const nodes = probedNodes(topology);
    for (const fromNode of nodes) {
      for (const toNode of nodes) {
        const sources = podProbesOn(topology, fromNode);
        const targets = podProbesOn(topology, toNode);
        if (options.short) {
          // probe-a of the source node → probe-b of the target node (probe-a if it has no probe-b).
          const source = sources[0];
          const target = fromNode === toNode ? targets.find((t) => t !== source) : (targets[1] ?? targets[0]);
          if (source && target) rows.push(...targetRows(source, target, topology));
        } else {
          for (const s of sources) for (const t of targets) if (s !== t) rows.push(...targetRows(s, t, topology));
        }
      }
    }
    for (const fromNode of nodes) {
      const host = hostProbeOn(topology, fromNode);
      if (!host) continue;
      for (const toNode of nodes) {
        const target = podProbesOn(topology, toNode)[0];
        if (target) rows.push(...targetRows(host, target, topology));
      }
    }
    return rows;
  },
});
