// What the API server would refuse in a NetworkPolicy, so a generated case never depends on an
// object that cannot exist (and the model never has to guess what an invalid one means):
// a peer names podSelector and/or namespaceSelector, or ipBlock alone; selectors, CIDRs and ports
// are well-formed; endPort only with a numeric port.
import { ipBlockProblems } from './ip-block.ts';
import { portProblems } from './ports.ts';
import { selectorProblems } from './selectors.ts';
import type { NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort } from './types.ts';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function policyProblems(policy: NetworkPolicy): string[] {
  const { name, namespace } = policy.metadata;
  const at = `${namespace}/${name}`;
  const problems: string[] = [];
  if (!DNS_LABEL.test(namespace)) problems.push(`${at}: namespace ${JSON.stringify(namespace)} is not a DNS label`);
  if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name) || name.length > 253) problems.push(`${at}: name ${JSON.stringify(name)} is not a DNS subdomain`);
  problems.push(...selectorProblems(policy.spec.podSelector, `${at} spec.podSelector`));
  for (const t of policy.spec.policyTypes ?? []) {
    if (t !== 'Ingress' && t !== 'Egress') problems.push(`${at} spec.policyTypes: ${String(t)} is not Ingress or Egress`);
  }
  const rules = [
    ...(policy.spec.ingress ?? []).map((r, i) => ({ where: `${at} spec.ingress[${i}]`, field: 'from', peers: r.from, ports: r.ports })),
    ...(policy.spec.egress ?? []).map((r, i) => ({ where: `${at} spec.egress[${i}]`, field: 'to', peers: r.to, ports: r.ports })),
  ];
  for (const r of rules) {
    (r.peers ?? []).forEach((p, j) => problems.push(...peerProblems(p, `${r.where}.${r.field}[${j}]`)));
    (r.ports ?? []).forEach((p: NetworkPolicyPort, j) => problems.push(...portProblems(p, `${r.where}.ports[${j}]`)));
  }
  return problems;
}

function peerProblems(peer: NetworkPolicyPeer, where: string): string[] {
  if (peer.ipBlock) {
    if (peer.podSelector || peer.namespaceSelector) return [`${where}: ipBlock cannot be combined with podSelector or namespaceSelector`];
    return ipBlockProblems(peer.ipBlock, `${where}.ipBlock`);
  }
  if (!peer.podSelector && !peer.namespaceSelector) return [`${where}: a peer needs podSelector, namespaceSelector or ipBlock`];
  return [
    ...(peer.podSelector ? selectorProblems(peer.podSelector, `${where}.podSelector`) : []),
    ...(peer.namespaceSelector ? selectorProblems(peer.namespaceSelector, `${where}.namespaceSelector`) : []),
  ];
}
