// Case families about isolation itself: default deny, allow-all, several policies on one pod
// (union), policyTypes and its defaulting, and a policy's reach ending at its namespace.
import { apply, inNamespace, NAMESPACES, policy, pods, podsInNamespace, selector, step, type CaseSpec, type Kit, type NamespaceId } from './case-world.ts';
import type { NetworkPolicy, PolicyType } from './types.ts';

type Dir = 'ingress' | 'egress' | 'both';
const TYPES: Record<Dir, PolicyType[]> = { ingress: ['Ingress'], egress: ['Egress'], both: ['Ingress', 'Egress'] };

/** A policy with no rules for its types: everything selected is isolated, nothing allowed. */
export function denyAll(kit: Kit, n: NamespaceId, dir: Dir, podLabel?: string): NetworkPolicy {
  const name = `deny-${dir}${podLabel ? `-${podLabel}` : ''}`;
  return policy(kit.ns(n), name, { podSelector: selector(podLabel ? { pod: podLabel } : {}), policyTypes: TYPES[dir] });
}

export function defaultDenyCases(kit: Kit): CaseSpec[] {
  return (['ingress', 'egress', 'both'] as const).flatMap((dir): CaseSpec[] => [
    {
      id: `${dir}/default-deny/namespace-x`,
      family: 'default-deny',
      description: `podSelector {} with no ${dir} rules isolates every pod of x`,
      steps: [step('deny all in x', apply(denyAll(kit, 'x', dir)))],
    },
    { id: `${dir}/default-deny/pod-x-a`, family: 'default-deny', description: `a ${dir} deny on pod=a in x isolates x/a only`, steps: [step('deny x/a', apply(denyAll(kit, 'x', dir, 'a')))] },
    {
      id: `${dir}/default-deny/every-namespace`,
      family: 'default-deny',
      description: `a ${dir} deny in each of x, y, z: only a pod's traffic to itself remains`,
      steps: [step('deny all in x, y and z', ...NAMESPACES.map((n) => apply(denyAll(kit, n, dir))))],
    },
  ]);
}

export function allowAllCases(kit: Kit): CaseSpec[] {
  const x = kit.ns('x');
  // Over a deny, the allow comes as a second step: its cells flip back to allowed, so a runner can
  // tell that the enforcer caught up (an all-allowed table reached in one step shows nothing).
  const c = (id: string, description: string, ...policies: NetworkPolicy[]): CaseSpec => {
    const [first, ...rest] = policies;
    const steps = rest.length && first ? [step(`${first.metadata.name}`, apply(first)), step(description, ...rest.map(apply))] : [step(description, ...policies.map(apply))];
    return { id, family: 'allow-all', description, steps };
  };
  return [
    c('ingress/allow-all/empty-rule', 'ingress: [{}] over a deny in x allows everything into x', denyAll(kit, 'x', 'ingress'), policy(x, 'allow-all', { podSelector: {}, ingress: [{}] })),
    c('ingress/allow-all/empty-from', 'from: [] is every source', denyAll(kit, 'x', 'ingress'), policy(x, 'allow-empty-from', { podSelector: {}, ingress: [{ from: [] }] })),
    c(
      'ingress/allow-all/no-from-with-ports',
      'a rule without from but with ports: every source, those ports only',
      policy(x, 'allow-80-tcp', { podSelector: {}, ingress: [{ ports: [{ port: 80 }] }] }),
    ),
    c(
      'ingress/allow-all/every-namespace',
      'namespaceSelector {} is every namespace: all pods anywhere may reach x/a',
      denyAll(kit, 'x', 'ingress', 'a'),
      policy(x, 'allow-all-namespaces', { podSelector: selector({ pod: 'a' }), ingress: [{ from: [{ namespaceSelector: {} }] }] }),
    ),
    c(
      'egress/allow-all/empty-rule',
      'egress: [{}] over an egress deny in x allows everything out of x',
      denyAll(kit, 'x', 'egress'),
      policy(x, 'allow-all-out', { podSelector: {}, policyTypes: ['Egress'], egress: [{}] }),
    ),
    c(
      'egress/allow-all/empty-to-with-ports',
      'to: [] is every destination, on 81/UDP only',
      policy(x, 'allow-out-81-udp', { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [], ports: [{ port: 81, protocol: 'UDP' }] }] }),
    ),
    c(
      'both/allow-all/over-deny',
      'allow-all both ways over a deny both ways: the union allows everything',
      denyAll(kit, 'x', 'both'),
      policy(x, 'allow-both', { podSelector: {}, policyTypes: ['Ingress', 'Egress'], ingress: [{}], egress: [{}] }),
    ),
  ];
}

export function unionCases(kit: Kit): CaseSpec[] {
  const x = kit.ns('x');
  const a = selector({ pod: 'a' });
  const c = (id: string, description: string, ...policies: NetworkPolicy[]): CaseSpec => ({ id, family: 'union', description, steps: [step(description, ...policies.map(apply))] });
  return [
    c(
      'ingress/union/two-peers-two-policies',
      'x/a: one policy allows pod=b, another namespace y: either is enough',
      policy(x, 'allow-b', { podSelector: a, ingress: [{ from: [pods('b')] }] }),
      policy(x, 'allow-y', { podSelector: a, ingress: [{ from: [inNamespace('y')] }] }),
    ),
    c(
      'ingress/union/port-per-policy',
      'x/a: 80/TCP from pod=b in one policy, 81/UDP from pod=c in another',
      policy(x, 'b-80', { podSelector: a, ingress: [{ from: [pods('b')], ports: [{ port: 80 }] }] }),
      policy(x, 'c-81', { podSelector: a, ingress: [{ from: [pods('c')], ports: [{ port: 81, protocol: 'UDP' }] }] }),
    ),
    c(
      'ingress/union/deny-plus-allow',
      'a deny-all and an allow on the same pods: the allow wins (no rule denies)',
      denyAll(kit, 'x', 'ingress'),
      policy(x, 'allow-from-y-b', { podSelector: {}, ingress: [{ from: [podsInNamespace('y', 'b')] }] }),
    ),
    c(
      'both/union/ingress-policy-and-egress-policy',
      'an ingress-only and an egress-only policy on x/a isolate it both ways',
      policy(x, 'in-from-b', { podSelector: a, ingress: [{ from: [pods('b')] }] }),
      policy(x, 'out-to-z', { podSelector: a, policyTypes: ['Egress'], egress: [{ to: [inNamespace('z')] }] }),
    ),
    c(
      'ingress/union/overlapping-selectors',
      'podSelector {} allows pod=c, pod=a allows namespace z: x/a gets both, x/b and x/c only pod=c',
      policy(x, 'all-from-c', { podSelector: {}, ingress: [{ from: [pods('c')] }] }),
      policy(x, 'a-from-z', { podSelector: a, ingress: [{ from: [inNamespace('z')] }] }),
    ),
    c(
      'ingress/union/two-rules-one-policy',
      'two rules in one policy: pod=b on 80/TCP, pod=c on 81/TCP',
      policy(x, 'two-rules', {
        podSelector: a,
        ingress: [
          { from: [pods('b')], ports: [{ port: 80 }] },
          { from: [pods('c')], ports: [{ port: 81 }] },
        ],
      }),
    ),
    c(
      'egress/union/two-policies',
      'x/a may reach namespace y (one policy) and pod=c in z (another)',
      policy(x, 'out-y', { podSelector: a, policyTypes: ['Egress'], egress: [{ to: [inNamespace('y')] }] }),
      policy(x, 'out-z-c', { podSelector: a, policyTypes: ['Egress'], egress: [{ to: [podsInNamespace('z', 'c')] }] }),
    ),
  ];
}

export function policyTypesCases(kit: Kit): CaseSpec[] {
  const x = kit.ns('x');
  const a = selector({ pod: 'a' });
  const c = (id: string, description: string, p: NetworkPolicy): CaseSpec => ({ id, family: 'policy-types', description, steps: [step(description, apply(p))] });
  return [
    c(
      'ingress/policy-types/ingress-ignores-egress-rules',
      'policyTypes [Ingress] with egress rules: the egress rules do nothing, x/a egress stays open',
      policy(x, 'ingress-only', { podSelector: a, policyTypes: ['Ingress'], ingress: [{ from: [pods('b')] }], egress: [{ to: [pods('b')] }] }),
    ),
    c(
      'egress/policy-types/egress-ignores-ingress-rules',
      'policyTypes [Egress] with ingress rules: ingress to x/a stays open',
      policy(x, 'egress-only', { podSelector: a, policyTypes: ['Egress'], ingress: [{ from: [pods('b')] }], egress: [{ to: [pods('c')] }] }),
    ),
    c('both/policy-types/both-no-rules', 'policyTypes [Ingress, Egress] and no rules: x/a isolated both ways', policy(x, 'both-none', { podSelector: a, policyTypes: ['Ingress', 'Egress'] })),
    c(
      'both/policy-types/default-with-egress-rules',
      'no policyTypes, egress rules present: defaults to Ingress and Egress',
      policy(x, 'defaulted-both', { podSelector: a, egress: [{ to: [inNamespace('y')] }] }),
    ),
    c(
      'ingress/policy-types/default-empty-egress',
      'no policyTypes and egress: [] (no egress rules): defaults to Ingress only',
      policy(x, 'defaulted-ingress', { podSelector: a, ingress: [{ from: [pods('c')] }], egress: [] }),
    ),
    c('ingress/policy-types/default-no-rules', 'no policyTypes, no rules: Ingress only, so x/a ingress denied and egress open', policy(x, 'defaulted-deny', { podSelector: a })),
    c('egress/policy-types/egress-no-rules', 'policyTypes [Egress] alone: egress denied, ingress open', policy(x, 'egress-none', { podSelector: a, policyTypes: ['Egress'] })),
  ];
}

export function namespaceScopeCases(kit: Kit): CaseSpec[] {
  const c = (id: string, description: string, p: NetworkPolicy): CaseSpec => ({ id, family: 'namespace-scope', description, steps: [step(description, apply(p))] });
  return [
    c('ingress/namespace-scope/pod-a-only-in-x', 'a deny for pod=a in x leaves y/a and z/a open', denyAll(kit, 'x', 'ingress', 'a')),
    c('ingress/namespace-scope/deny-y-leaves-x', 'a deny-all in y does not isolate x or z', denyAll(kit, 'y', 'ingress')),
    c(
      'ingress/namespace-scope/pod-selector-own-namespace',
      'from pod=b in a policy of x means x/b only, not y/b or z/b',
      policy(kit.ns('x'), 'from-b', { podSelector: {}, ingress: [{ from: [pods('b')] }] }),
    ),
    c('egress/namespace-scope/deny-z-egress', 'an egress deny in z leaves x and y free to send', denyAll(kit, 'z', 'egress')),
    c(
      'ingress/namespace-scope/selector-names-y-policy-in-x',
      'a policy in x that allows namespace y isolates x pods only, never y pods',
      policy(kit.ns('x'), 'from-y', { podSelector: selector({ pod: 'b' }), ingress: [{ from: [inNamespace('y')] }] }),
    ),
  ];
}
