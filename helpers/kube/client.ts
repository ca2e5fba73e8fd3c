// Typed API calls. Every call is bounded by a timeout, rides out API server throttling
// (throttle.ts), and fails with a translated, actionable error (errors.ts).
import * as k8s from '@kubernetes/client-node';
import { SetupError } from '../errors.ts';
import { KeepAliveAgents } from './agents.ts';
import { resolveControlTransport, type ControlTransport, type KubeAccess } from './config.ts';
import { describeCall, headerOf, statusOf, translateApiError, type CallSite } from './errors.ts';
import { newThrottleCounter, retryThrottled, type ThrottlePolicy } from './throttle.ts';
import { leaseBody, leaseInfo, type LeaseInfo } from './lease.ts';
import { RenewingCredentials } from './credentials.ts';

class CallTimeout extends Error {}

function withTimeout<T>(promise: Promise<T>, options: { timeoutMs: number }): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CallTimeout()), options.timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Verbs that change state (a label removal is not repeatable): repeated only after a 429 (the server did not process the request). */
const STATE_CHANGING = new Set(['create', 'patch']);

export class Kube {
  /** Replaced when the credentials are read again (reloadCredentials). */
  access: KubeAccess;
  private core!: k8s.CoreV1Api;
  private networking!: k8s.NetworkingV1Api;
  private discovery!: k8s.DiscoveryV1Api;
  private apps!: k8s.AppsV1Api;
  private coordination!: k8s.CoordinationV1Api;
  /** Times the credentials were read again after the API server answered 401. */
  credentialReloads = 0;
  private readonly requestTimeoutMs: number;
  private readonly throttlePolicy?: ThrottlePolicy;
  /** API requests made through this client, retries included (for the requests-per-run figure). */
  requests = 0;
  /** Throttled answers ridden out (429, or 5xx with Retry-After): shown in the run's phase line. */
  readonly throttled = newThrottleCounter();

  /** The connection pool every typed call shares (agents.ts). */
  readonly agents = new KeepAliveAgents();

  constructor(access: KubeAccess, options: { requestTimeoutMs?: number; throttle?: ThrottlePolicy } = {}) {
    this.access = access;
    this.makeClients();
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.throttlePolicy = options.throttle;
  }

  private makeClients(): void {
    this.core = this.api(k8s.CoreV1Api);
    this.networking = this.api(k8s.NetworkingV1Api);
    this.discovery = this.api(k8s.DiscoveryV1Api);
    this.apps = this.api(k8s.AppsV1Api);
    this.coordination = this.api(k8s.CoordinationV1Api);
  }

  /**
   * Read the credentials again as kubectl does: the kubeconfig from its source (a rotated token
   * file, an exec plugin run anew: its cached token goes with the old config). Only through
   * `credentials` (once per rejected generation). False when built without a source.
   */
  private reloadCredentials(): boolean {
    if (!this.access.reload) return false;
    this.access = this.access.reload();
    this.makeClients();
    this.credentialReloads++;
    return true;
  }

  /** The credentials of the runner's own requests (helpers/http.ts) and of the typed calls, read again when expired or rejected (credentials.ts); the suite workers reach it through the credential channel. */
  readonly credentials = new RenewingCredentials(
    () => resolveControlTransport(this.access),
    () => this.reloadCredentials(),
  );

  /** As KubeConfig.makeApiClient does it, plus the shared keep-alive pool. */
  private api<T>(type: new (config: k8s.Configuration) => T): T {
    return new type(
      k8s.createConfiguration({
        baseServer: new k8s.ServerConfiguration(this.access.kc.getCurrentCluster()!.server, {}),
        authMethods: { default: this.access.kc },
        promiseMiddleware: [this.agents],
      }),
    );
  }

  /**
   * One API call; a 401 (expired or revoked credentials) reads the credentials again — unless
   * another request already did since this one was sent — and repeats it once: the server did
   * not act on it.
   */
  private async call<T>(site: CallSite, fn: () => Promise<T>): Promise<T> {
    const generation = this.credentials.generation;
    try {
      return await this.callOnce(site, fn);
    } catch (err) {
      if (statusOf((err as Error).cause) !== 401) throw err;
      const fresh = await this.credentials.renewFrom(generation).catch(() => undefined);
      if (!fresh) throw err;
      return await this.callOnce(site, fn);
    }
  }

  private async callOnce<T>(site: CallSite, fn: () => Promise<T>): Promise<T> {
    try {
      return await retryThrottled(
        () => {
          this.requests++;
          return withTimeout(fn(), { timeoutMs: this.requestTimeoutMs });
        },
        {
          throttleOf: (o) => {
            const status = 'error' in o ? statusOf(o.error) : undefined;
            return status === undefined ? undefined : { status, retryAfter: headerOf((o as { error: unknown }).error, 'retry-after') };
          },
          idempotent: !STATE_CHANGING.has(site.verb),
          counter: this.throttled,
          policy: this.throttlePolicy,
        },
      );
    } catch (err) {
      if (err instanceof CallTimeout) {
        throw new SetupError(
          `the API server ${this.access.server} (context "${this.access.context}") did not answer within ${this.requestTimeoutMs / 1000} s when asked to ${describeCall(site)}. Check that the cluster is up and that this host can reach it.`,
        );
      }
      throw translateApiError(err, site, this.access);
    }
  }

  /** Like call(), but a 404 yields undefined instead of an error. */
  private async optional<T>(site: CallSite, fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await this.call(site, fn);
    } catch (err) {
      if (statusOf((err as Error).cause) === 404) return undefined;
      throw err;
    }
  }

  async serverVersion(): Promise<string> {
    const v = await this.call({ verb: 'get', resource: 'version' }, () => this.api(k8s.VersionApi).getCode());
    return v.gitVersion;
  }

  /** The API groups the server serves (discovery: readable by every authenticated identity). */
  async apiGroups(): Promise<string[]> {
    const list = await this.call({ verb: 'get', resource: 'apis (API discovery)' }, () => this.api(k8s.ApisApi).getAPIVersions());
    return list.groups.map((g) => g.name);
  }
  listNodes() {
    return this.call({ verb: 'list', resource: 'nodes' }, async () => (await this.core.listNode()).items);
  }
  readNamespace(name: string) {
    return this.optional({ verb: 'get', resource: 'namespaces', name }, () => this.core.readNamespace({ name }));
  }
  createNamespace(body: k8s.V1Namespace) {
    return this.call({ verb: 'create', resource: 'namespaces', name: body.metadata?.name }, () => this.core.createNamespace({ body }));
  }
  deleteNamespace(name: string) {
    return this.optional({ verb: 'delete', resource: 'namespaces', name }, () => this.core.deleteNamespace({ name, propagationPolicy: 'Background' }));
  }
  listNamespaces(labelSelector: string) {
    return this.call({ verb: 'list', resource: 'namespaces' }, async () => (await this.core.listNamespace({ labelSelector })).items);
  }
  createPod(namespace: string, body: k8s.V1Pod) {
    return this.call({ verb: 'create', resource: 'pods', namespace, name: body.metadata?.name }, () => this.core.createNamespacedPod({ namespace, body }));
  }
  listPods(namespace: string, labelSelector?: string) {
    return this.call({ verb: 'list', resource: 'pods', namespace }, async () => (await this.core.listNamespacedPod({ namespace, labelSelector })).items);
  }
  listPodsAllNamespaces(labelSelector: string) {
    return this.call({ verb: 'list', resource: 'pods' }, async () => (await this.core.listPodForAllNamespaces({ labelSelector })).items);
  }
  /** `gracePeriodSeconds` 0 (default) removes the objects at once, the kubelet stops the containers after; otherwise each pod goes once its node has stopped it. */
  deletePods(namespace: string, labelSelector: string, options: { gracePeriodSeconds?: number } = {}) {
    return this.call({ verb: 'deletecollection', resource: 'pods', namespace }, () =>
      this.core.deleteCollectionNamespacedPod({ namespace, labelSelector, gracePeriodSeconds: options.gracePeriodSeconds ?? 0 }),
    );
  }
  /** With dryRun, the API server validates and allocates but stores nothing (used to learn the NodePort range). */
  createService(namespace: string, body: k8s.V1Service, options: { dryRun?: boolean } = {}) {
    return this.call({ verb: 'create', resource: 'services', namespace, name: body.metadata?.name }, () =>
      this.core.createNamespacedService({ namespace, body, ...(options.dryRun ? { dryRun: 'All' } : {}) }),
    );
  }
  readPod(namespace: string, name: string) {
    return this.optional({ verb: 'get', resource: 'pods', namespace, name }, () => this.core.readNamespacedPod({ namespace, name }));
  }
  listConfigMaps(namespace: string) {
    return this.call({ verb: 'list', resource: 'configmaps', namespace }, async () => (await this.core.listNamespacedConfigMap({ namespace })).items);
  }
  listDaemonSetsAllNamespaces() {
    return this.call({ verb: 'list', resource: 'daemonsets.apps' }, async () => (await this.apps.listDaemonSetForAllNamespaces()).items);
  }
  readService(namespace: string, name: string) {
    return this.optional({ verb: 'get', resource: 'services', namespace, name }, () => this.core.readNamespacedService({ namespace, name }));
  }
  listServices(namespace: string, labelSelector?: string) {
    return this.call({ verb: 'list', resource: 'services', namespace }, async () => (await this.core.listNamespacedService({ namespace, labelSelector })).items);
  }
  listServicesAllNamespaces(labelSelector: string) {
    return this.call({ verb: 'list', resource: 'services' }, async () => (await this.core.listServiceForAllNamespaces({ labelSelector })).items);
  }
  deleteService(namespace: string, name: string) {
    return this.optional({ verb: 'delete', resource: 'services', namespace, name }, () => this.core.deleteNamespacedService({ namespace, name }));
  }
  /** Every Service of the namespace with the label: what was recorded by name and what a create that timed out on the client made anyway. */
  deleteServices(namespace: string, labelSelector: string) {
    return this.call({ verb: 'deletecollection', resource: 'services', namespace }, () => this.core.deleteCollectionNamespacedService({ namespace, labelSelector }));
  }
  listEndpointSlices(namespace: string, labelSelector: string) {
    return this.call({ verb: 'list', resource: 'endpointslices.discovery.k8s.io', namespace }, async () => (await this.discovery.listNamespacedEndpointSlice({ namespace, labelSelector })).items);
  }
  // The network-policy suite (opt-in): its policies, and label changes of its own pods and namespaces.
  /** `manifest`: the policy as its YAML reads (plain networking.k8s.io/v1 fields). */
  createNetworkPolicy(namespace: string, manifest: NetworkPolicyManifest) {
    const body = networkPolicyModel(manifest);
    return this.call({ verb: 'create', resource: 'networkpolicies.networking.k8s.io', namespace, name: body.metadata?.name }, () => this.networking.createNamespacedNetworkPolicy({ namespace, body }));
  }
  /** An unconditional update (no resourceVersion): the policy as given replaces the stored one. */
  replaceNetworkPolicy(namespace: string, manifest: NetworkPolicyManifest) {
    const body = networkPolicyModel(manifest);
    const name = body.metadata?.name ?? '';
    return this.call({ verb: 'update', resource: 'networkpolicies.networking.k8s.io', namespace, name }, () => this.networking.replaceNamespacedNetworkPolicy({ namespace, name, body }));
  }
  deleteNetworkPolicy(namespace: string, name: string) {
    return this.optional({ verb: 'delete', resource: 'networkpolicies.networking.k8s.io', namespace, name }, () => this.networking.deleteNamespacedNetworkPolicy({ namespace, name }));
  }
  /** JSON Patch of labels: a value sets the label, null removes it. */
  patchPodLabels(namespace: string, name: string, labels: Record<string, string | null>) {
    return this.call({ verb: 'patch', resource: 'pods', namespace, name }, () => this.core.patchNamespacedPod({ namespace, name, body: labelPatch(labels) }));
  }
  patchNamespaceLabels(name: string, labels: Record<string, string | null>) {
    return this.call({ verb: 'patch', resource: 'namespaces', name }, () => this.core.patchNamespace({ name, body: labelPatch(labels) }));
  }
  deletePod(namespace: string, name: string, options: { gracePeriodSeconds?: number } = {}) {
    return this.optional({ verb: 'delete', resource: 'pods', namespace, name }, () => this.core.deleteNamespacedPod({ namespace, name, gracePeriodSeconds: options.gracePeriodSeconds ?? 0 }));
  }
  /** A run's heartbeat (helpers/runs/heartbeat.ts): create, renew (unconditional update), list, delete by label. */
  createLease(namespace: string, lease: LeaseInfo) {
    return this.call({ verb: 'create', resource: 'leases.coordination.k8s.io', namespace, name: lease.name }, () => this.coordination.createNamespacedLease({ namespace, body: leaseBody(lease) }));
  }
  /** A Lease takes no unconditional update: read its resourceVersion, then replace. */
  async renewLease(namespace: string, lease: LeaseInfo) {
    const current = await this.call({ verb: 'get', resource: 'leases.coordination.k8s.io', namespace, name: lease.name }, () => this.coordination.readNamespacedLease({ namespace, name: lease.name }));
    const body = leaseBody(lease);
    body.metadata = { ...body.metadata, resourceVersion: current.metadata?.resourceVersion };
    return this.call({ verb: 'update', resource: 'leases.coordination.k8s.io', namespace, name: lease.name }, () => this.coordination.replaceNamespacedLease({ namespace, name: lease.name, body }));
  }
  async listLeases(namespace: string | undefined, labelSelector: string): Promise<LeaseInfo[]> {
    const site = { verb: 'list', resource: 'leases.coordination.k8s.io', ...(namespace ? { namespace } : {}) };
    const list = await this.call(site, () => (namespace ? this.coordination.listNamespacedLease({ namespace, labelSelector }) : this.coordination.listLeaseForAllNamespaces({ labelSelector })));
    return list.items.map(leaseInfo);
  }
  deleteLeases(namespace: string, labelSelector: string) {
    return this.call({ verb: 'deletecollection', resource: 'leases.coordination.k8s.io', namespace }, () => this.coordination.deleteCollectionNamespacedLease({ namespace, labelSelector }));
  }
  /** The cluster's Service CIDRs (networking.k8s.io/v1 ServiceCIDR, GA in 1.33); undefined when the API is absent. */
  async listServiceCidrs(): Promise<string[] | undefined> {
    const list = await this.optional({ verb: 'list', resource: 'servicecidrs.networking.k8s.io' }, () => this.networking.listServiceCIDR());
    return list?.items.flatMap((s) => s.spec?.cidrs ?? []);
  }

  /** TLS material and auth headers as they are now; clients that live long take `credentials` itself (ControlClient). */
  controlTransport(): Promise<ControlTransport> {
    return this.credentials.current();
  }
}

/** JSON Patch operations for label changes (keys escaped as JSON Pointer: / is ~1, ~ is ~0). */
export function labelPatch(labels: Record<string, string | null>): { op: 'add' | 'remove'; path: string; value?: string }[] {
  return Object.entries(labels).map(([key, value]) => {
    const path = `/metadata/labels/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    return value === null ? { op: 'remove' as const, path } : { op: 'add' as const, path, value };
  });
}

/** A NetworkPolicy as its YAML reads: plain fields (`from`, not the client library's `_from`). */
export interface NetworkPolicyManifest {
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec: { ingress?: ({ from?: unknown } & Record<string, unknown>)[] } & Record<string, unknown>;
}

/**
 * The client library's model of a plain policy: its serializer writes the model's property names,
 * and an ingress rule's `from` (a reserved word) is `_from` there — passed as `from`, it would be
 * dropped silently and the rule would admit every source.
 */
export function networkPolicyModel(manifest: NetworkPolicyManifest): k8s.V1NetworkPolicy {
  const ingress = manifest.spec.ingress?.map(({ from, ...rule }) => (from === undefined ? rule : { ...rule, _from: from }));
  return { ...manifest, spec: { ...manifest.spec, ...(ingress ? { ingress } : {}) } } as unknown as k8s.V1NetworkPolicy;
}
