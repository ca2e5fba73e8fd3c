// The shapes the NetworkPolicy model reads: networking.k8s.io/v1 NetworkPolicy as the API server
// serves it (plain objects, optional fields optional, so a policy can be written as YAML and read
// back unchanged), and the world it applies to — namespaces and pods with only the fields policy
// semantics look at. Types and the two key spellings; imports nothing.

export type PolicyProtocol = 'TCP' | 'UDP' | 'SCTP';
export type PolicyType = 'Ingress' | 'Egress';
export type Direction = 'ingress' | 'egress';
export type Family = 'ipv4' | 'ipv6';

export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

/** metav1.LabelSelector: both parts ANDed; an empty selector ({}) matches everything. */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

export interface IPBlock {
  cidr: string;
  except?: string[];
}

/** One peer: podSelector and namespaceSelector together are ANDed; ipBlock stands alone. */
export interface NetworkPolicyPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: IPBlock;
}

export interface NetworkPolicyPort {
  /** Defaults to TCP. */
  protocol?: PolicyProtocol;
  /** A number, or the name of a container port of the destination pod. Absent: every port. */
  port?: number | string;
  /** With a numeric port only: port..endPort inclusive. */
  endPort?: number;
}

export interface NetworkPolicyIngressRule {
  from?: NetworkPolicyPeer[];
  ports?: NetworkPolicyPort[];
}

export interface NetworkPolicyEgressRule {
  to?: NetworkPolicyPeer[];
  ports?: NetworkPolicyPort[];
}

export interface NetworkPolicy {
  apiVersion?: 'networking.k8s.io/v1';
  kind?: 'NetworkPolicy';
  metadata: { name: string; namespace: string; labels?: Record<string, string> };
  spec: {
    podSelector: LabelSelector;
    policyTypes?: PolicyType[];
    ingress?: NetworkPolicyIngressRule[];
    egress?: NetworkPolicyEgressRule[];
  };
}

export interface Namespace {
  name: string;
  labels: Record<string, string>;
}

export interface ContainerPort {
  port: number;
  protocol: PolicyProtocol;
}

export interface Pod {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  /** status.podIPs, primary family first. Empty for a pod not yet given an address. */
  ips: string[];
  node: string;
  /** Named container ports (name → port/protocol): what a policy's named port resolves against. */
  namedPorts: Record<string, ContainerPort>;
}

export interface World {
  namespaces: Namespace[];
  pods: Pod[];
  policies: NetworkPolicy[];
}

/**
 * One end of a connection: a pod (by namespace/name), or an address outside the pod network
 * (a cluster-external client, a node, a hostNetwork pod). `node` on an address says the address
 * is that node's own (a host-network probe), which matters for the node-local exception.
 */
export type Endpoint = { pod: string } | { ip: string; node?: string };

/** A pod's key in a world and a table: "namespace/name". */
export function podKey(pod: { namespace: string; name: string }): string {
  return `${pod.namespace}/${pod.name}`;
}

/** An endpoint's name in a table: the pod key, or the address. */
export function endpointKey(endpoint: Endpoint): string {
  return 'pod' in endpoint ? endpoint.pod : endpoint.ip;
}
