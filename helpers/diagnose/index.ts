// Diagnosis: from the pattern of failures to a probable cause an admin can act on ("open UDP
// 8472 between worker-2 and the other nodes"), not a restatement of the failure.
//
// Each rule (one per file here) looks at the failing rows no earlier rule has explained, plus
// every row as evidence ("same-node passes"), and returns findings: one run-level cause and a
// note per row it explains. Order matters and is the order of DIAGNOSIS_RULES: a node that is
// down explains everything on it before the narrower rules (MTU, one port) get a chance to
// speak, so one fault yields one cause, not five; a narrow pattern (one pod, UDP only, one
// direction) is tried before the broad pod-network rule would claim its rows for a node.
//
// Rules read typed Facts (facts.ts), never a CheckResult, a title or a profile's prose.

import { isNetwork, type CheckResult, type NetworkResult, type RunResults } from '../check/types.ts';
import { asymmetric } from './asymmetric.ts';
import { egressNat } from './egress-nat.ts';
import { bgpRouteDistribution } from './bgp-route-distribution.ts';
import { bridgeNetfilter } from './bridge-netfilter.ts';
import { controlPath } from './control-path.ts';
import { dnsAnswers } from './dns-answers.ts';
import { dnsDown } from './dns-down.ts';
import { dnsResolvedDataPath } from './dns-resolved-data-path.ts';
import { dnsTcpBlocked } from './dns-tcp-blocked.ts';
import { dnsUdpBlocked } from './dns-udp-blocked.ts';
import { dnsUnreachableFromNode } from './dns-unreachable-from-node.ts';
import { factsOf, podNodesOf, resultOf, type DiagnoseContext, type Facts } from './facts.ts';
import { hairpin } from './hairpin.ts';
import { hostToPodsFirewall } from './host-to-pods-firewall.ts';
import { intermittentLoss } from './intermittent-loss.ts';
import { loadBalancerAnnounce } from './loadbalancer-announce.ts';
import { mtu } from './mtu.ts';
import { netpolFindings } from '../netpol/evidence.ts';
import { nodeDown } from './node-down.ts';
import { nodeFirewall } from './node-firewall.ts';
import { nodePortFirewall } from './nodeport-firewall.ts';
import { nodePortLocal } from './nodeport-local.ts';
import { nodePortOverPodNetwork } from './nodeport-over-pod-network.ts';
import { oneFamily } from './one-family.ts';
import { overlayPortFirewall } from './overlay-port-firewall.ts';
import { podNetwork } from './pod-network.ts';
import { podToNodeFirewall } from './pod-to-node-firewall.ts';
import { portFirewall } from './port-firewall.ts';
import { probeChanged } from './probe-changed.ts';
import type { DiagnosisRule, View } from './rule.ts';
import { servicePathsCollateral } from './service-paths-collateral.ts';
import { serviceMasquerade } from './service-masquerade.ts';
import { serviceProxy } from './service-proxy.ts';
import { sessionAffinity } from './session-affinity.ts';
import { sessionAffinityOverPodNetwork } from './session-affinity-over-pod-network.ts';
import { singlePod } from './single-pod.ts';
import { udpOnly } from './udp-only.ts';
import { unexplained } from './unexplained.ts';
import { wrongAnswer } from './wrong-answer.ts';

export type { DiagnoseContext, Facts } from './facts.ts';
export type { DiagnosisRule, View } from './rule.ts';

export interface Finding {
  rule: string;
  /** Run-level cause, naming nodes and ports. */
  cause: string;
  /** Rows this cause explains, each with its own one-line note. */
  explains: Array<{ result: NetworkResult; note: string }>;
}

/** Evaluation order = priority: the broadest explanation first, narrow patterns before pod-network (see header). */
export const DIAGNOSIS_RULES: readonly DiagnosisRule[] = [
  probeChanged,
  nodeDown,
  wrongAnswer,
  intermittentLoss,
  oneFamily,
  mtu,
  bgpRouteDistribution,
  singlePod,
  udpOnly,
  hostToPodsFirewall,
  asymmetric,
  overlayPortFirewall,
  podNetwork,
  nodePortOverPodNetwork,
  nodeFirewall,
  serviceMasquerade,
  portFirewall,
  egressNat,
  bridgeNetfilter,
  hairpin,
  serviceProxy,
  nodePortLocal,
  nodePortFirewall,
  loadBalancerAnnounce,
  podToNodeFirewall,
  sessionAffinity,
  servicePathsCollateral,
  sessionAffinityOverPodNetwork,
  dnsDown,
  dnsUdpBlocked,
  dnsTcpBlocked,
  dnsUnreachableFromNode,
  dnsAnswers,
  dnsResolvedDataPath,
  controlPath,
  unexplained,
];

/** The rules' view of a run: `open` defaults to the failed and errored rows of `all`. */
export function viewOf(rows: { all: readonly CheckResult[]; open?: readonly CheckResult[] }, ctx: DiagnoseContext = {}): View {
  // Rules reason about the data path; static rows (skips, setup failures, facts) speak for themselves.
  const network = rows.all.filter(isNetwork);
  ctx = { ...ctx, podNodes: ctx.podNodes ?? podNodesOf(network) };
  const byResult = new Map<NetworkResult, Facts>(network.map((r) => [r, factsOf(r, ctx)]));
  const facts = (r: NetworkResult) => byResult.get(r) ?? factsOf(r, ctx);
  const all = network.map(facts);
  return { all, open: rows.open ? rows.open.filter(isNetwork).map(facts) : all.filter((f) => f.outcome === 'failed' || f.outcome === 'error'), explainedBy: new Map(), ctx };
}

/**
 * Apply the rules. Returns copies of the rows with `diagnosis` filled (existing entries kept)
 * and the run-level causes, most specific first.
 */
export function diagnose<R extends CheckResult>(results: readonly R[], ctx: DiagnoseContext = {}): { results: R[]; causes: string[]; findings: Finding[] } {
  const view = viewOf({ all: results }, ctx);
  ctx = view.ctx;
  let open = view.open;
  const explainedBy = new Map<Facts, string[]>();
  const notes = new Map<CheckResult, string[]>();
  const findings: Finding[] = [];
  for (const rule of DIAGNOSIS_RULES) {
    for (const finding of rule.find({ all: view.all, open, explainedBy, ctx })) {
      const explains = finding.explains.map(({ facts, note }) => ({ result: resultOf(facts), note }));
      findings.push({ rule: finding.rule, cause: finding.cause, explains });
      for (const { result, note } of explains) notes.set(result, [...(notes.get(result) ?? []), note]);
      for (const { facts } of finding.explains) explainedBy.set(facts, [...(explainedBy.get(facts) ?? []), finding.rule]);
      const explained = new Set(finding.explains.map((e) => e.facts));
      open = open.filter((f) => !explained.has(f));
    }
  }
  // The network-policy cases (static rows with their tables' evidence): their own reading.
  const causes = findings.map((f) => f.cause);
  for (const finding of netpolFindings(results)) {
    causes.push(finding.cause);
    const named = new Set(finding.cases);
    for (const r of results)
      if (r.suite === 'network-policy' && named.has(r.name)) notes.set(r, [...(notes.get(r) ?? []), finding.rule === 'netpol-unexplained' ? 'no known pattern' : finding.cause.split(':')[0]!]);
  }
  const out = results.map((r) => {
    const extra = notes.get(r);
    return extra ? { ...r, diagnosis: [...new Set([...(r.diagnosis ?? []), ...extra])] } : r;
  });
  return { results: out, causes, findings };
}

/** Convenience for the engine: the same run with per-row and run-level diagnosis filled. */
export function withDiagnosis(run: RunResults, ctx: DiagnoseContext = {}): RunResults {
  const { results, causes } = diagnose(run.results, ctx);
  return { ...run, results, diagnosis: causes };
}
