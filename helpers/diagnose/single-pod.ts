import type { Facts } from './facts.ts';
import { count, explainAll, failed, groupBy, judged, names, passed, type DiagnosisRule, type RuleFinding } from './rule.ts';

/**
 * One pod is unreachable while another pod on the same node answers checks from the same nodes: the node,
 * its routes and the overlay are fine, so the cause is that pod's own network — its veth, its
 * sandbox, or the CNI's setup of it. Tried before pod-network, which would blame the node.
 */
export const singlePod: DiagnosisRule = {
  id: 'single-pod',
  pattern: "every check to one pod fails while the other pod on its node answers checks from the same nodes → that pod's own interface (veth) or sandbox, not the node",
  find({ all, open }) {
    const findings: RuleFinding[] = [];
    const podRows = all.filter((f) => f.path === 'pod-to-pod' && f.to.kind === 'pod' && f.to.pod);
    const candidates = groupBy(
      open.filter((f) => f.path === 'pod-to-pod' && failed(f) && f.to.kind === 'pod' && f.to.pod),
      (f) => `${f.to.node}|${f.to.pod}`,
    );
    let remaining = open;
    for (const [, [first]] of candidates) {
      const { node, pod } = first!.to;
      const notFromIt = (f: Facts) => f.from.pod !== pod;
      // Rows that could not be driven (another broken source) say nothing either way.
      const toPodAll = podRows.filter((f) => f.to.node === node && f.to.pod === pod && notFromIt(f) && judged(f));
      // Unreachable from everywhere (its veth, its sandbox), or only from other nodes while its
      // own node reaches it (its address is not forwarded beyond the node: a rule or route on
      // that one IP, an address conflict). Readiness probes come from the node itself, so a
      // Ready pod with a broken veth is rare and the second shape is what a run mostly sees.
      const everywhere = toPodAll.length >= 2 && toPodAll.every(failed);
      const local = toPodAll.filter((f) => f.from.node === node);
      const remote = toPodAll.filter((f) => f.from.node !== node);
      const onlyRemote = !everywhere && remote.length >= 2 && remote.every(failed) && local.length > 0 && local.every(passed);
      if (!everywhere && !onlyRemote) continue;
      const toPod = everywhere ? toPodAll : remote;
      // The node's other pods, dialled from the same nodes (a --short run dials them from the
      // host-network probes there): every one of those checks must have answered.
      const sourceNodes = new Set(toPod.map((f) => f.from.node));
      const siblings = podRows.filter((f) => f.to.node === node && f.to.pod !== pod && notFromIt(f) && sourceNodes.has(f.from.node) && judged(f));
      if (siblings.length === 0 || !siblings.every(passed)) continue;
      const fromIt = remaining.filter((f) => f.from.pod === pod && f.from.node === node && (failed(f) || f.seen === 'control-error'));
      // A Service may pick this pod as its backend; only from nodes where some Service request works.
      const serviceOkFrom = (n: string) => all.some((f) => f.path === 'pod-to-service' && !f.apiServer && f.from.node === n && passed(f));
      const viaService = remaining.filter((f) => f.path === 'pod-to-service' && !f.apiServer && failed(f) && serviceOkFrom(f.from.node));
      const mine = remaining.filter((f) => toPod.includes(f));
      const peers = names(
        toPod.map((f) => (f.from.kind === 'host' ? `${f.from.node} (host)` : f.from.node)),
        8,
      );
      const answering = names(
        siblings.map((f) => f.to.pod!),
        3,
      );
      const ip = first!.to.ip;
      findings.push({
        rule: this.id,
        cause: everywhere
          ? `pod ${pod} on ${node} is unreachable (${count(mine.length, 'check')}, from ${peers}) while ${answering} on ${node} answers checks from those nodes: ` +
            `the fault is that pod's own network, not ${node} or the pod network — its interface (veth) or sandbox, or the CNI's setup of it; ` +
            `check \`kubectl describe pod ${pod}\` (events, restarts), the pod's interface and routes (\`ip addr\`, \`ip route\` inside it) and its veth on ${node}`
          : `pod ${pod} on ${node} is unreachable from other nodes (${count(mine.length, 'check')}, from ${peers}) while ${node} itself reaches it and ${answering} on ${node} answers checks from those nodes: ` +
            `the pod's own address (${ip}) is not forwarded beyond its node, not ${node}'s pod network — a firewall rule or route on ${node} that names ${ip}, or another host answering for the same address; ` +
            `check \`iptables-save | grep ${ip}\` / \`nft list ruleset | grep ${ip}\` and \`ip route get ${ip}\` on ${node}, and the pod's IP against the node's other pods and hosts`,
        explains: [
          ...explainAll(mine, everywhere ? `pod ${pod} itself (its veth/sandbox): the other pod on ${node} answers` : `pod ${pod}'s address beyond ${node}: ${node} and the other pod there reach it`),
          ...explainAll(fromIt, `from ${pod}, whose own network is down`),
          ...explainAll(viaService, `a Service request may have picked ${pod} as its backend`),
        ],
      });
      const claimed = new Set<Facts>([...mine, ...fromIt, ...viaService]);
      remaining = remaining.filter((f) => !claimed.has(f));
    }
    return findings;
  },
};
