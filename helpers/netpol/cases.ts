// The network-policy suite's cases, generated from the spec's dimensions (issue 19) over the
// x/y/z × a/b/c world of case-world.ts. Each case: a stable id ("ingress/and-vs-or/and-y-b"), a
// family, a one-line description, its steps (actions, expected table, cells flipped), the cells
// its last step flips (what a runner polls to time enforcement), and how to undo it. Ids do not
// depend on the run (namespace names and addresses are parameters), so runs compare case by case.
import { allowAllCases, defaultDenyCases, namespaceScopeCases, policyTypesCases, unionCases } from './cases-basic.ts';
import { changesCases } from './cases-changes.ts';
import { dnsEgressCases, endPortCases, ipBlockCases, portNameCases, portNumberCases, protocolCases } from './cases-ports.ts';
import { andVsOrCases, matchExpressionsCases, namespaceSelectorCases, podSelectorCases } from './cases-selectors.ts';
import { baseTable, caseSteps, caseWorld, type CaseFamily, type CaseOptions, type CaseSpec, type CaseStep, type Kit } from './case-world.ts';
import { effectivePolicyTypes, isolatingPolicies } from './model.ts';
import { matchesSelector } from './selectors.ts';
import type { CellChange, TruthTable } from './truth-table.ts';
import type { Family, LabelSelector, NetworkPolicy, World } from './types.ts';
import { applyActions, type Action } from './world.ts';

export const CASE_FAMILIES: readonly CaseFamily[] = [
  'default-deny',
  'allow-all',
  'pod-selector',
  'namespace-selector',
  'and-vs-or',
  'match-expressions',
  'ip-block',
  'port-number',
  'port-name',
  'end-port',
  'protocol',
  'dns-egress',
  'union',
  'policy-types',
  'namespace-scope',
  'changes',
];

export interface NetpolCase {
  id: string;
  family: CaseFamily;
  /** Every family the case exercises (its own, and what its policies and steps use). */
  touches: CaseFamily[];
  description: string;
  ipFamily?: Family;
  dns?: boolean;
  steps: CaseStep[];
  /** The cells the last step flips relative to the one before: what to poll while the enforcer catches up. */
  changed: CellChange[];
  /** Actions that return the world to the base (delete policies, restore labels, delete added pods). */
  teardown: Action[];
  /** In the small default-run subset. */
  core: boolean;
}

/**
 * The core subset: few cases that together touch every family (ip-block and dns-egress only when the
 * options give pod CIDRs and DNS). `ip-block:` picks the case for the first pod CIDR's family.
 */
export const CORE_CASES = [
  'both/default-deny/namespace-x',
  'ingress/and-vs-or/or-y-b',
  'ingress/match-expressions/namespace-not-in',
  'ingress/union/port-per-policy',
  'ingress/port-name/serve-81-udp',
  'ingress/end-port/80-81-tcp',
  'ip-block:ingress/ip-block/pod-cidr-except-pod',
  'egress/dns-egress/deny-plus-dns',
  'ingress/changes/new-pod-in-peer',
  'egress/changes/update-egress',
] as const;

export function generateCases(options: CaseOptions): NetpolCase[] {
  const world = caseWorld(options);
  const kit: Kit = { options, world, ns: (id) => options.namespaces[id] };
  const specs = [
    defaultDenyCases,
    allowAllCases,
    podSelectorCases,
    namespaceSelectorCases,
    andVsOrCases,
    matchExpressionsCases,
    ipBlockCases,
    portNumberCases,
    portNameCases,
    endPortCases,
    protocolCases,
    dnsEgressCases,
    unionCases,
    policyTypesCases,
    namespaceScopeCases,
    changesCases,
  ].flatMap((family) => family(kit));
  const firstFamily = options.podCIDRs?.[0] ? (options.podCIDRs[0].includes(':') ? 'ipv6' : 'ipv4') : undefined;
  const core = new Set<string>(CORE_CASES.map((id) => (id.startsWith('ip-block:') ? `${id.slice('ip-block:'.length)}/${firstFamily}` : id)));
  // The table before any step depends only on what is probed: computed once per kind of case.
  const baseTables = new Map<string, TruthTable>();
  return specs.map((spec) => {
    const extra = { ...(spec.dns ? { dns: true } : {}), ...(spec.ipFamily ? { family: spec.ipFamily } : {}) };
    const kind = `${spec.dns ?? false}|${spec.ipFamily ?? ''}`;
    if (!baseTables.has(kind)) baseTables.set(kind, baseTable(world, options, extra));
    const { steps, teardown } = caseSteps(world, spec.steps, options, { ...extra, baseTable: baseTables.get(kind)! });
    return {
      id: spec.id,
      family: spec.family,
      touches: touches(spec, world),
      description: spec.description,
      ...(spec.ipFamily ? { ipFamily: spec.ipFamily } : {}),
      ...(spec.dns ? { dns: true } : {}),
      steps,
      changed: steps.at(-1)?.changed ?? [],
      teardown,
      core: core.has(spec.id),
    };
  });
}

/** The families a case exercises, read from its policies and steps (not from its id). */
export function touches(spec: CaseSpec, base: World): CaseFamily[] {
  const found = new Set<CaseFamily>([spec.family]);
  if (spec.steps.length > 1) found.add('changes');
  if (spec.dns) found.add('dns-egress');
  let world = base;
  for (const s of spec.steps) {
    world = applyActions(world, s.actions);
    for (const p of world.policies) policyFeatures(p, world).forEach((f) => found.add(f));
    for (const pod of world.pods) {
      if (isolatingPolicies(world, pod, 'ingress').length > 1 || isolatingPolicies(world, pod, 'egress').length > 1) found.add('union');
    }
  }
  return CASE_FAMILIES.filter((f) => found.has(f));
}

function policyFeatures(policy: NetworkPolicy, world: World): CaseFamily[] {
  const out: CaseFamily[] = [];
  const types = effectivePolicyTypes(policy);
  const spec = policy.spec;
  const rules = [
    ...(types.includes('Ingress') ? (spec.ingress ?? []).map((r) => ({ peers: r.from, ports: r.ports })) : []),
    ...(types.includes('Egress') ? (spec.egress ?? []).map((r) => ({ peers: r.to, ports: r.ports })) : []),
  ];
  if ((types.includes('Ingress') && !spec.ingress?.length) || (types.includes('Egress') && !spec.egress?.length)) out.push('default-deny');
  const defaulted = (spec.egress ?? []).length > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
  if (spec.policyTypes?.length && spec.policyTypes.join() !== defaulted.join()) out.push('policy-types');
  if (!spec.policyTypes?.length && (spec.egress ?? []).length > 0) out.push('policy-types');
  const selectors: LabelSelector[] = [spec.podSelector];
  for (const r of rules) {
    if (!r.peers?.length) out.push('allow-all');
    if ((r.peers?.length ?? 0) > 1) out.push('and-vs-or');
    for (const peer of r.peers ?? []) {
      if (peer.ipBlock) out.push('ip-block');
      if (peer.podSelector && peer.namespaceSelector) out.push('and-vs-or');
      if (peer.podSelector && !peer.namespaceSelector) out.push('pod-selector');
      if (peer.namespaceSelector) out.push('namespace-selector');
      selectors.push(...[peer.podSelector, peer.namespaceSelector].filter((s): s is LabelSelector => s !== undefined));
    }
    for (const port of r.ports ?? []) {
      if (typeof port.port === 'string') out.push('port-name');
      else if (port.endPort !== undefined) out.push('end-port');
      else if (port.port !== undefined) out.push('port-number');
      if (port.protocol !== undefined && port.protocol !== 'TCP') out.push('protocol');
      if (port.port === undefined) out.push('protocol');
    }
  }
  if (selectors.some((s) => s.matchExpressions?.length)) out.push('match-expressions');
  // The policy's podSelector would select pods of other namespaces: the table shows it does not.
  if (world.pods.some((p) => p.namespace !== policy.metadata.namespace && matchesSelector(spec.podSelector, p.labels))) out.push('namespace-scope');
  return out;
}

/** The core subset of generated cases. */
export function coreCases(cases: readonly NetpolCase[]): NetpolCase[] {
  return cases.filter((c) => c.core);
}
