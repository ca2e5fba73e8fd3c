// Changes over time: a policy updated or deleted, a pod or namespace relabelled into or out of a
// selector, a new pod joining a selected set. An enforcer must follow each change, not only the
// first state; the last step's changed cells are what a runner polls to time how long it took.
import { denyAll } from './cases-basic.ts';
import { apply, inNamespace, policy, pods, probePod, selector, step, type CaseSpec, type Kit, type NamespaceId } from './case-world.ts';
import type { NetworkPolicy } from './types.ts';
import type { Action } from './world.ts';

export function changesCases(kit: Kit): CaseSpec[] {
  const x = kit.ns('x');
  const a = selector({ pod: 'a' });
  const blue = selector({ team: 'blue' });
  const fromBlue = policy(x, 'a-from-blue', { podSelector: a, ingress: [{ from: [{ namespaceSelector: {}, podSelector: blue }] }] });
  const fromBlueNamespaces = policy(x, 'a-from-blue-ns', { podSelector: a, ingress: [{ from: [{ namespaceSelector: blue }] }] });
  const denyBlue = policy(x, 'deny-blue', { podSelector: blue, policyTypes: ['Ingress'] });
  const labelPod = (n: NamespaceId, p: string, team: string | null): Action => ({ kind: 'label-pod', namespace: kit.ns(n), pod: p, labels: { team } });
  const labelNamespace = (n: NamespaceId, team: string | null): Action => ({ kind: 'label-namespace', namespace: kit.ns(n), labels: { team } });
  const addPod = (n: NamespaceId, labels: Record<string, string>): Action => {
    const first = kit.world.pods[0];
    const where = kit.options.addedPod ?? { ips: [], node: first?.node ?? '' };
    return { kind: 'add-pod', pod: probePod({ namespace: kit.ns(n), name: 'd', labels: { pod: 'd', ...labels }, ...where }) };
  };
  const c = (id: string, description: string, ...steps: CaseSpec['steps']): CaseSpec => ({ id, family: 'changes', description, steps });
  const fromB = policy(x, 'a-from', { podSelector: a, ingress: [{ from: [pods('b')] }] });
  /**
   * One policy and a team=blue label moved into its selector, then (a second case) out of it: the
   * enforcer must follow the change either way. `into` labels its target after the policy;
   * `out-of` starts with both and takes the label off. `name` has a % for into / out-of.
   */
  type Relabel = { target: string; relabel: (team: string | null) => Action; description: string };
  const relabelled = (o: { name: string; policy: [string, NetworkPolicy]; into: Relabel; outOf: Relabel }): CaseSpec[] => [
    c(`ingress/changes/${o.name.replace('%', 'into')}`, o.into.description, step(o.policy[0], apply(o.policy[1])), step(`label ${o.into.target} team=blue`, o.into.relabel('blue'))),
    c(
      `ingress/changes/${o.name.replace('%', 'out-of')}`,
      o.outOf.description,
      step(`label ${o.outOf.target}, ${o.policy[0]}`, o.outOf.relabel('blue'), apply(o.policy[1])),
      step(`unlabel ${o.outOf.target}`, o.outOf.relabel(null)),
    ),
  ];
  return [
    c(
      'ingress/changes/update-widen',
      'x/a from pod=b, then the same policy updated to pod=b or pod=c',
      step('allow pod=b', apply(fromB)),
      step('update: pod=b or pod=c', apply({ ...fromB, spec: { ...fromB.spec, ingress: [{ from: [pods('b'), pods('c')] }] } })),
    ),
    c(
      'ingress/changes/update-narrow',
      'x/a from everyone, then updated to pod=b only',
      step('allow all', apply({ ...fromB, spec: { podSelector: a, ingress: [{}] } })),
      step('update: pod=b only', apply(fromB)),
    ),
    c(
      'ingress/changes/update-port',
      'x/a from pod=b on 80/TCP, then updated to 81/TCP',
      step('allow 80', apply({ ...fromB, spec: { podSelector: a, ingress: [{ from: [pods('b')], ports: [{ port: 80 }] }] } })),
      step('update: 81', apply({ ...fromB, spec: { podSelector: a, ingress: [{ from: [pods('b')], ports: [{ port: 81 }] }] } })),
    ),
    c(
      'ingress/changes/delete-deny',
      'a deny-all in x, then deleted: everything open again',
      step('deny all in x', apply(denyAll(kit, 'x', 'ingress'))),
      step('delete the deny', { kind: 'delete-policy', namespace: x, name: 'deny-ingress' }),
    ),
    c(
      'ingress/changes/delete-one-of-two',
      'x/a from pod=b and from namespace y (two policies), then the namespace-y policy deleted',
      step('allow pod=b and namespace y', apply(fromB), apply(policy(x, 'a-from-y', { podSelector: a, ingress: [{ from: [inNamespace('y')] }] }))),
      step('delete the namespace-y policy', { kind: 'delete-policy', namespace: x, name: 'a-from-y' }),
    ),
    c(
      'egress/changes/update-egress',
      'x/a may send to namespace y, then updated to namespace z',
      step('to y', apply(policy(x, 'a-to', { podSelector: a, policyTypes: ['Egress'], egress: [{ to: [inNamespace('y')] }] }))),
      step('update: to z', apply(policy(x, 'a-to', { podSelector: a, policyTypes: ['Egress'], egress: [{ to: [inNamespace('z')] }] }))),
    ),
    ...relabelled({
      name: 'pod-%-peer',
      policy: ['allow team=blue', fromBlue],
      into: { target: 'y/c', relabel: (team) => labelPod('y', 'c', team), description: 'x/a from team=blue pods anywhere; then y/c is labelled team=blue' },
      outOf: { target: 'y/c', relabel: (team) => labelPod('y', 'c', team), description: 'y/c labelled team=blue and allowed into x/a; then the label is removed' },
    }),
    ...relabelled({
      name: 'pod-%-subject',
      policy: ['deny team=blue', denyBlue],
      into: { target: 'x/b', relabel: (team) => labelPod('x', 'b', team), description: 'a deny for team=blue in x selects nobody; then x/b is labelled team=blue and becomes isolated' },
      outOf: {
        target: 'x/b',
        relabel: (team) => labelPod('x', 'b', team),
        description: 'x/b labelled team=blue under a deny for team=blue; then the label is removed and x/b is open again',
      },
    }),
    ...relabelled({
      name: 'namespace-%-selector',
      policy: ['allow namespaces team=blue', fromBlueNamespaces],
      into: { target: 'namespace z', relabel: (team) => labelNamespace('z', team), description: 'x/a from namespaces team=blue; then namespace z is labelled team=blue' },
      outOf: { target: 'namespace y', relabel: (team) => labelNamespace('y', team), description: 'namespace y labelled team=blue and allowed into x/a; then the label is removed' },
    }),
    c(
      'ingress/changes/new-pod-in-subject',
      'a deny-all in x; then a new pod x/d joins x and is isolated from its first packet',
      step('deny all in x', apply(denyAll(kit, 'x', 'ingress'))),
      step('add pod x/d', addPod('x', {})),
    ),
    c(
      'ingress/changes/new-pod-in-peer',
      'x/a from team=blue pods anywhere (y/c is one); then a new team=blue pod z/d joins the allowed set',
      step('label y/c, allow team=blue', labelPod('y', 'c', 'blue'), apply(fromBlue)),
      step('add pod z/d team=blue', addPod('z', { team: 'blue' })),
    ),
    c(
      'egress/changes/new-pod-destination',
      'x/a may send to namespace y only; then a new pod y/d may be reached and z stays denied',
      step('x/a to y', apply(policy(x, 'a-to-y', { podSelector: a, policyTypes: ['Egress'], egress: [{ to: [inNamespace('y')] }] }))),
      step('add pod y/d', addPod('y', {})),
    ),
    c(
      'both/changes/deny-allow-delete',
      'deny both ways in x; allow ingress from y; delete the deny: egress open again, ingress still from y only',
      step('deny both in x', apply(denyAll(kit, 'x', 'both'))),
      step('allow from y', apply(policy(x, 'from-y', { podSelector: {}, ingress: [{ from: [inNamespace('y')] }] }))),
      step('delete the deny', { kind: 'delete-policy', namespace: x, name: 'deny-both' }),
    ),
  ];
}
