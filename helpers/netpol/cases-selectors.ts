// Case families about who a rule names: podSelector, namespaceSelector, both in one peer (AND)
// against two peers (OR), and matchExpressions.
import { apply, inNamespace, policy, pods, podsInNamespace, selector, step, type CaseSpec, type Kit, type NamespaceId } from './case-world.ts';
import type { LabelSelector, LabelSelectorRequirement, NetworkPolicy, NetworkPolicyPeer } from './types.ts';

const one = (id: string, family: CaseSpec['family'], description: string, ...policies: NetworkPolicy[]): CaseSpec => ({ id, family, description, steps: [step(description, ...policies.map(apply))] });

function ingress(kit: Kit, n: NamespaceId, name: string, subject: LabelSelector, from: NetworkPolicyPeer[]): NetworkPolicy {
  return policy(kit.ns(n), name, { podSelector: subject, ingress: [{ from }] });
}

function egress(kit: Kit, n: NamespaceId, name: string, subject: LabelSelector, to: NetworkPolicyPeer[]): NetworkPolicy {
  return policy(kit.ns(n), name, { podSelector: subject, policyTypes: ['Egress'], egress: [{ to }] });
}

export function podSelectorCases(kit: Kit): CaseSpec[] {
  const f = 'pod-selector' as const;
  return [
    one('ingress/pod-selector/a-from-b', f, 'x/a accepts pod=b of x only', ingress(kit, 'x', 'a-from-b', selector({ pod: 'a' }), [pods('b')])),
    one('ingress/pod-selector/b-from-c', f, 'x/b accepts pod=c of x only', ingress(kit, 'x', 'b-from-c', selector({ pod: 'b' }), [pods('c')])),
    one('ingress/pod-selector/all-from-a', f, 'every pod of y accepts pod=a of y only', ingress(kit, 'y', 'all-from-a', {}, [pods('a')])),
    one(
      'ingress/pod-selector/empty-peer-selector',
      f,
      'from podSelector {} = every pod of the policy namespace x, nobody else',
      ingress(kit, 'x', 'from-own-namespace', selector({ pod: 'c' }), [{ podSelector: {} }]),
    ),
    one('ingress/pod-selector/two-labels', f, 'from pod=b or pod=c (two peers): x/a accepts both of x', ingress(kit, 'x', 'a-from-b-or-c', selector({ pod: 'a' }), [pods('b'), pods('c')])),
    one('ingress/pod-selector/no-match', f, 'from pod=nobody: x/a accepts nothing (only itself)', ingress(kit, 'x', 'a-from-nobody', selector({ pod: 'a' }), [pods('nobody')])),
    one('egress/pod-selector/a-to-b', f, 'x/a may send to pod=b of x only', egress(kit, 'x', 'a-to-b', selector({ pod: 'a' }), [pods('b')])),
    one('egress/pod-selector/b-to-c-in-z', f, 'z/b may send to pod=c of z only', egress(kit, 'z', 'b-to-c', selector({ pod: 'b' }), [pods('c')])),
    one('egress/pod-selector/all-to-a', f, 'every pod of x may send to x/a only', egress(kit, 'x', 'all-to-a', {}, [pods('a')])),
  ];
}

export function namespaceSelectorCases(kit: Kit): CaseSpec[] {
  const f = 'namespace-selector' as const;
  const a = selector({ pod: 'a' });
  return [
    one('ingress/namespace-selector/a-from-y', f, 'x/a accepts every pod of y', ingress(kit, 'x', 'a-from-y', a, [inNamespace('y')])),
    one('ingress/namespace-selector/a-from-z', f, 'x/a accepts every pod of z', ingress(kit, 'x', 'a-from-z', a, [inNamespace('z')])),
    one('ingress/namespace-selector/all-from-y', f, 'every pod of x accepts every pod of y (not its own namespace)', ingress(kit, 'x', 'all-from-y', {}, [inNamespace('y')])),
    one(
      'ingress/namespace-selector/b-from-own',
      f,
      'y/b accepts namespace y by label: its own namespace, named by a selector',
      ingress(kit, 'y', 'b-from-y', selector({ pod: 'b' }), [inNamespace('y')]),
    ),
    one(
      'ingress/namespace-selector/metadata-name',
      f,
      'x/a accepts the namespace whose kubernetes.io/metadata.name is z',
      ingress(kit, 'x', 'a-from-z-by-name', a, [{ namespaceSelector: selector({ 'kubernetes.io/metadata.name': kit.ns('z') }) }]),
    ),
    one(
      'ingress/namespace-selector/empty-with-pod',
      f,
      'namespaceSelector {} with pod=b: pod=b in every namespace',
      ingress(kit, 'x', 'a-from-any-b', a, [{ namespaceSelector: {}, podSelector: selector({ pod: 'b' }) }]),
    ),
    one('egress/namespace-selector/a-to-y', f, 'x/a may send to namespace y only', egress(kit, 'x', 'a-to-y', a, [inNamespace('y')])),
    one('egress/namespace-selector/all-to-z', f, 'every pod of y may send to namespace z only', egress(kit, 'y', 'all-to-z', {}, [inNamespace('z')])),
  ];
}

export function andVsOrCases(kit: Kit): CaseSpec[] {
  const f = 'and-vs-or' as const;
  const pairs: Array<[NamespaceId, string]> = [
    ['y', 'b'],
    ['z', 'c'],
  ];
  return pairs.flatMap(([n, p]): CaseSpec[] => [
    one(`ingress/and-vs-or/and-${n}-${p}`, f, `one peer {namespace ${n}, pod=${p}}: only ${n}/${p} reaches x/a`, ingress(kit, 'x', `and-${n}-${p}`, selector({ pod: 'a' }), [podsInNamespace(n, p)])),
    one(
      `ingress/and-vs-or/or-${n}-${p}`,
      f,
      `two peers [namespace ${n}], [pod=${p}]: all of ${n} and x/${p} reach x/a`,
      ingress(kit, 'x', `or-${n}-${p}`, selector({ pod: 'a' }), [inNamespace(n), pods(p)]),
    ),
    one(`egress/and-vs-or/and-${n}-${p}`, f, `one peer {namespace ${n}, pod=${p}}: x/a may send only to ${n}/${p}`, egress(kit, 'x', `and-${n}-${p}`, selector({ pod: 'a' }), [podsInNamespace(n, p)])),
    one(
      `egress/and-vs-or/or-${n}-${p}`,
      f,
      `two peers [namespace ${n}], [pod=${p}]: x/a may send to all of ${n} and x/${p}`,
      egress(kit, 'x', `or-${n}-${p}`, selector({ pod: 'a' }), [inNamespace(n), pods(p)]),
    ),
  ]);
}

const expr = (key: string, operator: LabelSelectorRequirement['operator'], ...values: string[]): LabelSelector => ({ matchExpressions: [{ key, operator, ...(values.length ? { values } : {}) }] });

export function matchExpressionsCases(kit: Kit): CaseSpec[] {
  const f = 'match-expressions' as const;
  const a = selector({ pod: 'a' });
  const tier = { kind: 'label-pod' as const, namespace: kit.ns('z'), pod: 'b', labels: { tier: 'db' } };
  return [
    one('ingress/match-expressions/pod-in', f, 'x/a accepts pod In (b, c) of x', ingress(kit, 'x', 'pod-in', a, [{ podSelector: expr('pod', 'In', 'b', 'c') }])),
    one('ingress/match-expressions/pod-not-in', f, 'x/a accepts pod NotIn (b) of x: a and c', ingress(kit, 'x', 'pod-not-in', a, [{ podSelector: expr('pod', 'NotIn', 'b') }])),
    one('ingress/match-expressions/namespace-in', f, 'x/a accepts namespaces ns In (y, z)', ingress(kit, 'x', 'ns-in', a, [{ namespaceSelector: expr('ns', 'In', 'y', 'z') }])),
    one('ingress/match-expressions/namespace-not-in', f, 'x/a accepts namespaces ns NotIn (x)', ingress(kit, 'x', 'ns-not-in', a, [{ namespaceSelector: expr('ns', 'NotIn', 'x') }])),
    one(
      'ingress/match-expressions/pod-does-not-exist',
      f,
      'x/a accepts pods without a pod label in any namespace: none here',
      ingress(kit, 'x', 'no-pod-label', a, [{ namespaceSelector: expr('ns', 'Exists'), podSelector: expr('pod', 'DoesNotExist') }]),
    ),
    {
      id: 'ingress/match-expressions/label-exists',
      family: f,
      description: 'z/b labelled tier=db; x/a accepts pods where tier Exists, in any namespace',
      steps: [step('label z/b tier=db and allow tier Exists', tier, apply(ingress(kit, 'x', 'tier-exists', a, [{ namespaceSelector: {}, podSelector: expr('tier', 'Exists') }])))],
    },
    {
      id: 'ingress/match-expressions/label-does-not-exist',
      family: f,
      description: 'z/b labelled tier=db; x/a accepts every pod without tier, in any namespace',
      steps: [step('label z/b tier=db and allow tier DoesNotExist', tier, apply(ingress(kit, 'x', 'tier-absent', a, [{ namespaceSelector: {}, podSelector: expr('tier', 'DoesNotExist') }])))],
    },
    one(
      'egress/match-expressions/both-selectors',
      f,
      'x/a may send to pod In (a) in namespaces ns NotIn (x): y/a and z/a',
      egress(kit, 'x', 'a-elsewhere', a, [{ namespaceSelector: expr('ns', 'NotIn', 'x'), podSelector: expr('pod', 'In', 'a') }]),
    ),
    one(
      'ingress/match-expressions/subject-selector',
      f,
      'a deny whose podSelector is pod In (a, b) isolates x/a and x/b, not x/c',
      policy(kit.ns('x'), 'deny-a-b', { podSelector: expr('pod', 'In', 'a', 'b'), policyTypes: ['Ingress'] }),
    ),
    one(
      'egress/match-expressions/subject-not-in',
      f,
      'an egress deny on pod NotIn (c) of y isolates y/a and y/b',
      policy(kit.ns('y'), 'deny-out-not-c', { podSelector: expr('pod', 'NotIn', 'c'), policyTypes: ['Egress'] }),
    ),
    one(
      'ingress/match-expressions/with-match-labels',
      f,
      'matchLabels pod=b AND pod In (b, c): x/b only',
      ingress(kit, 'x', 'labels-and-expr', a, [{ podSelector: { matchLabels: { pod: 'b' }, matchExpressions: [{ key: 'pod', operator: 'In', values: ['b', 'c'] }] } }]),
    ),
  ];
}
