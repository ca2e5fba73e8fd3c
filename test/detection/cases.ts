// Every fault the lab can inject, with what it MUST break, what it may also break (and why),
// and the diagnosis it MUST produce. Adding a fault is adding a row. Node names are the lab's.
import type { FaultCase, LabNetpol, RowRule } from './compare.ts';

const CP = 'lab-control-plane';
const W1 = 'lab-worker-1';
const W2 = 'lab-worker-2';
const OTHERS_THAN_W2 = [CP, W1];
/** The ports suite checks the NodePort range through the nodeport suite's Services. */
const NODEPORTS: [number, number] = [30000, 32767];

/** The Service paths besides pod-to-service whose backend may sit across a broken pod path. */
const SERVICE_PATHS_ACROSS = (nodes: string[], why: string) => [
  { rows: { suite: 'session-affinity', from: { node: nodes } }, why },
  { rows: { suite: 'dns', from: { node: nodes } }, why: `${why}; a DNS query may pick a CoreDNS replica across it` },
];

/**
 * A blackhole route on W1 for W2's pod range (`cut-route W1 W2`): what it breaks on every
 * network, and what may fail with it. A network whose traffic crosses the cut in more ways adds
 * its own rows to these.
 */
const CUT_ROUTE: Pick<FaultCase, 'mustFail' | 'mayFail'> = {
  mustFail: [
    { rows: { suite: 'pod-to-pod', from: { node: W1 }, to: { node: W2, kind: 'pod' } }, why: `${W1} has a blackhole route for ${W2}'s pod range` },
    { rows: { suite: 'pod-to-pod', from: { node: W2, kind: 'pod' }, to: { node: W1, kind: 'pod' } }, why: `replies from ${W1}'s pods to ${W2}'s pods hit the same blackhole` },
    { rows: { suite: 'pod-to-node', from: { node: W2, kind: 'pod' }, to: { node: W1 } }, why: `${W1}'s host answers ${W2}'s pods through the same blackhole` },
  ],
  mayFail: [
    ...SERVICE_PATHS_ACROSS([W1, W2], 'a Service VIP may pick a backend across the cut'),
    { rows: { suite: 'pod-to-service', from: { node: [W1, W2] } }, why: 'a Service VIP may pick a backend across the cut' },
    { rows: { suite: 'nodeport', to: { node: [W1, W2] } }, why: 'a NodePort on either node may forward to a backend across the cut' },
    { rows: { suite: 'ports', to: { node: [W1, W2] }, portRange: NODEPORTS }, why: 'the NodePort range is checked through NodePorts, which may forward across the cut' },
  ],
};

/** The mtu fault (`mtu W2 1200`): what every network's case shares. */
const MTU_HOST_UDP: RowRule = {
  rows: { suite: 'pod-to-pod', payload: 'full', protocol: 'udp', from: { node: W2, kind: 'host' }, to: { node: OTHERS_THAN_W2, kind: 'pod' } },
  why: `full-size UDP answers into ${W2}'s host network are larger than its MTU (TCP is spared there: its MSS follows the smaller MTU)`,
};
const MTU_MAY_FAIL: RowRule[] = [
  { rows: { suite: 'pod-to-service', payload: 'full' }, why: `a full-size Service answer may come from or go to ${W2}` },
  {
    rows: { suite: 'dns' },
    why: `a CoreDNS replica on ${W2} reads Services and EndpointSlices from the API server across ${W2}'s small MTU: it may not know this run's Services yet (NXDOMAIN, seen once for a headless name on vxlan), and a query may pick it`,
  },
];
const MTU_DIAGNOSIS = new RegExp(`^small payloads pass but full-size ones fail .*: MTU mismatch on the path to and from ${W2}`);

export const FAULT_CASES: FaultCase[] = [
  {
    id: 'cut-route',
    fault: ['cut-route', W1, W2],
    // host-gw and bgp route pods via the peers' node IPs like routed: the same cut, the same rows.
    networks: ['routed', 'bgp'],
    mustFail: [...CUT_ROUTE.mustFail],
    mayFail: [...CUT_ROUTE.mayFail],
    diagnosis: [new RegExp(`cross-node pod traffic between (${W1} and ${W2}|${W2} and ${W1}) fails .*: the pod route or overlay between (${W1} and ${W2}|${W2} and ${W1})`)],
  },
  {
    id: 'cut-route-vxlan',
    fault: ['cut-route', W1, W2],
    networks: ['vxlan'],
    mustFail: [
      {
        rows: { suite: 'pod-to-pod', from: { node: W2, kind: 'host' }, to: { node: W1, kind: 'pod' } },
        why: `in the overlay ${W2}'s host traffic to pods is sourced from its VXLAN address, inside its pod range, so answers from ${W1} hit the cut`,
      },
      ...CUT_ROUTE.mustFail,
    ],
    mayFail: [
      { rows: { suite: 'ports', port: 8472, from: { node: [W1, W2] }, to: { node: [W1, W2] } }, why: 'UDP 8472 between the two nodes is judged from the pod traffic it carries, which the cut breaks' },
      ...CUT_ROUTE.mayFail,
    ],
    diagnosis: [new RegExp(`cross-node pod traffic between (${W1} and ${W2}|${W2} and ${W1}) fails .*: the pod route or overlay between (${W1} and ${W2}|${W2} and ${W1})`)],
    // The overlay's port between the two, judged from the pod traffic the cut breaks: its line names
    // both readings it can tell (a firewall between them, or the overlay's forwarding between them).
    diagnosisMayAlso: [new RegExp(`^UDP 8472 between ${W1} and ${W2} gets nothing through, both ways, .*the overlay's forwarding between them`)],
  },
  {
    id: 'block-port-kubelet',
    fault: ['block-port', W1, '10250/tcp'],
    networks: ['routed'],
    mustFail: [{ rows: { suite: 'ports', to: { node: W1 }, port: 10250, expect: 'REACHABLE' }, why: `inbound 10250/tcp is dropped on ${W1}` }],
    // The checks are commands in the probes, carried through the API server's exec, which reaches
    // a probe through its node's kubelet on 10250: every row made in a probe on W1 cannot be made
    // (an error naming the control path), never a network verdict.
    mustError: [{ rows: { from: { node: W1 } }, why: `the API server reaches ${W1}'s probes through ${W1}'s kubelet port, which is dropped: their checks cannot be made` }],
    // The lab's fault drops new connections: a log read may still ride a connection the API server
    // opened to the kubelet before (seen 2026-12-07: both rows passed once the preflight no longer
    // waited 40 s, an error each before).
    mayError: [
      {
        rows: { suite: 'nodeport', to: { node: W1 }, expect: 'REACHABLE', properties: { externalTrafficPolicy: 'Local' } },
        why: `the Local NodePort's backend is on ${W1}: the client address it saw is read from its log, through ${W1}'s kubelet (an error, or a pass over a connection opened before the fault)`,
      },
    ],
    mayFail: [],
    diagnosis: [new RegExp(`^TCP 10250 on ${W1} is filtered from .*: open TCP 10250 on ${W1}'s firewall`)],
    // The rows it made impossible to check, said as such (the control path, not the data path).
    diagnosisMayAlso: [new RegExp(`^the runner could not control the probes on ${W1} \\(\\d+ checks not run\\): the control path`)],
  },
  {
    id: 'block-port-apiserver',
    fault: ['block-port', CP, '6443/tcp', '--from', W2],
    networks: ['routed'],
    mustFail: [{ rows: { suite: 'ports', from: { node: W2 }, to: { node: CP }, port: 6443 }, why: `the API server port is dropped from ${W2}` }],
    mayFail: [{ rows: { suite: 'pod-to-service', from: { node: W2, kind: 'host' } }, why: `${W2}'s host network reaches the kubernetes Service from its node IP, which is blocked` }],
    diagnosis: [new RegExp(`^TCP 6443 on ${CP} is filtered from ${W2} .*: open TCP 6443 on ${CP}'s firewall`)],
  },
  {
    id: 'block-port-nodeport',
    fault: ['block-port', W2, '30000/tcp'],
    networks: ['routed'],
    mustFail: [
      { rows: { suite: 'nodeport', to: { node: W2 }, port: 30000, protocol: 'tcp', expect: 'REACHABLE' }, why: `NodePort 30000/tcp is dropped on ${W2}` },
      { rows: { suite: 'ports', to: { node: W2 }, port: 30000, protocol: 'tcp' }, why: `the ports suite's NodePort-range row for 30000/tcp on ${W2}` },
    ],
    mayFail: [],
    // One cause: the ports suite's row for 30000/tcp is a NodePort too, named with the NodePort rows (issue 22).
    diagnosis: [new RegExp(`^NodePort 30000/tcp fails on ${W2} only while .*: only part of the NodePort range is open on ${W2}`)],
  },
  {
    id: 'block-nodeports',
    fault: ['block-nodeports', W2],
    networks: ['routed'],
    mustFail: [
      { rows: { suite: 'nodeport', to: { node: W2 }, expect: 'REACHABLE' }, why: `the whole NodePort range is dropped on ${W2}` },
      { rows: { suite: 'ports', to: { node: W2 }, portRange: NODEPORTS }, why: `the ports suite's NodePort-range rows to ${W2}` },
    ],
    mayFail: [],
    diagnosis: [new RegExp(`^NodePort .* fails on ${W2} only while other nodes answer: ${W2}'s firewall drops the NodePort range`)],
  },
  {
    id: 'kube-proxy-down',
    fault: ['kube-proxy-down', W1],
    networks: ['routed', 'vxlan'],
    mustFail: [
      { rows: { suite: 'pod-to-service', from: { node: W1 }, expect: 'REACHABLE', to: { kind: 'service' } }, why: `no Service rules on ${W1}` },
      { rows: { suite: 'nodeport', to: { node: W1 }, expect: 'REACHABLE' }, why: `no NodePort rules on ${W1}` },
      { rows: { suite: ['hairpin', 'session-affinity'], from: { node: W1 } }, why: `no Service rules on ${W1}` },
      { rows: { suite: 'dns', from: { node: W1 } }, why: `no rules for the DNS Service on ${W1}` },
    ],
    mayFail: [
      {
        rows: { suite: 'dns' },
        why: `a CoreDNS replica on ${W1} reaches the API server through the kubernetes Service VIP, which has no rules there: its answers go stale or fail, and a query from any node may pick it`,
      },
    ],
    diagnosis: [new RegExp(`^pods on ${W1} reach pod IPs but not Service ClusterIPs .*: kube-proxy on ${W1} is not running or its rules are missing`)],
  },
  {
    id: 'no-forwarding',
    fault: ['no-forwarding', W2],
    networks: ['routed'],
    mustFail: [
      { rows: { suite: 'pod-to-pod', from: { node: OTHERS_THAN_W2 }, to: { node: W2, kind: 'pod' } }, why: `${W2} does not forward into its pod bridge` },
      { rows: { suite: 'pod-to-pod', from: { node: W2, kind: 'pod' }, to: { node: OTHERS_THAN_W2 } }, why: `${W2} does not forward its pods' traffic out` },
    ],
    mayFail: [
      {
        rows: { suite: 'pod-to-pod', from: { node: W2, kind: 'pod' }, to: { node: W2 } },
        why: `traffic between ${W2}'s own pods crosses its bridge, which passes the FORWARD hook too (br_netfilter)`,
      },
      { rows: { suite: 'pod-to-service', from: { node: W2 } }, why: `Service traffic from ${W2} to remote backends is forwarded` },
      {
        rows: { suite: ['hairpin', 'pod-to-node', 'pod-to-external'], from: { node: W2, kind: 'pod' } },
        why: `${W2}'s pods' traffic to other nodes and out of the cluster is forwarded, and hairpin traffic crosses its bridge (br_netfilter)`,
      },
      { rows: { suite: 'session-affinity' }, why: `the affinity backend may be on ${W2}, and ${W2}'s pods' Service traffic is forwarded` },
      { rows: { suite: 'dns' }, why: `a DNS query may pick a CoreDNS replica on ${W2}; ${W2}'s pods' queries are forwarded` },
      { rows: { suite: 'pod-to-service', to: { kind: 'service' } }, why: `a Service VIP may pick a backend on ${W2}` },
      { rows: { suite: 'nodeport', to: { node: W2 } }, why: `NodePort traffic into ${W2} is forwarded to its backend` },
      { rows: { suite: 'nodeport' }, why: `a NodePort may forward to a backend on ${W2}` },
      { rows: { suite: 'ports', portRange: NODEPORTS }, why: `the NodePort range is checked through NodePorts, which may forward to ${W2}` },
    ],
    // The node's own host network reaches the same pods (it is not forwarded): not its routes or
    // overlay but its forwarding (issue 22: host and pod sources are different evidence).
    diagnosis: [
      new RegExp(`^pod traffic (to|from|to and from) ${W2} \\(peers: ${CP}, ${W1}\\) fails .*, though ${W2}'s own host network reaches the same pods .*: .*${W2} does not forward its pods' traffic`),
    ],
  },
  {
    id: 'mtu',
    fault: ['mtu', W2, '1200'],
    networks: ['vxlan', 'flannel-vxlan'],
    mustFail: [
      { rows: { suite: 'pod-to-pod', payload: 'full', to: { node: W2, kind: 'pod' }, from: { node: OTHERS_THAN_W2 } }, why: `full-size packets into ${W2} are larger than its MTU` },
      {
        rows: { suite: 'pod-to-pod', payload: 'full', from: { node: W2, kind: 'pod' }, to: { node: OTHERS_THAN_W2, kind: 'pod' } },
        why: `full-size answers into ${W2}'s pods are larger than its MTU`,
      },
      MTU_HOST_UDP,
    ],
    mayFail: [...MTU_MAY_FAIL],
    diagnosis: [MTU_DIAGNOSIS],
  },
  {
    // Routed pods learn the small MTU: lab-worker-2 answers its own pods' large packets out of its
    // eth0 with ICMP "fragmentation needed", so their later connections advertise an MSS that fits
    // and a TCP try after the first passes (seen on routed + nftables, 2026-12-07: every full-size
    // TCP row into or out of lab-worker-2's pods passed on its second try, 6-7.5 s). UDP has no MSS:
    // its full-size datagrams into lab-worker-2 stay dropped.
    id: 'mtu-routed',
    fault: ['mtu', W2, '1200'],
    networks: ['routed'],
    mustFail: [
      {
        rows: { suite: 'pod-to-pod', payload: 'full', protocol: 'udp', to: { node: W2, kind: 'pod' }, from: { node: OTHERS_THAN_W2 } },
        why: `full-size UDP datagrams into ${W2} are larger than its MTU`,
      },
      {
        rows: { suite: 'pod-to-pod', payload: 'full', protocol: 'udp', from: { node: W2, kind: 'pod' }, to: { node: OTHERS_THAN_W2, kind: 'pod' } },
        why: `full-size UDP answers into ${W2}'s pods are larger than its MTU`,
      },
      MTU_HOST_UDP,
    ],
    mayFail: [
      {
        rows: { suite: 'pod-to-pod', payload: 'full', protocol: 'tcp', crossNode: true },
        why: `TCP into and out of ${W2}'s pods fails until ${W2}'s ICMP "fragmentation needed" for its pods' own large packets has taught them the path MTU; then their connections advertise an MSS that fits`,
      },
      ...MTU_MAY_FAIL,
    ],
    diagnosis: [MTU_DIAGNOSIS],
  },
  {
    id: 'block-vxlan',
    fault: ['block-port', W2, '8472/udp'],
    networks: ['vxlan', 'flannel-vxlan'],
    mustFail: [
      { rows: { suite: 'pod-to-pod', to: { node: W2, kind: 'pod' }, from: { node: OTHERS_THAN_W2 } }, why: `VXLAN (UDP 8472) into ${W2} is dropped` },
      { rows: { suite: 'pod-to-pod', from: { node: W2 }, to: { node: OTHERS_THAN_W2, kind: 'pod' } }, why: `answers to ${W2} come back over VXLAN into ${W2}` },
    ],
    mayFail: [
      { rows: { suite: 'pod-to-service' }, why: `a Service VIP may pick a backend on the other side of ${W2}'s overlay` },
      { rows: { suite: 'session-affinity' }, why: `the affinity backend may be on the other side of ${W2}'s overlay` },
      { rows: { suite: 'dns' }, why: `a DNS query may pick a CoreDNS replica on the other side of ${W2}'s overlay` },
      {
        rows: { suite: ['hairpin', 'pod-to-node', 'pod-to-external'], from: { node: W2, kind: 'pod' } },
        why: `node (and egress) answers to ${W2}'s pods come back over VXLAN into ${W2}`,
      },
      { rows: { suite: 'nodeport' }, why: `a NodePort may forward across ${W2}'s overlay` },
      { rows: { suite: 'ports', portRange: NODEPORTS }, why: `the NodePort range is checked through NodePorts, which may forward across ${W2}'s overlay` },
      { rows: { suite: 'ports', port: 8472, to: { node: W2 } }, why: 'UDP 8472 is checked through the overlay traffic it carries' },
      { rows: { suite: 'ports', port: 8472, from: { node: W2 } }, why: `UDP 8472 is judged from the overlay's traffic, which needs both directions: ${W2}'s answers come back over VXLAN into ${W2}` },
    ],
    diagnosis: [new RegExp(`^UDP 8472 on ${W2} is filtered from .*: open UDP 8472 on ${W2}'s firewall`)],
  },
  {
    id: 'bgp-down',
    fault: ['bgp-down', W2],
    networks: ['bgp'],
    mustFail: [
      { rows: { suite: 'ports', port: 179, protocol: 'tcp', to: { node: W2 } }, why: `TCP 179 into ${W2} is dropped, so no BGP session reaches it` },
      { rows: { suite: 'ports', port: 179, protocol: 'tcp', from: { node: W2 } }, why: `TCP 179 out of ${W2} is dropped too (both directions, stateless)` },
      { rows: { suite: 'pod-to-pod', to: { node: W2, kind: 'pod' }, from: { node: OTHERS_THAN_W2 } }, why: `the peers withdrew the route to ${W2}'s pod range when its BGP sessions died` },
      { rows: { suite: 'pod-to-pod', from: { node: W2 }, to: { node: OTHERS_THAN_W2, kind: 'pod' } }, why: `${W2} withdrew its routes to the other nodes' pod ranges` },
      { rows: { suite: 'pod-to-node', from: { node: OTHERS_THAN_W2, kind: 'pod' }, to: { node: W2 } }, why: `${W2}'s host answers the other nodes' pods over the pod routes it withdrew` },
    ],
    mayFail: [
      {
        rows: { suite: 'pod-to-node', from: { node: W2, kind: 'pod' }, to: { node: OTHERS_THAN_W2 } },
        why: `the other nodes' hosts answer ${W2}'s pods over the pod route to ${W2} they withdrew`,
      },
      ...SERVICE_PATHS_ACROSS([CP, W1, W2], `a Service VIP may pick a backend on the other side of the withdrawn routes`),
      { rows: { suite: 'pod-to-service' }, why: `a Service VIP may pick a backend on the other side of the withdrawn routes` },
      { rows: { suite: 'nodeport' }, why: `a NodePort may forward across the withdrawn routes` },
      { rows: { suite: 'ports', portRange: NODEPORTS }, why: `the NodePort range is checked through NodePorts, which may forward across the withdrawn routes` },
    ],
    diagnosis: [new RegExp(`BGP route distribution toward ${W2}`)],
  },
  {
    // The fault returns once flannel's route checker has re-added the route (≤ 10 s); a run
    // right after must pass: the repair leaves nothing broken behind. (Checks that ran inside
    // the window would rightly fail: the first trial, run without waiting, had 7 Service rows
    // from lab-worker-1 fail with "no route to host" before flannel re-added the route.)
    id: 'del-route-self-heals',
    fault: ['del-route', W1, W2],
    networks: ['flannel-host-gw'],
    selfHealing: true,
    mustFail: [],
    mayFail: [],
    diagnosis: [],
  },
  {
    id: 'no-egress-nat',
    fault: ['no-egress-nat', W2],
    // The lab's own egress NAT (lab/lib/egress.sh); in the flannel modes flanneld owns it.
    networks: ['routed', 'bgp'],
    mustFail: [
      {
        rows: { suite: 'pod-to-external', from: { node: W2, kind: 'pod' } },
        why: `${W2}'s pods reach the runner with their pod IPs, which nothing outside the cluster routes back (the root namespace blackholes them)`,
      },
    ],
    mayFail: [],
    diagnosis: [new RegExp(`pods on ${W2} cannot reach outside the cluster: egress NAT`)],
  },
  {
    // Not a broken path: a lossy one. Which rows lose samples is chance, so no row MUST fail;
    // the run must fail (exit 1) and name intermittent loss between the two workers. TCP
    // retransmits hide most loss from TCP rows (as slower answers); UDP samples show it.
    id: 'loss-20',
    fault: ['loss', W1, W2, '20'],
    networks: ['routed'],
    mustFail: [],
    mustFailSome: [
      {
        rows: { suite: 'pod-to-pod', protocol: 'udp', from: { node: [W1, W2] }, to: { node: [W1, W2] }, crossNode: true },
        why: `20 % of packets between ${W1} and ${W2} are dropped each way: UDP samples between them are lost`,
      },
    ],
    mayFail: [
      ...SERVICE_PATHS_ACROSS([W1, W2], 'a Service VIP or a DNS query from either worker may cross the lossy pair'),
      { rows: { from: { node: [W1, W2] }, to: { node: [W1, W2] }, crossNode: true }, why: `20 % of packets between ${W1} and ${W2} are dropped, each direction` },
      { rows: { suite: 'pod-to-service', from: { node: [W1, W2] } }, why: 'a Service VIP may pick a backend on the other worker' },
      { rows: { suite: 'nodeport', to: { node: [W1, W2] } }, why: 'a NodePort on either worker may forward to the backend across the lossy pair' },
      { rows: { suite: 'ports', to: { node: [W1, W2] }, portRange: NODEPORTS }, why: 'the NodePort range is checked through NodePorts, which may forward across the lossy pair' },
    ],
    diagnosis: [new RegExp(`intermittent loss between (${W1} and ${W2}|${W2} and ${W1})`)],
  },
  {
    id: 'pods-to-node-drop',
    fault: ['pods-to-node-drop', W2],
    networks: ['routed', 'vxlan'],
    mustFail: [{ rows: { suite: 'pod-to-node', to: { node: W2 } }, why: `${W2} drops new connections from the pod range to its own addresses` }],
    mayFail: [],
    diagnosis: [new RegExp(`pods cannot reach node addresses on ${W2}`)],
  },
  {
    // Not a lab script's idea: a node firewall (a cloud security group) that admits the pod range
    // but not the other nodes' addresses into its pods. The control path does not cross it (the
    // API server reaches the probes through the kubelet), so nothing here is a control error.
    id: 'nodes-to-pods-drop',
    fault: ['nodes-to-pods-drop', W2],
    networks: ['routed'],
    mustFail: [
      { rows: { suite: 'pod-to-pod', from: { node: OTHERS_THAN_W2, kind: 'host' }, to: { node: W2, kind: 'pod' } }, why: `${W2} drops new connections from the other nodes' addresses into its pods` },
    ],
    mayFail: [
      {
        rows: { suite: ['pod-to-service', 'session-affinity', 'dns'], from: { node: OTHERS_THAN_W2, kind: 'host' } },
        why: `a Service VIP from another node's host network may pick a backend on ${W2}`,
      },
    ],
    diagnosis: [new RegExp(`cannot open connections to ${W2}'s pods .*: ${W2} drops new connections from node addresses into its pods`)],
  },
  {
    id: 'hairpin-off',
    fault: ['hairpin-off', W2],
    networks: ['routed', 'vxlan'],
    mustFail: [{ rows: { suite: 'hairpin', from: { node: W2 } }, why: `hairpin is off on ${W2}'s bridge ports: a pod's packet DNATed back to itself cannot leave by the port it came in` }],
    mayFail: [
      {
        rows: { suite: ['pod-to-service', 'session-affinity'], from: { node: W2, kind: 'pod' } },
        why: `a Service request from a pod on ${W2} that picks that pod itself as the backend is a hairpin too`,
      },
    ],
    diagnosis: [new RegExp(`pods on ${W2} cannot reach themselves through their own Service.*hairpin`)],
  },
  {
    id: 'dns-down',
    fault: ['dns-down'],
    networks: ['routed', 'vxlan'],
    mustFail: [{ rows: { suite: 'dns', from: { kind: ['pod', 'host'] } }, why: 'CoreDNS has no replica: no lookup is answered, from any pod or node' }],
    mayFail: [],
    diagnosis: [/cluster DNS answers no lookup from any node/],
  },
  {
    id: 'block-dns-udp',
    fault: ['block-dns-udp', W2],
    networks: ['routed', 'vxlan'],
    mustFail: [{ rows: { suite: 'dns', from: { node: W2, kind: 'pod' }, properties: { 'dns.transport': 'udp' } }, why: `${W2} drops UDP 53 from its pods: their lookups over UDP time out` }],
    mayFail: [],
    diagnosis: [new RegExp(`DNS over UDP times out from pods on ${W2} \\(.*\\) while DNS over TCP from ${W2} works`)],
  },
];

// flannel (vxlan and host-gw): the same cut, but flanneld's --ip-masq masquerades a pod's traffic
// to a node address (outside the cluster network) to its own node's address, so lab-worker-1's
// host answers lab-worker-2's pods at lab-worker-2's node IP, past the blackhole: those
// pod-to-node rows must pass there (seen on the lab: they did, on both backends).
for (const [from, id, network] of [
  ['cut-route-vxlan', 'cut-route-flannel-vxlan', 'flannel-vxlan'],
  ['cut-route', 'cut-route-flannel-host-gw', 'flannel-host-gw'],
] as const) {
  const base = FAULT_CASES.find((c) => c.id === from)!;
  FAULT_CASES.push({ ...base, id, networks: [network], mustFail: base.mustFail.filter((m) => m.rows.suite !== 'pod-to-node') });
}

// The dual-stack lab (LAB_IP_FAMILY=dual): the same faults applied to IPv6 only (`--family 6`)
// must fail exactly the IPv6 rows they touch, the IPv4 twins must pass, and the diagnosis must
// name the family.
const ipv6Only = (rules: FaultCase['mustFail']): FaultCase['mustFail'] => rules.map((r) => ({ ...r, rows: { ...r.rows, family: 'ipv6' as const } }));
{
  const cut = FAULT_CASES.find((c) => c.id === 'cut-route')!;
  FAULT_CASES.push({
    id: 'cut-route-ipv6',
    fault: [...cut.fault, '--family', '6'],
    networks: ['routed'],
    ipFamilies: ['dual'],
    mustFail: ipv6Only(cut.mustFail),
    mayFail: ipv6Only(cut.mayFail),
    diagnosis: [new RegExp(`^IPv6 pod routes between ${W1} and ${W2} fail .* while IPv4 between them passes`)],
  });
  const kubelet = FAULT_CASES.find((c) => c.id === 'block-port-kubelet')!;
  FAULT_CASES.push({
    id: 'block-port-kubelet-ipv6',
    fault: [...kubelet.fault, '--family', '6'],
    networks: ['routed'],
    ipFamilies: ['dual'],
    mustFail: ipv6Only(kubelet.mustFail),
    mayFail: kubelet.mayFail,
    diagnosis: [new RegExp(`^IPv6 TCP 10250 on ${W1} is filtered from .* while IPv4 to it works`)],
  });
}

// ---- The NetworkPolicy lab (`lab up --netpol kube-router`; LAB_NETPOL=kube-router) --------------
// The enforcement faults (lab/lib/netpol.sh) on lab-worker-2, judged on the network-policy suite's
// core cases: kube-router stopped there (its rules stay as they were, so the policies a case makes
// are never programmed for lab-worker-2's pods), or a rule there that marks its pods' forwarded
// traffic as "a policy allowed it" (traffic between its own pods is still judged). The fleet puts
// pod i of the nine on node i mod 3 (x/c, y/c and z/c on lab-worker-2; helpers/netpol/fleet.ts),
// so the model says which cases deny connections that only policies of lab-worker-2's pods deny:
// those fail, each wrong cell a denied connection that went through, and every other case passes
// (the unit test derives the list from the model). Only such a lab runs these cases, and its runs
// are the suite's own: the fault breaks nothing else.

/**
 * What a run on the NetworkPolicy lab runs, healthy or under a fault: the network-policy suite's
 * core cases only. A case the fault breaks waits out the enforcement bound at each step: 6 s, not
 * the default 20 s (kube-router applies a change in 0.1-0.7 s on the lab).
 */
export const NETPOL_RUN_ARGS = ['--network-policy', 'core', '--policy-timeout', '6s', '--only', '^network-policy '];

/** What a healthy run on a lab runs: what its fault runs run (the NetworkPolicy lab: NETPOL_RUN_ARGS), else the full suite. */
export function healthyRunArgs(lab: { netpol?: LabNetpol }): string[] {
  return (lab.netpol ?? 'none') === 'none' ? [] : NETPOL_RUN_ARGS;
}

/** The core cases with denied connections that only policies of lab-worker-2's pods deny (each also between nodes). */
export const DENIED_ONLY_AT_W2 = ['both/default-deny/namespace-x', 'ingress/port-name/serve-81-udp', 'ingress/end-port/80-81-tcp', 'egress/dns-egress/deny-plus-dns'];

/** The NetworkPolicy faults' cases: each named case fails the way `failsWith` says, and only those. */
const netpolCase = (c: { id: string; why: string; failsWith: Record<string, string>; diagnosis: RegExp }): FaultCase => ({
  id: c.id,
  fault: [c.id, W2],
  networks: ['routed'],
  netpol: 'kube-router',
  runArgs: NETPOL_RUN_ARGS,
  mustFail: DENIED_ONLY_AT_W2.map((id) => ({ rows: { suite: 'network-policy', properties: { case: id } }, why: c.why, failsWith: c.failsWith })),
  mayFail: [],
  diagnosis: [c.diagnosis],
});

FAULT_CASES.push(
  netpolCase({
    id: 'netpol-down',
    why: `kube-router is stopped on ${W2}, so the policies a case makes are never programmed there: in the core cases whose policies deny connections only ${W2}'s pods' policies deny (${DENIED_ONLY_AT_W2.join(', ')}) exactly those connections go through`,
    failsWith: { 'evidence.unenforced.on': W2 },
    diagnosis: new RegExp(
      `^NetworkPolicy is not enforced for the pods on ${W2} \\(\\d+ cases?: .*\\): .*the same policies held for the pods on ${CP}, ${W1} — check the NetworkPolicy enforcer on ${W2}`,
    ),
  }),
  netpolCase({
    id: 'netpol-bypass',
    why: `${W2}'s pods' traffic to and from other nodes is marked as allowed before its policy chains: in the core cases whose policies deny connections only ${W2}'s pods' policies deny (${DENIED_ONLY_AT_W2.join(', ')}) exactly the cross-node ones go through`,
    failsWith: { 'evidence.unenforced.cross-node.on': W2 },
    diagnosis: new RegExp(
      `^NetworkPolicy is bypassed on ${W2} for its pods' traffic to and from other nodes \\(\\d+ cases?: .*\\): .*held between ${W2}'s own pods and for the pods on ${CP}, ${W1} — the enforcer on ${W2} runs`,
    ),
  }),
);

// ---- A catalogue of faults people really hit (issue 22) -----------------------------------------
// Not the lab's scripted drops: each is made on a node the way it happens there (a sysctl, a chain
// policy, a signal, a DNS server's configuration, a firewall that rejects; lab/lib/faults-real.sh),
// chosen from public troubleshooting knowledge (`source`, rendered into docs/detection.md). Run by
// `npm run detect` (not by npm test).

/** The collateral of a node whose pods' traffic is not forwarded (every path that crosses it). */
const NOT_FORWARDED = (node: string, others: string[]): RowRule[] => [
  { rows: { suite: 'pod-to-service' }, why: `a Service VIP may pick a backend on ${node}, and ${node}'s pods' Service traffic is forwarded` },
  { rows: { suite: ['session-affinity', 'hairpin'] }, why: `the affinity backend may be on ${node}; ${node}'s pods' Service traffic is forwarded` },
  { rows: { suite: 'dns' }, why: `a DNS query may pick a CoreDNS replica on ${node}; ${node}'s pods' queries are forwarded` },
  { rows: { suite: ['pod-to-node', 'pod-to-external'], from: { node, kind: 'pod' } }, why: `${node}'s pods' traffic out of the node is forwarded` },
  { rows: { suite: 'nodeport' }, why: `a NodePort may forward to a backend on ${node}` },
  { rows: { suite: 'ports', portRange: NODEPORTS }, why: `the NodePort range is checked through NodePorts, which may forward to ${node}` },
  { rows: { suite: 'pod-to-pod', from: { node, kind: 'pod' }, to: { node } }, why: `traffic between ${node}'s own pods crosses its bridge, which passes the FORWARD hook too (br_netfilter)` },
  { rows: { suite: 'pod-to-pod', from: { node: others, kind: 'host' }, to: { node, kind: 'pod' } }, why: `the other nodes' hosts reach ${node}'s pods through ${node}'s FORWARD` },
];

/** What a kube-proxy that stopped programming (hung or gone, its old rules in place) breaks on `node`. */
const PROXY_STALE = (node: string): Pick<FaultCase, 'mustFail' | 'mayFail'> => ({
  mustFail: [
    { rows: { suite: 'pod-to-service', from: { node }, expect: 'REACHABLE', to: { kind: 'service' }, properties: { service: 'probes' } }, why: `no rules on ${node} for the Services this run made` },
    { rows: { suite: 'nodeport', to: { node }, expect: 'REACHABLE' }, why: `no rules on ${node} for this run's NodePorts` },
    { rows: { suite: ['hairpin', 'session-affinity'], from: { node } }, why: `no rules on ${node} for this run's Services` },
  ],
  mayFail: [
    { rows: { suite: 'pod-to-service', from: { node } }, why: `every Service this run made lacks rules on ${node}` },
    { rows: { suite: 'dns', from: { node } }, why: `names of this run's Services resolve, but their addresses have no rules on ${node}` },
    { rows: { suite: 'ports', to: { node }, portRange: NODEPORTS }, why: `the NodePort range is checked through this run's NodePorts, which have no rules on ${node}` },
  ],
});

export const REAL_FAULT_CASES: FaultCase[] = [
  {
    id: 'br-netfilter-off',
    fault: ['br-netfilter-off', W2],
    networks: ['routed'],
    source:
      'kubeadm preflight ("/proc/sys/net/bridge/bridge-nf-call-iptables contents are not set to 1", kubernetes/kubeadm#312); kubernetes/kubernetes#38802, kelseyhightower/kubernetes-the-hard-way#561, flannel-io/flannel#1702: a Service whose backend sits on the caller\'s node does not answer',
    mustFail: [],
    mustFailSome: [
      {
        rows: { suite: 'pod-to-service', from: { node: W2, kind: 'pod' }, to: { kind: 'service' }, properties: { service: 'probes' } },
        why: `tries from ${W2}'s pods that pick a backend on ${W2} are lost: the reply crosses the bridge without iptables and is never un-NATed`,
      },
    ],
    mayFail: [
      { rows: { suite: ['pod-to-service', 'session-affinity', 'hairpin'], from: { node: W2, kind: 'pod' } }, why: `any Service try from ${W2}'s pods that picks a backend on ${W2} (itself included)` },
      { rows: { suite: 'dns', from: { node: W2, kind: 'pod' } }, why: `a lookup from ${W2}'s pods that picks a CoreDNS replica on ${W2}` },
    ],
    diagnosis: [new RegExp(`bridge-nf-call-iptables=1 .*on ${W2}`)],
  },
  {
    id: 'forward-policy-drop',
    fault: ['forward-policy-drop', W2],
    networks: ['routed'],
    source: 'Docker ≥ 1.13 sets the FORWARD policy to DROP (docker/docs#2941; kubernetes/kubernetes#40182, #39823; projectcalico/calico#2230)',
    mustFail: [
      { rows: { suite: 'pod-to-pod', from: { node: W2, kind: 'pod' }, to: { node: OTHERS_THAN_W2, kind: 'pod' } }, why: `${W2} drops the new connections of its pods it would forward` },
      { rows: { suite: 'pod-to-pod', from: { node: OTHERS_THAN_W2, kind: 'pod' }, to: { node: W2, kind: 'pod' } }, why: `${W2} drops new connections it would forward into its pods` },
    ],
    mayFail: NOT_FORWARDED(W2, OTHERS_THAN_W2),
    diagnosis: [new RegExp(`${W2} does not forward its pods' traffic`)],
  },
  {
    id: 'forward-drop-legacy',
    fault: ['forward-drop-legacy', W2],
    networks: ['routed'],
    source:
      'iptables-legacy and iptables-nft rules side by side, each invisible to the other tool (kubernetes/website#16271 "Ensure iptables tooling does not use the nftables backend"; cloudnativelabs/kube-router#1069), with Docker\'s FORWARD DROP',
    mustFail: [
      { rows: { suite: 'pod-to-pod', from: { node: W2, kind: 'pod' }, to: { node: OTHERS_THAN_W2, kind: 'pod' } }, why: `${W2}'s legacy FORWARD policy drops what it would forward out of its pods` },
      { rows: { suite: 'pod-to-pod', from: { node: OTHERS_THAN_W2, kind: 'pod' }, to: { node: W2, kind: 'pod' } }, why: `${W2}'s legacy FORWARD policy drops what it would forward into its pods` },
    ],
    mayFail: NOT_FORWARDED(W2, OTHERS_THAN_W2),
    diagnosis: [new RegExp(`${W2} does not forward its pods' traffic.*iptables-legacy`)],
  },
  {
    id: 'kube-proxy-hung',
    fault: ['kube-proxy-hung', W1],
    networks: ['routed', 'vxlan'],
    source: 'kube-proxy that stops syncing while its process lives: kubernetes/kubernetes#47589 ("kube-proxy losing sync"), #35641, #61005; the Debug Services guide ("Is kube-proxy working?")',
    ...PROXY_STALE(W1),
    diagnosis: [new RegExp(`kube-proxy on ${W1} has stopped programming new Services`)],
  },
  {
    id: 'kube-proxy-killed',
    fault: ['kube-proxy-killed', W1],
    networks: ['routed'],
    source: 'kube-proxy not running on a node (its DaemonSet pod crashed or evicted) while its last rules stay: the Debug Services guide ("Is kube-proxy running?"); kubernetes/kubernetes#35641',
    ...PROXY_STALE(W1),
    diagnosis: [new RegExp(`kube-proxy on ${W1} has stopped programming new Services`)],
  },
  {
    id: 'firewalld-default',
    fault: ['firewalld-default', W2],
    networks: ['routed'],
    source:
      'kubeadm preflight "firewalld is active, please ensure ports [6443 10250] are open" (kubernetes/kubernetes#37498, kubernetes/kubeadm#21); a default-deny INPUT with "REJECT --reject-with icmp-host-prohibited" (kubernetes/kubernetes#18802, flannel-io/flannel#2055)',
    mustFail: [{ rows: { suite: 'pod-to-node', to: { node: W2 } }, why: `${W2} rejects new connections to its own addresses on every port but 22, 6443 and 10250 (its host probe's among them)` }],
    mayFail: [{ rows: { suite: 'ports', to: { node: W2 } }, why: `the ports suite checks ${W2}'s own ports, which it rejects (but 22, 6443, 10250)` }],
    // The run has no check from another node's address to the host probe's ports: it cannot tell
    // this from a pod-range filter, and must not claim either — the INPUT firewall is the cause.
    diagnosis: [new RegExp(`pods cannot reach node addresses on ${W2} .*${W2}'s INPUT firewall (rejects|drops or rejects) new connections to its own addresses`)],
  },
  {
    id: 'nodeports-reject',
    fault: ['nodeports-reject', W2],
    networks: ['routed'],
    source:
      'NodePorts closed by a host firewall that REJECTs (kubernetes/kubernetes#18802, projectcalico/calico#2024 "Nodeport is rejected with icmp-port-unreachable"): the client sees "refused" although kube-proxy serves the port',
    mustFail: [
      {
        rows: { suite: 'nodeport', to: { node: W2 }, expect: 'REACHABLE' },
        why: `${W2} rejects new connections to its NodePort range (some tries refused, the rest unanswered: ICMP errors are rate-limited)`,
      },
      { rows: { suite: 'ports', to: { node: W2 }, portRange: NODEPORTS }, why: `the ports suite's NodePort-range rows to ${W2}` },
    ],
    mayFail: [],
    // ICMP errors are rate-limited by the kernel: most tries time out, a few are refused.
    diagnosis: [new RegExp(`NodePort .* on ${W2}.*firewall (rejects|drops)`)],
  },
  {
    id: 'block-dns-tcp',
    fault: ['block-dns-tcp', W2],
    networks: ['routed'],
    source: 'a firewall or NetworkPolicy opened for UDP 53 only: truncated answers then fail over TCP (coredns/coredns#844, kubernetes/kubernetes#35377, antrea-io/antrea#2605)',
    mustFail: [{ rows: { suite: 'dns', from: { node: W2, kind: 'pod' }, properties: { 'dns.transport': 'tcp' } }, why: `${W2} drops TCP 53 from its pods: their lookups over TCP time out` }],
    mayFail: [],
    diagnosis: [new RegExp(`DNS over TCP times out from pods on ${W2} \\(.*\\) while DNS over UDP from ${W2} works`)],
  },
  {
    id: 'coredns-loop',
    fault: ['coredns-loop'],
    networks: ['routed'],
    source:
      'CoreDNS forwarding to itself: `forward . /etc/resolv.conf` on a node whose resolv.conf names systemd-resolved\'s stub 127.0.0.53, which in the pod is CoreDNS itself; its loop plugin halts every replica (CrashLoopBackOff) — the "Debugging DNS Resolution" guide\'s known issues, coredns.io/plugins/loop (troubleshooting loops in Kubernetes), kubernetes/kubeadm#1292',
    mustFail: [{ rows: { suite: 'dns', from: { kind: ['pod', 'host'] } }, why: 'no CoreDNS replica stays up: no lookup is answered' }],
    mayFail: [],
    diagnosis: [/cluster DNS answers no lookup from any node/],
  },
  {
    id: 'coredns-rbac',
    fault: ['coredns-rbac'],
    networks: ['routed'],
    source:
      'CoreDNS cannot list EndpointSlices ("endpointslices.discovery.k8s.io is forbidden"): the "Debugging DNS Resolution" guide ("Does CoreDNS have sufficient permissions?", kubernetes/website#32358), coredns/coredns#5495, coredns/helm#9',
    mustFail: [{ rows: { suite: 'dns', from: { kind: ['pod', 'host'] } }, why: 'no CoreDNS replica turns ready: no lookup is answered' }],
    mayFail: [],
    diagnosis: [/cluster DNS answers no lookup from any node/],
  },
  {
    id: 'stale-vxlan-fdb',
    fault: ['stale-vxlan-fdb', W1, W2],
    networks: ['vxlan'],
    source: "a VXLAN forwarding entry left pointing at a node's old address (flannel-io/flannel#533, #654; projectcalico/calico#7281)",
    mustFail: [
      {
        rows: { suite: 'pod-to-pod', from: { node: W2, kind: 'host' }, to: { node: W1, kind: 'pod' } },
        why: `${W2}'s host traffic to pods is sourced from its VXLAN address, so answers from ${W1} take the stale entry`,
      },
      ...CUT_ROUTE.mustFail,
    ],
    mayFail: [
      { rows: { suite: 'ports', port: 8472, from: { node: [W1, W2] }, to: { node: [W1, W2] } }, why: 'UDP 8472 between the two nodes is judged from the pod traffic it carries' },
      ...CUT_ROUTE.mayFail,
    ],
    // The overlay between the two, and UDP 8472 between them as a firewall or the overlay's
    // forwarding: its rows are judged from the overlay's traffic, which cannot tell the two apart
    // (a firewall named alone is a wrong cause: seen on the lab 2026-12-07).
    diagnosis: [
      new RegExp(`^cross-node pod traffic between (${W1} and ${W2}|${W2} and ${W1}) fails .*the pod route or overlay between`),
      new RegExp(`^UDP 8472 between (${W1} and ${W2}|${W2} and ${W1}) gets nothing through, both ways, .*a firewall between the two or the overlay's forwarding between them`),
    ],
  },
  {
    id: 'no-service-masquerade',
    fault: ['no-service-masquerade', W2],
    networks: ['routed'],
    // The fault inserts its ACCEPT ahead of kube-proxy's iptables masquerade chain.
    proxyModes: ['iptables'],
    source:
      'Service traffic that must be SNATed is not (an ACCEPT placed before kube-proxy\'s masquerade, an ip-masq rule written too wide): the Debug Services guide ("Can a pod reach itself via the Service IP?" / hairpin), kubernetes/kubernetes#40182',
    mustFail: [{ rows: { suite: 'hairpin', from: { node: W2 } }, why: `a pod on ${W2} reaching itself through its Service needs the SNAT ${W2} no longer does` }],
    mustFailSome: [
      {
        rows: { suite: 'nodeport', to: { node: W2 }, expect: 'REACHABLE', properties: { externalTrafficPolicy: 'Cluster' } },
        why: `NodePort tries into ${W2} that pick a backend on another node are not SNATed: the backend answers the runner directly`,
      },
    ],
    mayFail: [
      { rows: { suite: ['pod-to-service', 'session-affinity'], from: { node: W2, kind: 'pod' } }, why: `a Service try from a pod on ${W2} that picks that pod itself is a hairpin` },
      {
        rows: { suite: 'dns', from: { node: W2, kind: 'pod' } },
        why: `a name's Service, reached after the lookup, may pick the asking pod on ${W2} itself: a hairpin (seen 2026-12-07: dns-probes over TCP from ${W2}'s probe-b)`,
      },
      { rows: { suite: 'ports', to: { node: W2 }, portRange: NODEPORTS }, why: `the NodePort range is checked through NodePorts into ${W2}` },
      { rows: { suite: 'loadbalancer' }, why: `a LoadBalancer address delivered to ${W2} is a NodePort there` },
    ],
    diagnosis: [new RegExp(`${W2} does not masquerade`)],
  },
  {
    id: 'ip-forward-off-self-heals',
    fault: ['ip-forward-off', W2],
    networks: ['routed'],
    source:
      'kubeadm preflight ("/proc/sys/net/ipv4/ip_forward contents are not set to 1"): after a reboot without the sysctl persisted. The bridge CNI turns it back on when it wires the next pod, so a run that deploys probes finds it repaired',
    selfHealing: true,
    mustFail: [],
    mayFail: [],
    diagnosis: [],
  },
];
