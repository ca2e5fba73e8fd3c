// manifests/*.yaml are real YAML a user can `kubectl apply -n X -f` (STYLE.md §5). We load them
// with a YAML library and patch typed fields in code: names, labels, image, node pinning, ports.
import { porterEnv } from './answers.ts';
import fs from 'node:fs';
import { packageFile } from '../package-root.ts';
import type { Namespace, Pod, Service } from '../kube/index.ts';
import { perNodeName, probePodName, type ProbePorts, type ProbeRole } from '../topology.ts';
import { yaml } from '../lazy-deps.ts';

export const DEFAULT_IMAGE = 'registry.k8s.io/e2e-test-images/agnhost:2.66.1';
export const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'kube-netconform' } as const;
export const RUN_LABEL = 'netconform.io/run-id';
export const ROLE_LABEL = 'netconform.io/role';
/** Every probe pod carries its own name here, so a Service can select exactly one probe (hairpin). */
export const PROBE_LABEL = 'netconform.io/probe';
export const NODE_ANNOTATION = 'netconform.io/node';
export const COMPONENT_LABEL = 'app.kubernetes.io/component';
/** Component labels of the probe pods (manifests/probes.yaml, manifests/hostnet-probes.yaml). */
export const PROBE_COMPONENTS = ['probe', 'hostnet-probe'] as const;

/** Each manifest file parsed once a process (a run makes a probe from the same file per node). */
const parsed = new Map<string, unknown>();

/** A fresh copy of a manifest, to patch. */
function load<T>(file: string): T {
  let template = parsed.get(file);
  if (template === undefined) parsed.set(file, (template = yaml().parse(fs.readFileSync(packageFile('manifests', file), 'utf8'))));
  return structuredClone(template) as T;
}

/** --image wins; else --registry replaces the registry host of the default image. */
export function probeImage(options: { image?: string; registry?: string }): string {
  if (options.image) return options.image;
  if (options.registry) return `${options.registry.replace(/\/+$/, '')}/${DEFAULT_IMAGE.slice(DEFAULT_IMAGE.indexOf('/') + 1)}`;
  return DEFAULT_IMAGE;
}

export function runLabels(runId: string): Record<string, string> {
  return { ...MANAGED_BY, [RUN_LABEL]: runId };
}

export function namespaceManifest(options: { name: string; runId: string }): Namespace {
  const ns = load<Namespace>('namespace.yaml');
  ns.metadata = { ...ns.metadata, name: options.name, labels: { ...ns.metadata?.labels, ...runLabels(options.runId) } };
  return ns;
}

export interface ProbePodOptions {
  role: ProbeRole;
  node: string;
  runId: string;
  image: string;
  ports: ProbePorts;
  imagePullSecret?: string;
  /** The node has an address in each family: a host probe's UDP server listens on all of them. */
  dualStack?: boolean;
}

export function probePodManifest(options: ProbePodOptions): Pod {
  const host = options.role === 'host';
  const pod = load<Pod>(host ? 'hostnet-probes.yaml' : 'probes.yaml');
  const name = probePodName(options.role, options.node);
  pod.metadata = {
    ...pod.metadata,
    name,
    labels: { ...pod.metadata?.labels, ...runLabels(options.runId), [ROLE_LABEL]: options.role, [PROBE_LABEL]: name },
    // Node names can be longer than a label value may be.
    annotations: { ...pod.metadata?.annotations, [NODE_ANNOTATION]: options.node },
  };
  const spec = pod.spec!;
  if (!host) spec.hostname = name;
  // Node affinity, not spec.nodeName: the scheduler still applies taints and resources, so a
  // probe that cannot land says why (PodScheduled=False with the scheduler's message).
  spec.affinity = {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [options.node] }] }],
      },
    },
  };
  if (options.imagePullSecret) spec.imagePullSecrets = [{ name: options.imagePullSecret }];
  const http = host ? options.ports.hostHttp : options.ports.http;
  const udp = host ? options.ports.hostUdp : options.ports.udp;
  const full = host ? undefined : { http: options.ports.httpFull, udp: options.ports.udpFull };
  for (const c of spec.containers) {
    c.image = options.image;
    // porter answers the pod's name on its ports (and the full-size bodies on theirs), nothing
    // else, on every address of the pod (the node's, for a host probe: its UDP answers leave from
    // whatever address the route to the client picks, so the pod-to-node rows take them from any).
    c.env = porterEnv({ name, http, udp, ...(full ? { full } : {}) });
    c.ports = [
      { name: 'http', containerPort: http, protocol: 'TCP' },
      { name: 'udp', containerPort: udp, protocol: 'UDP' },
      ...(full
        ? [
            { name: 'http-full', containerPort: full.http, protocol: 'TCP' },
            { name: 'udp-full', containerPort: full.udp, protocol: 'UDP' },
          ]
        : []),
    ];
    if (c.readinessProbe?.httpGet) c.readinessProbe.httpGet.port = http;
  }
  return pod;
}

export function probeServiceManifest(options: { runId: string }): Service {
  const svc = load<Service>('services.yaml');
  svc.metadata = { ...svc.metadata, labels: { ...svc.metadata?.labels, ...runLabels(options.runId) } };
  svc.spec!.selector = { ...svc.spec!.selector, [RUN_LABEL]: options.runId };
  return svc;
}

/** The hairpin Service of one node: its only backend is the probe pod `probe` (by its PROBE_LABEL). */
export function hairpinServiceManifest(options: { runId: string; node: string; probe: string }): Service {
  const svc = load<Service>('hairpin-service.yaml');
  svc.metadata = {
    ...svc.metadata,
    name: perNodeName('hairpin', options.node),
    labels: { ...svc.metadata?.labels, ...runLabels(options.runId) },
    annotations: { [NODE_ANNOTATION]: options.node },
  };
  svc.spec!.selector = { ...svc.spec!.selector, [RUN_LABEL]: options.runId, [PROBE_LABEL]: options.probe };
  return svc;
}

/** The sessionAffinity: ClientIP Service over every pod probe of the run. */
export function affinityServiceManifest(options: { runId: string }): Service {
  const svc = load<Service>('affinity-service.yaml');
  svc.metadata = { ...svc.metadata, labels: { ...svc.metadata?.labels, ...runLabels(options.runId) } };
  svc.spec!.selector = { ...svc.spec!.selector, [RUN_LABEL]: options.runId };
  return svc;
}

/** The dns suite's Services: a ClusterIP over every pod probe, and a headless one over the probe-b pods. */
export function dnsServiceManifests(options: { runId: string }): { cluster: Service; headless: Service } {
  const label = (svc: Service): Service => {
    svc.metadata = { ...svc.metadata, labels: { ...svc.metadata?.labels, ...runLabels(options.runId) } };
    svc.spec!.selector = { ...svc.spec!.selector, [RUN_LABEL]: options.runId };
    return svc;
  };
  return { cluster: label(load<Service>('dns-services.yaml')), headless: label(load<Service>('dns-headless-service.yaml')) };
}

/** The loadbalancer suite's `type: LoadBalancer` Service over every pod probe of the run. */
export function loadBalancerServiceManifest(options: { runId: string }): Service {
  const svc = load<Service>('loadbalancer-service.yaml');
  svc.metadata = { ...svc.metadata, labels: { ...svc.metadata?.labels, ...runLabels(options.runId) } };
  svc.spec!.selector = { ...svc.spec!.selector, [RUN_LABEL]: options.runId };
  return svc;
}

/**
 * A single-family twin of a dns Service (`<name>-ipv6`): its name has records of that family only
 * (AAAA for IPv6), so a resolver that prefers A records on a dual-stack name (Go's, in netexec)
 * must use the AAAA answer. Made on dual-stack clusters only.
 */
export function singleFamilyTwin(svc: Service, family: 'ipv4' | 'ipv6'): Service {
  const twin = structuredClone(svc);
  twin.metadata = { ...twin.metadata, name: `${svc.metadata!.name!}-${family}` };
  twin.spec = { ...twin.spec!, ipFamilyPolicy: 'SingleStack', ipFamilies: [family === 'ipv6' ? 'IPv6' : 'IPv4'] };
  return twin;
}
