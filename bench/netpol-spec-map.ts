// Upstream Kubernetes' NetworkPolicy e2e specs (test/e2e/network/netpol, v1.37.2: the 46 that
// `npm run lab -- upstream-e2e --netpol` selects — "NetworkPolicy between server and client" and its
// "using UDP" context) against the network-policy suite's generated cases: for each spec, the case
// ids that check the same policy semantics and how close they are, read from each spec's body (the
// policies it makes, the changes it makes, the pods, port and protocol it probes). The other way
// round, UNCOVERED groups every generated case no spec is mapped to, with what upstream lacks.
// Data only (written by reading both sides; test/unit/bench/netpol-spec-map.test.ts checks that
// every selected spec is here once and that every id exists). Rendered by netpol-compare.ts.

export const UPSTREAM_NETPOL_VERSION = 'v1.37.2';

/**
 * same: the same policy shape and the same expected verdicts for the pairs both probe;
 * partly: overlapping semantics, `note` says what differs; none: no case of ours, `note` says why.
 */
export type Closeness = 'same' | 'partly' | 'none';

export interface SpecMapping {
  /** The spec's text after its context ("should …", "using UDP should …"), without Ginkgo's tags. */
  spec: string;
  /**
   * Our case ids. ipBlock cases are named without their family suffix ("egress/ip-block/single-pod"):
   * every family's row of that case counts ("…/single-pod/ipv4", "…/single-pod/ipv6").
   */
  ours: string[];
  closeness: Closeness;
  /** For partly: what differs; for none: what upstream tests that we do not. */
  note?: string;
}

/**
 * What differs for every spec, so no row repeats it: upstream probes each pod's Service ClusterIP
 * (a Service per pod), we probe pod IPs; upstream ignores a pod's traffic to itself, our model
 * allows it; upstream creates only the pods a spec names (e.g. x/a and y/a) and probes one or two
 * port/protocol pairs, we probe all nine pods on 80 and 81 over TCP and UDP; upstream's namespaces
 * carry only kubernetes.io/metadata.name, ours also `ns: x|y|z`.
 */
export const COMMON_DIFFERENCES = [
  "upstream dials each pod's Service ClusterIP (one Service per pod); we dial pod IPs",
  "upstream ignores a pod's traffic to itself; our model expects it allowed",
  'upstream creates only the pods a spec names and probes one or two port/protocol pairs; we probe 9 pods on 80 and 81, TCP and UDP',
  'upstream selects namespaces by kubernetes.io/metadata.name; most of our cases by our own `ns` label',
] as const;

export const SPEC_MAP: readonly SpecMapping[] = [
  // Default deny and allow-all.
  { spec: "should support a 'default-deny-ingress' policy", ours: ['ingress/default-deny/namespace-x'], closeness: 'same' },
  { spec: "using UDP should support a 'default-deny-ingress' policy", ours: ['ingress/default-deny/namespace-x'], closeness: 'same' },
  { spec: "should support a 'default-deny-all' policy", ours: ['both/default-deny/namespace-x'], closeness: 'same' },
  { spec: 'should deny egress from pods based on PodSelector', ours: ['egress/default-deny/pod-x-a'], closeness: 'same' },
  { spec: 'should deny egress from all pods in a namespace', ours: ['egress/default-deny/namespace-x'], closeness: 'same' },
  {
    spec: 'should support allow-all policy',
    ours: ['ingress/allow-all/empty-rule'],
    closeness: 'partly',
    note: "ours applies ingress: [{}] over a deny-all in x; upstream's allow-all stands alone (the final table is the same: all open)",
  },
  {
    spec: 'should enforce policy to allow ingress traffic for a target',
    ours: ['ingress/allow-all/every-namespace', 'ingress/union/deny-plus-allow'],
    closeness: 'partly',
    note: "upstream: a deny-all on every pod of x, then x/a allows {namespaceSelector {}, podSelector {}} (x/b stays isolated); every-namespace denies x/a only and allows namespaceSelector {} alone; deny-plus-allow's allow is y/b's",
  },
  {
    spec: 'should enforce policy to allow ingress traffic from pods in all namespaces',
    ours: ['ingress/allow-all/every-namespace'],
    closeness: 'partly',
    note: 'the same namespaceSelector {} allow on x/a, but ours applies it over a deny on x/a (final table the same: all open)',
  },
  // Pod and namespace selectors.
  { spec: 'should enforce policy to allow traffic from pods within server namespace based on PodSelector', ours: ['ingress/pod-selector/a-from-b'], closeness: 'same' },
  { spec: 'should enforce policy based on any PodSelectors', ours: ['ingress/pod-selector/two-labels'], closeness: 'same' },
  {
    spec: 'should deny ingress from pods on other namespaces',
    ours: ['ingress/pod-selector/empty-peer-selector'],
    closeness: 'partly',
    note: "the same from podSelector {}, but ours is on x/c only; upstream's on every pod of x",
  },
  {
    spec: 'should enforce policy to allow traffic only from a different namespace, based on NamespaceSelector',
    ours: ['ingress/namespace-selector/a-from-y', 'ingress/namespace-selector/metadata-name'],
    closeness: 'partly',
    note: 'upstream allows namespace y by kubernetes.io/metadata.name; a-from-y allows y by our ns label, metadata-name allows z by kubernetes.io/metadata.name',
  },
  {
    spec: 'should enforce policy to allow traffic based on NamespaceSelector with MatchLabels using default ns label',
    ours: ['ingress/namespace-selector/metadata-name', 'ingress/namespace-selector/a-from-y'],
    closeness: 'partly',
    note: 'upstream allows y by kubernetes.io/metadata.name; metadata-name allows z by it, a-from-y allows y by our ns label',
  },
  {
    spec: 'should enforce policy to allow traffic only from a pod in a different namespace based on PodSelector and NamespaceSelector',
    ours: ['ingress/and-vs-or/and-y-b'],
    closeness: 'partly',
    note: 'the same one-peer AND into x/a, but ours names y/b by our ns label; upstream y/a by kubernetes.io/metadata.name',
  },
  {
    spec: 'using UDP should enforce policy to allow traffic only from a pod in a different namespace based on PodSelector and NamespaceSelector',
    ours: ['ingress/and-vs-or/and-y-b'],
    closeness: 'partly',
    note: 'as the TCP spec (ours names y/b, upstream y/a), probed over 80/UDP; ours probes UDP too',
  },
  {
    spec: 'should enforce policy based on PodSelector or NamespaceSelector',
    ours: ['ingress/and-vs-or/or-y-b', 'ingress/match-expressions/namespace-not-in'],
    closeness: 'partly',
    note: 'upstream: two peers [namespaces NotIn (x)], [pod=b]; or-y-b has [namespace y], [pod=b] (z denied); namespace-not-in has the NotIn (x) peer alone',
  },
  {
    spec: 'should enforce policy based on PodSelector and NamespaceSelector',
    ours: ['ingress/and-vs-or/and-y-b', 'egress/match-expressions/both-selectors'],
    closeness: 'partly',
    note: 'upstream: one peer {namespaces NotIn (x), pod=b} into x/a (y/b and z/b); and-y-b names namespace y by matchLabels; both-selectors has the NotIn AND in egress, with pod In (a)',
  },
  {
    spec: 'should enforce policy based on Multiple PodSelectors and NamespaceSelectors',
    ours: ['egress/match-expressions/both-selectors', 'ingress/match-expressions/pod-in'],
    closeness: 'partly',
    note: 'upstream: one ingress peer {namespaces NotIn (x), pod In (b, c)} into x/a; both-selectors has that AND of two matchExpressions in egress (pod In (a)); pod-in has pod In (b, c) in x alone',
  },
  {
    spec: 'should enforce policy based on PodSelector with MatchExpressions',
    ours: ['ingress/match-expressions/pod-in'],
    closeness: 'partly',
    note: 'ours pod In (b, c), so x/c is allowed too; upstream pod In (b)',
  },
  {
    spec: 'should enforce policy based on NamespaceSelector with MatchExpressions',
    ours: ['ingress/match-expressions/namespace-in'],
    closeness: 'partly',
    note: 'ours ns In (y, z) on our ns label, so z is allowed too; upstream kubernetes.io/metadata.name In (y)',
  },
  {
    spec: 'should enforce policy based on NamespaceSelector with MatchExpressions using default ns label',
    ours: ['egress/namespace-selector/a-to-y', 'egress/match-expressions/both-selectors', 'ingress/match-expressions/namespace-not-in'],
    closeness: 'partly',
    note: 'upstream: x/a egress to namespaces kubernetes.io/metadata.name NotIn (y); a-to-y is x/a egress to namespace y by matchLabels (the complement); both-selectors is egress to ns NotIn (x) AND pod In (a); namespace-not-in is NotIn (x) in ingress',
  },
  {
    spec: 'should enforce egress policy allowing traffic to a server in a different namespace based on PodSelector and NamespaceSelector',
    ours: ['egress/and-vs-or/and-y-b'],
    closeness: 'partly',
    note: 'the same one-peer AND out of x/a, but ours names y/b by our ns label; upstream y/a by kubernetes.io/metadata.name',
  },
  {
    spec: 'should support denying of egress traffic on the client side (even if the server explicitly allows this traffic)',
    ours: ['egress/and-vs-or/and-y-b'],
    closeness: 'partly',
    note: "ours has only the client's egress policy (x/a to y/b); upstream adds ingress policies on y/a and y/b that allow x/a, so x/a → y/b must be denied by egress alone",
  },
  // Ports, named ports and protocols.
  {
    spec: 'should enforce policy based on Ports',
    ours: ['ingress/port-number/80-from-b', 'ingress/union/two-rules-one-policy'],
    closeness: 'partly',
    note: 'upstream: x/a from namespace y on 81/TCP (its pods serve 81 only); 80-from-b is from pod=b of x on 80/TCP; two-rules-one-policy has pod=c of x on 81/TCP',
  },
  {
    spec: 'using UDP should enforce policy based on Ports',
    ours: ['ingress/union/port-per-policy', 'ingress/port-number/81-udp'],
    closeness: 'partly',
    note: 'upstream: x/a from namespace y on 81/UDP; port-per-policy has pod=c of x on 81/UDP (beside pod=b on 80/TCP); 81-udp admits everyone into every pod of x on 81/UDP',
  },
  {
    spec: 'should enforce multiple, stacked policies with overlapping podSelectors',
    ours: ['ingress/union/port-per-policy', 'ingress/union/two-peers-two-policies'],
    closeness: 'partly',
    note: 'upstream: x/a from namespace y on 81/TCP, checked, then a second policy adds 80/TCP (a step); ours has two policies on x/a applied at once (per port: pod=b 80/TCP + pod=c 81/UDP; per peer: pod=b + namespace y)',
  },
  {
    spec: 'should allow ingress access on one named port',
    ours: ['ingress/port-name/serve-80-tcp'],
    closeness: 'partly',
    note: 'the same rule (no from, one named port, every pod of x), but ours names serve-80-tcp; upstream serve-81-tcp',
  },
  {
    spec: 'should allow ingress access from namespace on one named port',
    ours: ['ingress/port-name/serve-80-tcp'],
    closeness: 'partly',
    note: 'the same named port serve-80-tcp, but ours admits every source into every pod of x; upstream only namespace y into x/a',
  },
  {
    spec: 'should allow egress access on one named port',
    ours: ['egress/port-name/serve-81-tcp'],
    closeness: 'partly',
    note: "ours: x/a's egress on serve-81-tcp; upstream: every pod of x on serve-80-tcp",
  },
  {
    spec: 'should not allow all ports if it cannot limit to the requested port',
    ours: ['ingress/port-name/unknown-name'],
    closeness: 'partly',
    note: 'both: a rule with no from whose only port is a name no pod has, so nothing is allowed; ours on every pod of x, upstream on x/a. Our unknown-name-from-b (a from peer too) is the variant kube-router gets wrong; no upstream spec has it',
  },
  {
    spec: 'should enforce ingress policy allowing any port traffic to a server on a specific protocol',
    ours: ['ingress/protocol/tcp-only'],
    closeness: 'partly',
    note: 'the same protocol-only rule (TCP, no port), but ours on every pod of x; upstream on x/a',
  },
  {
    spec: 'should not allow access by TCP when a policy specifies only UDP',
    ours: ['ingress/port-number/81-udp'],
    closeness: 'partly',
    note: 'the same 81/UDP rule with no from, but ours on every pod of x; upstream on x/a (probing 81/TCP only)',
  },
  {
    spec: "should not mistakenly treat 'protocol: SCTP' as 'protocol: TCP', even if the plugin doesn't support SCTP",
    ours: ['ingress/protocol/sctp-only'],
    closeness: 'partly',
    note: 'upstream: a deny-all in x plus SCTP 81 allowed into x/a, probed on 81/TCP; ours: SCTP on every port into every pod of x, no separate deny',
  },
  {
    spec: "should properly isolate pods that are selected by a policy allowing SCTP, even if the plugin doesn't support SCTP",
    ours: ['ingress/protocol/sctp-only'],
    closeness: 'partly',
    note: 'upstream: SCTP 80 only into x/a, probed on 81/TCP; ours: SCTP on every port into every pod of x',
  },
  {
    spec: 'should work with Ingress, Egress specified together',
    ours: ['both/union/ingress-policy-and-egress-policy', 'egress/port-number/81-tcp'],
    closeness: 'partly',
    note: 'upstream: one policy on x/a, ingress from pod=b and egress to anyone on 80/TCP, both policyTypes; ours splits ingress from pod=b and egress to namespace z into two policies; 81-tcp has the port-only egress rule (81/TCP)',
  },
  {
    spec: 'should enforce multiple ingress policies with ingress allow-all policy taking precedence',
    ours: ['ingress/allow-all/no-from-with-ports', 'ingress/allow-all/empty-rule'],
    closeness: 'partly',
    note: 'upstream: every pod of x on 80 only, then an allow-all added over it (a step); ours has the 80-only policy (no-from-with-ports) and allow-all over a deny-all (empty-rule) as separate cases',
  },
  {
    spec: 'should enforce multiple egress policies with egress allow-all policy taking precedence',
    ours: ['egress/allow-all/empty-rule', 'egress/allow-all/empty-to-with-ports'],
    closeness: 'partly',
    note: "upstream: x's egress on 80 only, then an egress allow-all added over it (a step); ours has egress allow-all over an egress deny-all (empty-rule) and a port-only egress rule on 81/UDP (empty-to-with-ports)",
  },
  // Changes over time.
  {
    spec: 'should enforce updated policy',
    ours: ['ingress/changes/update-narrow'],
    closeness: 'partly',
    note: 'both update an ingress: [{}] policy to something narrower; ours on x/a and narrowed to pod=b, upstream on every pod of x and narrowed to no rules (deny all)',
  },
  {
    spec: 'should stop enforcing policies after they are deleted',
    ours: ['ingress/changes/delete-deny', 'both/changes/deny-allow-delete'],
    closeness: 'partly',
    note: 'upstream deletes a deny-all both ways in x (no policy left); delete-deny deletes an ingress-only deny; deny-allow-delete deletes a both-ways deny while an allow from y stays',
  },
  {
    spec: 'should allow ingress access from updated namespace',
    ours: ['ingress/changes/namespace-into-selector'],
    closeness: 'partly',
    note: 'the same shape (x/a from namespaces with a label nobody has, then a namespace labelled), but ours labels z; upstream y',
  },
  {
    spec: 'should allow ingress access from updated pod',
    ours: ['ingress/changes/pod-into-peer'],
    closeness: 'partly',
    note: "ours: x/a from team=blue pods in every namespace, y/c labelled; upstream: from x's own pods with pod=b and pod2=updated, x/b labelled",
  },
  {
    spec: 'should deny ingress access to updated pod',
    ours: ['ingress/changes/pod-into-subject'],
    closeness: 'partly',
    note: 'the same shape (a deny selecting a label nobody has, then a pod labelled into it), but ours labels x/b; upstream x/a',
  },
  {
    spec: 'should enforce policies to check ingress and egress policies can be controlled independently based on PodSelector',
    ours: ['both/union/ingress-policy-and-egress-policy', 'ingress/default-deny/pod-x-a'],
    closeness: 'partly',
    note: 'upstream: an egress allow-all on x/a, checked, then an ingress deny on x/a added; ours: an ingress and an egress policy on x/a at once (from pod=b, to namespace z), and the ingress deny on x/a alone',
  },
  // ipBlock.
  {
    spec: 'should allow egress access to server in CIDR block',
    ours: ['egress/ip-block/single-pod'],
    closeness: 'partly',
    note: "the same egress to one pod's /32 (/128) from x/a, but ours names z/c's address; upstream y/b's",
  },
  {
    spec: 'should enforce except clause while egress access to server in CIDR block',
    ours: ['egress/ip-block/pod-cidr-except-pod'],
    closeness: 'partly',
    note: "ours: x/a to the pod CIDR except z/c; upstream: x/a to the /4 around x/b's address except x/b",
  },
  {
    spec: 'should ensure an IP overlapping both IPBlock.CIDR and IPBlock.Except is allowed',
    ours: ['egress/ip-block/pod-cidr-except-pod', 'egress/ip-block/single-pod'],
    closeness: 'partly',
    note: "upstream: the except policy, checked, then updated (same name, so replaced) to x/b's /32 only; ours has the two shapes as separate one-step cases (except z/c; z/c's /32), no update between them",
  },
];

/** Generated cases no spec maps to, grouped: what they test and why no selected upstream spec does. */
export interface UncoveredGroup {
  what: string;
  /** Case ids (ipBlock ones without their family suffix, as in SPEC_MAP). */
  cases: string[];
  why: string;
}

export const UNCOVERED: readonly UncoveredGroup[] = [
  {
    what: 'endPort ranges',
    cases: ['ingress/end-port/80-81-tcp', 'ingress/end-port/79-80-udp', 'ingress/end-port/81-90-tcp', 'ingress/end-port/equal-ends', 'ingress/end-port/82-90-tcp', 'egress/end-port/80-81-udp'],
    why: 'v1.37.2 has no connectivity spec for endPort: its only endPort spec is "Netpol API … should support creating NetworkPolicy API with endport field" (API validation, no traffic), outside the "NetworkPolicy between server and client" focus',
  },
  {
    what: 'a from peer with an unresolvable named port',
    cases: ['ingress/port-name/unknown-name-from-b'],
    why: "upstream's unknown-port spec has no from; with a from peer kube-router admits the peer on every port (our listed deviation)",
  },
  {
    what: 'named ports whose protocol does not match, and a named plus a numbered port in egress to a namespace',
    cases: ['ingress/port-name/protocol-mismatch', 'ingress/port-name/default-protocol-mismatch', 'ingress/port-name/serve-81-udp', 'egress/port-name/named-and-numbered'],
    why: 'upstream names TCP ports only, always with the matching protocol',
  },
  {
    what: 'port lists and unserved ports',
    cases: ['ingress/port-number/80-default-protocol', 'ingress/port-number/two-entries', 'ingress/port-number/unserved-port', 'egress/port-number/80-udp-to-y', 'egress/protocol/tcp-80-udp-81'],
    why: 'upstream rules have one port entry each, and where the protocol is left to default it probes TCP only (never shows the default excluding UDP); its allow of a port the pods do not serve (80 where they serve 81) is the first step of a mapped spec',
  },
  {
    what: 'protocol-only UDP rules',
    cases: ['ingress/protocol/udp-only', 'egress/protocol/udp-only'],
    why: 'the one protocol-only spec allows TCP, in ingress',
  },
  {
    what: 'matchExpressions Exists, DoesNotExist, NotIn on pods, and on the policy podSelector',
    cases: [
      'ingress/match-expressions/pod-not-in',
      'ingress/match-expressions/pod-does-not-exist',
      'ingress/match-expressions/label-exists',
      'ingress/match-expressions/label-does-not-exist',
      'ingress/match-expressions/subject-selector',
      'egress/match-expressions/subject-not-in',
      'ingress/match-expressions/with-match-labels',
    ],
    why: 'upstream uses In and NotIn in peers only, never Exists or DoesNotExist, never in the policy podSelector, never beside matchLabels',
  },
  {
    what: 'peer selectors upstream does not write',
    cases: [
      'ingress/pod-selector/b-from-c',
      'ingress/pod-selector/all-from-a',
      'ingress/pod-selector/no-match',
      'egress/pod-selector/a-to-b',
      'egress/pod-selector/b-to-c-in-z',
      'egress/pod-selector/all-to-a',
      'ingress/namespace-selector/a-from-z',
      'ingress/namespace-selector/all-from-y',
      'ingress/namespace-selector/b-from-own',
      'ingress/namespace-selector/empty-with-pod',
      'egress/namespace-selector/all-to-z',
      'ingress/and-vs-or/or-z-c',
      'ingress/and-vs-or/and-z-c',
      'egress/and-vs-or/or-y-b',
      'egress/and-vs-or/and-z-c',
      'egress/and-vs-or/or-z-c',
    ],
    why: 'combinations upstream does not write: egress to pods by podSelector alone or from every pod of a namespace, OR peers in egress, a peer matching nobody, the own namespace by selector, namespaceSelector {} with a podSelector, x/b, x/c or pods of y and z as the subject',
  },
  {
    what: 'default deny in several namespaces, and both ways on one pod',
    cases: ['ingress/default-deny/every-namespace', 'egress/default-deny/every-namespace', 'both/default-deny/pod-x-a', 'both/default-deny/every-namespace'],
    why: "upstream's default denies are in x only, and none denies one pod both ways",
  },
  {
    what: 'allow-all spellings',
    cases: ['ingress/allow-all/empty-from', 'both/allow-all/over-deny'],
    why: 'from: [] and an allow-all both ways over a deny are not written upstream',
  },
  {
    what: 'several policies or rules on one pod',
    cases: ['ingress/union/overlapping-selectors', 'egress/union/two-policies'],
    why: 'upstream stacks only policies with the same podSelector; ours overlap podSelector {} with pod=a, and two egress policies with different peers',
  },
  {
    what: 'policyTypes and its defaulting',
    cases: [
      'ingress/policy-types/ingress-ignores-egress-rules',
      'egress/policy-types/egress-ignores-ingress-rules',
      'both/policy-types/both-no-rules',
      'both/policy-types/default-with-egress-rules',
      'ingress/policy-types/default-empty-egress',
      'ingress/policy-types/default-no-rules',
      'egress/policy-types/egress-no-rules',
    ],
    why: "upstream's helpers always set policyTypes to the rules they add: no policy without policyTypes, none with rules of a type it does not list",
  },
  {
    what: "a policy's reach ending at its namespace",
    cases: [
      'ingress/namespace-scope/pod-a-only-in-x',
      'ingress/namespace-scope/deny-y-leaves-x',
      'ingress/namespace-scope/pod-selector-own-namespace',
      'egress/namespace-scope/deny-z-egress',
      'ingress/namespace-scope/selector-names-y-policy-in-x',
    ],
    why: "upstream's tables show it only as a side effect (pods of y stay open), with policies in x",
  },
  {
    what: 'relabelled out of a selector, new pods joining, other updates and deletes',
    cases: [
      'ingress/changes/update-widen',
      'ingress/changes/update-port',
      'ingress/changes/delete-one-of-two',
      'egress/changes/update-egress',
      'ingress/changes/pod-out-of-peer',
      'ingress/changes/pod-out-of-subject',
      'ingress/changes/namespace-out-of-selector',
      'ingress/changes/new-pod-in-subject',
      'ingress/changes/new-pod-in-peer',
      'egress/changes/new-pod-destination',
    ],
    why: 'upstream only adds labels (never removes them), adds policies, updates twice (allow-all to deny; an ipBlock) and deletes every policy at once; it never adds a pod while a policy exists, never widens a rule or moves its port or namespace',
  },
  {
    what: 'ipBlock in ingress, the other family, and CIDRs of the whole pod range',
    cases: [
      'ingress/ip-block/pod-cidr-80',
      'ingress/ip-block/pod-cidr-except-pod',
      'ingress/ip-block/single-pod',
      'ingress/ip-block/outside-pod-cidr',
      'ingress/ip-block/or-pod-selector',
      'ingress/ip-block/other-family',
    ],
    why: "upstream's three ipBlock specs are egress, one family (its own TODO names dual-stack)",
  },
  {
    what: 'egress to the cluster DNS under a default deny',
    cases: ['egress/dns-egress/deny-plus-dns', 'egress/dns-egress/udp-only', 'egress/dns-egress/every-namespace', 'egress/dns-egress/dns-and-namespace-y', 'egress/dns-egress/named-ports'],
    why: 'no upstream NetworkPolicy spec dials DNS',
  },
];
