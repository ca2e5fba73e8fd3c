// Read what the ports suite needs, once, before anything is deployed: the profile (a bad one is a
// usage error naming the line), the CNI add-ons (detectCni over DaemonSets, node annotations and
// kube-system ConfigMaps, plus --cni hints), the API server's port from the `kubernetes`
// EndpointSlices, and each node's labels and address. Reads only.
import { UsageError, messageOf } from '../errors.ts';
import { firstPerFamily } from '../ip.ts';
import { endpointAddresses } from '../kube/endpoints.ts';
import type { Kube, Node } from '../kube/index.ts';
import type { NodeAddressType } from '../nodeport/types.ts';
import { detectCni, type CniEvidence } from './cni.ts';
import { loadProfile, ProfileError } from './profiles.ts';
import type { NodeInfo } from '../topology.ts';
import type { PortsPlan } from './types.ts';

export interface PortsSetupOptions {
  /** Built-in profile name (kubeadm, seed-2017) or a path to a YAML file. */
  profile: string;
  addressType: NodeAddressType;
  cniHints?: string[];
  image: string;
  imagePullSecret?: string;
}

export async function readCniEvidence(kube: Kube, nodes: readonly Node[], options: { hints?: string[] } = {}): Promise<CniEvidence> {
  const [daemonSets, configMaps] = await Promise.all([kube.listDaemonSetsAllNamespaces().catch(() => []), kube.listConfigMaps('kube-system').catch(() => [])]);
  return {
    workloads: daemonSets.map((d) => ({
      namespace: d.metadata?.namespace ?? '',
      name: d.metadata?.name ?? '',
      labels: d.metadata?.labels ?? {},
      images: (d.spec?.template.spec?.containers ?? []).map((c) => c.image ?? ''),
    })),
    nodeAnnotations: nodes.map((n) => ({ node: n.metadata?.name ?? '', annotations: n.metadata?.annotations ?? {} })),
    configMaps: configMaps.map((c) => ({ namespace: c.metadata?.namespace ?? '', name: c.metadata?.name ?? '', data: c.data ?? {} })),
    ...(options.hints?.length ? { hints: options.hints } : {}),
  };
}

/** The API server's own port, from the `kubernetes` Service's EndpointSlices in `default`. */
async function apiServerPort(kube: Kube): Promise<{ port?: number; source: string }> {
  try {
    const slices = await kube.listEndpointSlices('default', 'kubernetes.io/service-name=kubernetes');
    const port = slices.flatMap((s) => s.ports ?? []).find((p) => p.port)?.port;
    const address = endpointAddresses(slices)[0];
    return port ? { port, source: `EndpointSlice of Service default/kubernetes: ${address ?? '?'}:${port}` } : { source: 'the kubernetes Service has no endpoint port' };
  } catch (err) {
    return { source: `cannot read the kubernetes endpoints: ${messageOf(err)}` };
  }
}

export async function readPortsPlan(kube: Kube, nodes: readonly NodeInfo[], options: PortsSetupOptions): Promise<PortsPlan> {
  let profile;
  try {
    profile = await loadProfile(options.profile);
  } catch (err) {
    if (err instanceof ProfileError) throw new UsageError(`--profile ${options.profile}: ${err.message}`, err);
    throw err;
  }
  const raw = await kube.listNodes();
  const [evidence, api] = await Promise.all([readCniEvidence(kube, raw, { hints: options.cniHints }), apiServerPort(kube)]);
  const probed = new Set(nodes.filter((n) => !n.skipReason).map((n) => n.name));
  return {
    profile,
    cni: detectCni(evidence),
    ...(api.port ? { apiServerPort: api.port } : {}),
    apiServerPortSource: api.source,
    addressType: options.addressType,
    nodes: raw
      .filter((n) => probed.has(n.metadata?.name ?? ''))
      .map((n) => {
        const addresses = firstPerFamily((n.status?.addresses ?? []).filter((a) => a.type === options.addressType).map((a) => a.address));
        const address = addresses[0];
        return { name: n.metadata!.name!, labels: n.metadata?.labels ?? {}, ...(address ? { address } : {}), ...(addresses.length > 1 ? { addresses } : {}) };
      }),
    image: options.image,
    ...(options.imagePullSecret ? { imagePullSecret: options.imagePullSecret } : {}),
  };
}
