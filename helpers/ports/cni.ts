// Which CNI add-ons run in the cluster, and which node-to-node ports they need. Detection is
// pure: the engine lists DaemonSets/pods, node annotations and ConfigMaps and hands us plain
// data, so this file is testable without a cluster and never imports the Kubernetes client.
// Every detection says *why* ("DaemonSet kube-flannel/kube-flannel-ds runs image …") so the
// printed result can be checked by a person. Explicit hints (--cni) win over detection.

import type { Protocol } from '../check/types.ts';

export interface CniPort {
  port: number;
  protocol: Protocol;
  why: string;
  /**
   * The kernel owns this port (a VXLAN device), so no temporary listener can be started on
   * it; verify it through the path that uses it (cross-node pod traffic) instead.
   */
  kernelOwned?: boolean;
}

export interface DetectedCni {
  /** Canonical name used in profile `when:` clauses: 'flannel', 'calico', 'cilium', 'weave'. */
  name: string;
  /** Data-plane mode where it changes the ports: flannel 'vxlan' | 'udp' | 'host-gw' | …. */
  backend?: string;
  ports: CniPort[];
  why: string;
}

/** A DaemonSet or pod as the engine lists it (images of all its containers). */
export interface Workload {
  namespace: string;
  name: string;
  /** One image, or all containers' images (either is fine). */
  image?: string;
  images?: string[];
  labels?: Record<string, string>;
}

export interface CniEvidence {
  workloads?: Workload[];
  /** One entry per node: its annotations. */
  nodeAnnotations?: Array<{ node: string; annotations: Record<string, string> }>;
  /** ConfigMaps worth reading (flannel's net-conf.json; the netconform-cni statement). */
  configMaps?: Array<{ namespace: string; name: string; data: Record<string, string> }>;
  /**
   * Explicit hints, e.g. from `--cni flannel/vxlan,calico`. When given, they replace detection
   * for the named add-ons: the operator knows better than our heuristics.
   */
  hints?: string[];
}

/**
 * ConfigMap an operator can create to state the cluster's CNI outright: data
 * `cni: "flannel/vxlan"` (comma-separated for several). Read before any heuristics. Besides the
 * add-ons below, two generic names describe a pod network by how it works, for networks that
 * have no recognisable add-on: `vxlan` (a VXLAN overlay on Linux's default port, UDP 8472) and
 * `bgp` (pod routes distributed by a BGP daemon on every node, TCP 179 between all nodes).
 */
export const CNI_HINT_CONFIGMAP = { namespace: 'kube-system', name: 'netconform-cni' } as const;

const FLANNEL_PORTS: Record<string, CniPort[]> = {
  vxlan: [{ port: 8472, protocol: 'udp', why: 'flannel VXLAN backend (Linux default VXLAN port)', kernelOwned: true }],
  udp: [{ port: 8285, protocol: 'udp', why: 'flannel UDP backend' }],
  'host-gw': [],
  wireguard: [{ port: 51820, protocol: 'udp', why: 'flannel WireGuard backend' }],
};

/** Ports per add-on, from the add-ons' own install docs; backend-specific ones chosen below. */
const CNI_PORTS: Record<string, CniPort[]> = {
  calico: [{ port: 179, protocol: 'tcp', why: 'Calico BGP between nodes (BIRD)' }],
  cilium: [
    { port: 4240, protocol: 'tcp', why: 'Cilium cluster health checks (cilium-health)' },
    { port: 8472, protocol: 'udp', why: 'Cilium VXLAN tunnel (default tunnel mode)', kernelOwned: true },
  ],
  weave: [
    { port: 6783, protocol: 'tcp', why: 'Weave Net control' },
    { port: 6784, protocol: 'udp', why: 'Weave Net fast datapath (VXLAN)', kernelOwned: true },
  ],
  // Generic pod networks, stated rather than detected (they have no signature of their own).
  bgp: [{ port: 179, protocol: 'tcp', why: 'BGP sessions that distribute the pod routes between nodes' }],
  vxlan: [{ port: 8472, protocol: 'udp', why: 'VXLAN overlay (Linux default VXLAN port)', kernelOwned: true }],
};

/** How each add-on shows itself: image names, workload names, node annotation prefixes. */
const SIGNATURES: Array<{ name: string; image: RegExp; workload: RegExp; annotation: RegExp }> = [
  { name: 'flannel', image: /(^|\/)flannel(-io)?\/flannel(:|@|$)|(^|\/)flannel:/, workload: /^kube-flannel/, annotation: /^flannel\.alpha\.coreos\.com\// },
  { name: 'calico', image: /(^|\/)calico\/node(:|@|$)/, workload: /^calico-node$/, annotation: /^projectcalico\.org\// },
  { name: 'cilium', image: /(^|\/)cilium\/cilium(:|@|$)/, workload: /^cilium$/, annotation: /^(network\.cilium\.io|io\.cilium)\// },
  { name: 'weave', image: /(^|\/)weaveworks\/weave-kube(:|@|$)|(^|\/)weave-kube(:|@|$)/, workload: /^weave-net$/, annotation: /^$^/ },
];

/** Detect CNI add-ons and the node-to-node ports they need. Result sorted by name. */
export function detectCni(evidence: CniEvidence): DetectedCni[] {
  const found = new Map<string, DetectedCni>();
  for (const hint of [...(evidence.hints ?? []), ...hintsFromConfigMap(evidence)]) {
    const [name = '', backend] = hint.trim().toLowerCase().split('/');
    if (!name || found.has(name)) continue;
    found.set(name, withPorts(name, backend, `stated: ${hint.trim()}`));
  }
  for (const sig of SIGNATURES) {
    if (found.has(sig.name)) continue;
    const why = workloadEvidence(sig, evidence) ?? annotationEvidence(sig, evidence);
    if (!why) continue;
    const backend = sig.name === 'flannel' ? flannelBackend(evidence) : sig.name === 'calico' ? calicoBackend(evidence) : undefined;
    found.set(sig.name, withPorts(sig.name, backend?.value, backend ? `${why}; ${backend.why}` : why));
  }
  return [...found.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** "flannel (vxlan): UDP 8472" — what the CLI prints after detection. */
export function describeCni(cni: DetectedCni): string {
  const ports = cni.ports.map((p) => `${p.protocol.toUpperCase()} ${p.port}`).join(', ') || 'no extra node ports';
  return `${cni.name}${cni.backend ? ` (${cni.backend})` : ''}: ${ports} — ${cni.why}`;
}

function withPorts(name: string, backend: string | undefined, why: string): DetectedCni {
  if (name === 'flannel') {
    // flannel's default backend has been vxlan since v0.8; say so when we had to assume it.
    const mode = backend ?? 'vxlan';
    const ports = FLANNEL_PORTS[mode] ?? [];
    return { name, backend: mode, ports, why: backend ? why : `${why}; backend not found, assuming flannel's default vxlan` };
  }
  if (name === 'calico' && backend === 'vxlan') {
    return { name, backend, ports: [{ port: 4789, protocol: 'udp', why: 'Calico VXLAN (no BGP)', kernelOwned: true }], why };
  }
  return { name, ...(backend ? { backend } : {}), ports: CNI_PORTS[name] ?? [], why };
}

function hintsFromConfigMap(evidence: CniEvidence): string[] {
  const cm = evidence.configMaps?.find((c) => c.namespace === CNI_HINT_CONFIGMAP.namespace && c.name === CNI_HINT_CONFIGMAP.name);
  return (cm?.data['cni'] ?? '').split(',').filter((s) => s.trim());
}

function workloadEvidence(sig: (typeof SIGNATURES)[number], evidence: CniEvidence): string | undefined {
  for (const w of evidence.workloads ?? []) {
    const image = [...(w.images ?? []), ...(w.image ? [w.image] : [])].find((i) => sig.image.test(i));
    if (image) return `${w.namespace}/${w.name} runs image ${image}`;
    if (sig.workload.test(w.name) || sig.workload.test(w.labels?.['k8s-app'] ?? '') || sig.workload.test(w.labels?.['app'] ?? '')) {
      return `workload ${w.namespace}/${w.name}`;
    }
  }
  return undefined;
}

function annotationEvidence(sig: (typeof SIGNATURES)[number], evidence: CniEvidence): string | undefined {
  for (const { node, annotations } of evidence.nodeAnnotations ?? []) {
    const key = Object.keys(annotations).find((k) => sig.annotation.test(k));
    if (key) return `node ${node} has annotation ${key}`;
  }
  return undefined;
}

/** flanneld writes `flannel.alpha.coreos.com/backend-type` on every node; net-conf.json is the fallback. */
function flannelBackend(evidence: CniEvidence): { value: string; why: string } | undefined {
  for (const { node, annotations } of evidence.nodeAnnotations ?? []) {
    const type = annotations['flannel.alpha.coreos.com/backend-type'];
    if (type) return { value: type.toLowerCase(), why: `node ${node} annotation backend-type=${type}` };
  }
  for (const cm of evidence.configMaps ?? []) {
    const raw = cm.data['net-conf.json'];
    if (!raw) continue;
    try {
      const type = (JSON.parse(raw) as { Backend?: { Type?: string } }).Backend?.Type;
      if (type) return { value: type.toLowerCase(), why: `${cm.namespace}/${cm.name} net-conf.json Backend.Type=${type}` };
    } catch {
      // A malformed net-conf.json is flannel's problem to report; we fall back to the default.
    }
  }
  return undefined;
}

/** Calico in VXLAN mode has a VXLAN tunnel address on the node and needs no BGP. */
function calicoBackend(evidence: CniEvidence): { value: string; why: string } | undefined {
  for (const { node, annotations } of evidence.nodeAnnotations ?? []) {
    if (annotations['projectcalico.org/IPv4VXLANTunnelAddr'] && !annotations['projectcalico.org/IPv4IPIPTunnelAddr']) {
      return { value: 'vxlan', why: `node ${node} has a Calico VXLAN tunnel address` };
    }
  }
  return undefined;
}
