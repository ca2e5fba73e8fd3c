// nodeport — MUST: NodePorts answer an outside client on every node.
// The runner (where kube-netconform runs) dials every node's address (InternalIP, or
// --node-address-type) on NodePorts, TCP (HTTP to netexec) and UDP. externalTrafficPolicy
// Cluster: every node answers with the one backend's hostname, also nodes with no local backend;
// its NodePorts sit at both ends and the middle of the range. externalTrafficPolicy Local: the
// backend's node answers and the backend sees the runner's own address; every other node must
// not answer. If the runner reaches no node address at all, one row says so and the others are
// errors (this host is not an outside client of this cluster), never cluster failures.
import { waitFor } from '../helpers/probes/deploy.ts';
import { awaitEndpoints } from '../helpers/fixtures/service.ts';
import { messageOf } from '../helpers/errors.ts';
import { DEFAULT_NODEPORT_RANGE, pickLocalPorts, pickNodePorts } from '../helpers/nodeport/allocate.ts';
import {
  BACKEND_CONTAINERS,
  BACKEND_POD,
  CLUSTER_SERVICE,
  LOCAL_SERVICE,
  backendNode,
  backendPodManifest,
  nodeTargets,
  readNodePortRange,
  serviceManifests,
  usedNodePorts,
} from '../helpers/nodeport/deploy.ts';
import { runnerReaches } from '../helpers/nodeport/reach.ts';
import { awaitProgrammed, PROGRAMMING_WAIT_MS } from '../helpers/nodeport/programmed.ts';
import type { NodePortPort, NodePortService, NodePortTopology, RangePosition } from '../helpers/nodeport/types.ts';
import { runnerAddressFor } from '../helpers/check/drivers/outside.ts';
import { defineSuite } from '../helpers/check/suite.ts';
import type { Check, Expect } from '../helpers/check/types.ts';
import { bracketed, familyOf, hostProbeOn, notRunRows, skippedNodeRows } from '../helpers/rows.ts';
import { describePodProblem, isPodReady, isStuck } from '../helpers/topology.ts';
import type { Kube } from '../helpers/kube/index.ts';

export const EXPECT = {
  cluster: { expect: 'REACHABLE', reason: 'externalTrafficPolicy: Cluster: every node answers on the NodePort and forwards to a backend, also nodes with no local backend' },
  localWithEndpoint: { expect: 'REACHABLE', reason: "externalTrafficPolicy: Local: the node with the local endpoint answers and the backend sees the client's own address (no SNAT)" },
  localWithoutEndpoint: { expect: 'CLOSED', reason: 'externalTrafficPolicy: Local: a node with no local endpoint must not answer (it has no backend to send the traffic to)' },
} as const satisfies Record<string, Expect>;

/** Per try from the runner; a healthy NodePort answers in milliseconds. */
const TIMEOUT_MS = 3_000;
/**
 * Per try of a must-not-answer row (Local, no local endpoint): it passes only by waiting this
 * out, so it is the suite's floor, and the run's last wait (on the lab the cluster sat idle
 * through it). A node that wrongly forwards answers in milliseconds too; 1.5 s still sees that
 * answer behind one lost SYN (Linux sends the first retransmission after 1 s).
 */
const NO_ANSWER_TIMEOUT_MS = 1_500;
const POSITION_TEXT: Record<RangePosition, string> = { low: 'low end', middle: 'middle', high: 'high end', auto: 'allocated' };
export const REACH_TITLE = 'runner reaches the node network';

/** The ports the Services will get: Cluster at both ends and the middle, Local one above the middle. */
async function pickPorts(kube: Kube, range: NodePortTopology['range']) {
  const used = usedNodePorts(await kube.listServicesAllNamespaces(''));
  const picked = pickNodePorts({ range, used: used.keys() });
  const [localTcp = 0, localUdp = 0] = pickLocalPorts({ range, used: used.keys(), chosen: picked.ports.map((p) => p.nodePort), count: 2 });
  const notes = picked.notes.map((n) => {
    const owner = used.get(Number(/(\d+) is in use/.exec(n)?.[1]));
    return owner ? n.replace('is in use', `is in use by ${owner}`) : n;
  });
  const both = (nodePort: number, position: RangePosition): NodePortPort[] => (['tcp', 'udp'] as const).map((protocol) => ({ nodePort, protocol, position }));
  const services: NodePortService[] = [
    { name: CLUSTER_SERVICE, policy: 'Cluster', ports: picked.ports.flatMap((p) => both(p.nodePort, p.position)) },
    {
      name: LOCAL_SERVICE,
      policy: 'Local',
      ports: [
        { nodePort: localTcp, protocol: 'tcp', position: 'auto' },
        { nodePort: localUdp, protocol: 'udp', position: 'auto' },
      ],
    },
  ];
  return { services, notes };
}

function nodePortsByPosition(plan: NodePortTopology): Partial<Record<RangePosition, number>> {
  return Object.fromEntries(plan.services[0]!.ports.map((p) => [p.position, p.nodePort]));
}

export default defineSuite<NodePortTopology>({
  name: 'nodeport',
  order: 30,
  startsFirst: { rank: 2, why: 'its must-not-answer rows (Local, no local endpoint) pass only by waiting out their timeout' },
  hostProbesAtSettle: "each node's own host network waits for kube-proxy to answer the run's NodePort before the checks (local traffic: nothing between nodes is judged)",
  must: 'NodePorts answer a client outside the cluster on every node (Cluster policy), only where an endpoint is and with the client address kept (Local policy), at both ends and the middle of the range',

  async prepare({ kube, nodes, options }) {
    const addressType = options.flags.nodeAddressType ?? 'InternalIP';
    const plan: NodePortTopology = {
      addressType,
      range: DEFAULT_NODEPORT_RANGE,
      services: [],
      notes: [],
      backend: { pod: BACKEND_POD, node: backendNode(nodes) ?? '', ready: false },
      targets: nodeTargets(nodes, await kube.listNodes(), addressType),
    };
    try {
      if (!plan.backend.node) throw new Error('no node can be probed');
      plan.range = await readNodePortRange(kube, 'default');
      Object.assign(plan, await pickPorts(kube, plan.range));
    } catch (err) {
      plan.error = `nodeport setup failed: ${messageOf(err)}`;
    }
    return plan;
  },

  async deploy({ kube, deployment, options }, plan) {
    if (plan.error) return plan;
    const next = { ...plan, notes: [...plan.notes] };
    try {
      await kube.createPod(deployment.namespace, backendPodManifest({ node: plan.backend.node, runId: options.runId, image: options.image, imagePullSecret: options.imagePullSecret }));
      deployment.createdPods.push(BACKEND_POD);
      for (let attempt = 1; ; attempt++) {
        const { cluster, local } = serviceManifests({
          runId: options.runId,
          nodePorts: nodePortsByPosition(next),
          localNodePorts: Object.fromEntries(next.services[1]!.ports.map((p) => [p.protocol, p.nodePort])),
        });
        try {
          await kube.createService(deployment.namespace, cluster);
          deployment.createdServices.push(CLUSTER_SERVICE);
          await kube.createService(deployment.namespace, local);
          deployment.createdServices.push(LOCAL_SERVICE);
          return next;
        } catch (err) {
          // Another run took a port between prepare and now: pick again (the titles say the new ports).
          if (attempt >= 3 || !/already allocated/i.test(messageOf(err))) throw err;
          for (const name of [CLUSTER_SERVICE, LOCAL_SERVICE]) {
            const i = deployment.createdServices.indexOf(name);
            if (i >= 0) {
              await kube.deleteService(deployment.namespace, name);
              deployment.createdServices.splice(i, 1);
            }
          }
          Object.assign(next, await pickPorts(kube, next.range));
          next.notes.push(`a NodePort was taken by another client between planning and creating: picked again (attempt ${attempt + 1})`);
        }
      }
    } catch (err) {
      return { ...next, error: `nodeport setup failed: ${messageOf(err)}` };
    }
  },

  async settle({ kube, deployment, options, topology, streams }, plan) {
    if (plan.error) return plan;
    const next = { ...plan, backend: { ...plan.backend } };
    try {
      const pod = await waitFor(
        async () => {
          const p = await kube.readPod(deployment.namespace, BACKEND_POD);
          return p && (isPodReady(p) || isStuck(describePodProblem(p))) ? p : undefined;
        },
        { timeoutMs: options.readyTimeoutMs, what: `pod ${deployment.namespace}/${BACKEND_POD} on ${plan.backend.node} to become Ready`, signal: options.signal },
      );
      next.backend.ready = isPodReady(pod);
      if (!next.backend.ready) {
        next.backend.problem = describePodProblem(pod);
        return next;
      }
      const problems = await Promise.all(
        plan.services.map((svc) => awaitEndpoints(kube, deployment, { service: svc.name, what: `the NodePort Service ${svc.name}`, expected: 1, signal: options.signal })),
      );
      const problem = problems.find(Boolean);
      if (problem) return { ...next, error: problem };
      // kube-proxy programs the NodePorts a moment after the endpoints (nodeport/programmed.ts),
      // each Service in whichever of its syncs (1 s apart by default) saw that Service's
      // endpoints: each node's own host probe waits for the Cluster Service's TCP port on its own
      // address, and the backend's node for the Local Service's too (it answers there once
      // programmed). Elsewhere the Local Service must not answer, and a refusal of a port not yet
      // programmed reads the same as its drop, so nothing is awaited there.
      const first = (policy: 'Cluster' | 'Local') => plan.services.find((s) => s.policy === policy)?.ports.find((p) => p.protocol === 'tcp')?.nodePort;
      const [cluster, local] = [first('Cluster'), first('Local')];
      const looks = next.targets.flatMap((t) => [...(cluster ? [{ target: t, port: cluster }] : []), ...(local && t.node === next.backend.node ? [{ target: t, port: local }] : [])]);
      if (streams)
        await Promise.all(
          looks.map(async ({ target: t, port }) => {
            const probe = hostProbeOn(topology, t.node);
            if (!t.address || !probe || probe.controlProblem) return;
            const seen = await awaitProgrammed(streams, probe.name, { node: t.node, address: t.address, port, protocol: 'tcp' }, options.signal);
            if (seen === 'REFUSED') next.notes.push(`kube-proxy on ${t.node} still refused NodePort ${port}/tcp from the node itself ${PROGRAMMING_WAIT_MS / 1000} s after its endpoints were ready`);
          }),
        );
    } catch (err) {
      return { ...next, error: `nodeport setup failed: ${messageOf(err)}` };
    }
    const addresses = next.targets.flatMap((t) => (t.address ? [t.address] : []));
    const ports = [...new Set([plan.services[0]?.ports[0]?.nodePort ?? 0, 10250].filter(Boolean))];
    const { reached, failures } = await runnerReaches({ addresses, ports, timeoutMs: TIMEOUT_MS });
    const own = Object.fromEntries(await Promise.all(addresses.map(async (a) => [a, (await runnerAddressFor(a)) ?? ''] as const)));
    next.runner =
      reached.length > 0
        ? { reached: true, detail: `reached ${reached.length} of ${addresses.length} node addresses`, addresses: own }
        : {
            reached: false,
            addresses: own,
            detail: `this host is not on the node network: none of the ${addresses.length} node ${plan.addressType} addresses (${addresses.join(', ')}) answered on TCP ${ports.join(' or ')} (${failures.slice(0, 3).join('; ')}). NodePorts are checked from where kube-netconform runs; run it from a host that is on the node network, or pass --node-address-type ExternalIP|InternalIP.`,
          };
    if (!next.runner.reached) options.onProgress?.(`nodeport: ${next.runner.detail}`);
    return next;
  },

  checks(topology, plan): Check[] {
    const rows: Check[] = skippedNodeRows('nodeport', topology.nodes);
    const { backend } = plan;
    // A setup problem (the Services or the backend could not be made, the backend never became
    // ready): every row is not run with it, never a NodePort verdict.
    const problem = plan.error ?? (plan.runner && !backend.ready ? `the NodePort backend ${backend.pod} on ${backend.node} never became ready: ${backend.problem ?? 'unknown reason'}` : undefined);
    const range = `${plan.range.low}-${plan.range.high}`;
    const unreached = plan.runner && !plan.runner.reached ? plan.runner.detail : undefined;
    const reachTitle = `${REACH_TITLE} (${plan.addressType} addresses)`;
    rows.push(
      problem
        ? { kind: 'static', suite: 'nodeport', title: reachTitle, status: 'not-run', reason: problem, properties: { check: 'runner-reach' } }
        : { kind: 'static', suite: 'nodeport', title: reachTitle, status: 'fact', holds: !unreached, reason: plan.runner?.detail ?? 'not measured yet', properties: { check: 'runner-reach' } },
    );
    for (const target of plan.targets) {
      if (!target.address) {
        rows.push({
          kind: 'static',
          suite: 'nodeport',
          title: `runner → ${target.node} (no ${plan.addressType})`,
          status: 'skipped',
          node: target.node,
          reason: target.reason ?? `no ${plan.addressType}`,
        });
        continue;
      }
      const local = target.node === backend.node;
      for (const svc of plan.services) {
        const why = svc.policy === 'Cluster' ? EXPECT.cluster : local ? EXPECT.localWithEndpoint : EXPECT.localWithoutEndpoint;
        for (const port of svc.ports) {
          const what =
            svc.policy === 'Cluster' ? `Cluster, ${POSITION_TEXT[port.position]} of ${range}` : local ? 'Local, local endpoint: client IP kept' : 'Local, no local endpoint: must not answer';
          const title = `runner → ${target.node} ${bracketed(target.address)}:${port.nodePort}/${port.protocol} ${svc.name} (${what})`;
          // A range end taken by someone else (another run, another Service) is said in the row.
          const properties = {
            externalTrafficPolicy: svc.policy,
            service: svc.name,
            'nodeport.position': port.position,
            'nodeport.range': range,
            'backend.node': backend.node,
            ...(plan.notes.length ? { 'nodeport.notes': plan.notes.join('; ') } : {}),
          };
          if (unreached && !problem) {
            rows.push({
              kind: 'static',
              suite: 'nodeport',
              title,
              status: 'not-run',
              node: target.node,
              reason: `not run: the runner cannot reach the node network (see "${REACH_TITLE}")`,
              properties,
            });
            continue;
          }
          const runnerIP = plan.runner?.addresses[target.address] ?? '';
          rows.push({
            kind: 'network',
            suite: 'nodeport',
            title,
            from: { kind: 'runner', node: '', ip: runnerIP, family: familyOf(target.address) },
            to: { kind: 'nodeport', node: target.node, ip: target.address, family: familyOf(target.address), service: svc.name },
            protocol: port.protocol,
            port: port.nodePort,
            family: familyOf(target.address),
            expect: why.expect,
            expectReason: why.reason,
            answer: svc.policy === 'Cluster' ? { kind: 'hostname', expected: [backend.pod] } : local ? { kind: 'clientip', expected: runnerIP, client: 'runner' } : { kind: 'connect' },
            drive: {
              via: 'outside',
              target: { host: target.address, port: port.nodePort },
              timeoutMs: why === EXPECT.localWithoutEndpoint ? NO_ANSWER_TIMEOUT_MS : TIMEOUT_MS,
              ...(local && svc.policy !== 'Cluster' ? { clientSeenIn: { pod: backend.pod, container: BACKEND_CONTAINERS[port.protocol] } } : {}),
            },
            properties,
          });
        }
      }
    }
    return problem ? notRunRows(rows, problem, { topology }) : rows;
  },

  describe(np) {
    if (np.error) return np.error;
    const ports = np.services.map((s) => `${s.name} (${s.policy}) ${[...new Set(s.ports.map((p) => p.nodePort))].join(', ')}`).join('; ');
    return `range ${np.range.low}-${np.range.high} (${np.range.source === 'cluster' ? 'read from the API server' : 'assumed default'}); ${ports}; backend ${np.backend.pod} on ${np.backend.node}${np.backend.ready ? '' : ` NOT READY: ${np.backend.problem ?? ''}`}; runner dials ${np.addressType} addresses${np.notes.length ? `; ${np.notes.join('; ')}` : ''}`;
  },
});
