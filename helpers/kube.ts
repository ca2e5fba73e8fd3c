// The one seam to @kubernetes/client-node (STYLE.md §9): kubeconfig loading, the typed calls the
// tool makes, and the translation of API failures into one-paragraph errors a user can act on.
// Nothing else imports the client library; other modules use the types re-exported here.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import * as k8s from '@kubernetes/client-node';
import { SetupError, UsageError, causeCode, messageOf } from './errors.ts';

export type {
  V1Pod as Pod,
  V1Node as Node,
  V1Service as Service,
  V1Namespace as Namespace,
  V1EndpointSlice as EndpointSlice,
  V1ConfigMap as ConfigMap,
  V1DaemonSet as DaemonSet,
} from '@kubernetes/client-node';

export interface KubeTarget {
  /** Path to a kubeconfig file; default: $KUBECONFIG, then ~/.kube/config, then in-cluster. */
  kubeconfig?: string;
  /** Context name; default: the kubeconfig's current context. */
  context?: string;
}

export interface KubeAccess {
  kc: k8s.KubeConfig;
  server: string;
  context: string;
  /** Where the config came from, for error messages. */
  source: string;
}

/** What the runner needs to speak HTTPS to the API server itself (pod proxy; see http.ts). */
export interface ControlTransport {
  server: string;
  headers: Record<string, string>;
  tls: { ca?: string | Buffer; cert?: string | Buffer; key?: string | Buffer; rejectUnauthorized?: boolean };
}

/** Describes a call for error messages: "create pods in namespace netconform-x". */
export interface CallSite {
  verb: string;
  resource: string;
  namespace?: string;
  name?: string;
}

const RBAC_HINT = 'Grant the ClusterRole in manifests/rbac.yaml (kubectl apply -f manifests/rbac.yaml, then bind it to this user).';

export function loadKubeConfig(target: KubeTarget): KubeAccess {
  const kc = new k8s.KubeConfig();
  let source: string;
  try {
    if (target.kubeconfig) {
      if (!fs.existsSync(target.kubeconfig)) throw new UsageError(`kubeconfig file ${target.kubeconfig} (from --kubeconfig) does not exist.`);
      kc.loadFromFile(target.kubeconfig);
      source = target.kubeconfig;
    } else if (process.env.KUBECONFIG) {
      const files = process.env.KUBECONFIG.split(path.delimiter).filter(Boolean);
      if (!files.some((f) => fs.existsSync(f))) throw new UsageError(`no kubeconfig found: none of the files in $KUBECONFIG (${files.join(', ')}) exists. Pass --kubeconfig <file>.`);
      kc.loadFromDefault();
      source = `$KUBECONFIG (${files.join(', ')})`;
    } else if (fs.existsSync(path.join(os.homedir(), '.kube', 'config'))) {
      source = path.join(os.homedir(), '.kube', 'config');
      kc.loadFromFile(source);
    } else if (process.env.KUBERNETES_SERVICE_HOST && fs.existsSync('/var/run/secrets/kubernetes.io/serviceaccount/token')) {
      kc.loadFromCluster();
      source = 'in-cluster service account';
    } else {
      throw new UsageError('no kubeconfig found: --kubeconfig was not given, $KUBECONFIG is not set, ~/.kube/config does not exist and this is not a pod. Pass --kubeconfig <file> (or set $KUBECONFIG).');
    }
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`cannot read kubeconfig: ${messageOf(err)}`, err);
  }
  if (target.context) {
    const names = kc.getContexts().map((c) => c.name);
    if (!names.includes(target.context)) {
      throw new UsageError(`context "${target.context}" (from --context) is not in ${source}; it has: ${names.join(', ') || 'no contexts'}.`);
    }
    kc.setCurrentContext(target.context);
  }
  const context = kc.getCurrentContext();
  const cluster = kc.getCurrentCluster();
  if (!cluster?.server) {
    throw new UsageError(`kubeconfig ${source} has no usable current context${context ? ` ("${context}" names no cluster)` : ''}; pass --context <name>.`);
  }
  return { kc, server: cluster.server.replace(/\/+$/, ''), context, source };
}

/** Turn any failure of an API call into a NetconformError that names the server, verb and resource. */
export function translateApiError(err: unknown, site: CallSite, access: Pick<KubeAccess, 'server' | 'context'>): Error {
  const where = site.namespace ? ` in namespace ${site.namespace}` : '';
  const what = `${site.verb} ${site.resource}${site.name ? ` "${site.name}"` : ''}${where}`;
  const status = statusOf(err);
  const apiMessage = apiMessageOf(err);
  if (status === 401) {
    return new SetupError(`the API server ${access.server} rejected the credentials of context "${access.context}" (401 Unauthorized) when trying to ${what}: the token or client certificate has expired or is invalid. Refresh your kubeconfig (log in again) and retry.`, err);
  }
  if (status === 403 && /violates PodSecurity/i.test(apiMessage)) {
    return new SetupError(`Pod Security admission in namespace ${site.namespace ?? '?'} rejected the probe pod "${site.name ?? '?'}": ${apiMessage}. The host-network probe needs the "privileged" level: label the namespace pod-security.kubernetes.io/enforce=privileged (kube-netconform sets this on namespaces it creates), or let kube-netconform create its own namespace (omit --namespace).`, err);
  }
  if (status === 403) {
    return new SetupError(`forbidden: cannot ${what} on ${access.server} (context "${access.context}"): ${apiMessage || '403 Forbidden'}. ${RBAC_HINT}`, err);
  }
  const code = causeCode(err);
  if (code && /ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT|ECONNRESET|EAI_AGAIN/.test(code)) {
    return new SetupError(`cannot reach the API server ${access.server} (context "${access.context}") to ${what}: ${code}. Check that the cluster is up and that this host can reach it.`, err);
  }
  if (code && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code)) {
    return new SetupError(`TLS to the API server ${access.server} failed (${code}) to ${what}: the kubeconfig's CA or client certificate does not match or has expired. Refresh your kubeconfig.`, err);
  }
  if (err instanceof SetupError || err instanceof UsageError) return err;
  return new SetupError(`could not ${what} on ${access.server}: ${status ? `HTTP ${status}: ` : ''}${apiMessage || messageOf(err)}`, err);
}

export function statusOf(err: unknown): number | undefined {
  return err instanceof k8s.ApiException ? err.code : undefined;
}

function apiMessageOf(err: unknown): string {
  if (!(err instanceof k8s.ApiException)) return '';
  const body: unknown = err.body;
  if (typeof body === 'string') {
    try {
      return String((JSON.parse(body) as { message?: string }).message ?? body);
    } catch {
      return body;
    }
  }
  if (body && typeof body === 'object' && 'message' in body) return String((body as { message: unknown }).message);
  return err.message;
}

class CallTimeout extends Error {}

function withTimeout<T>(promise: Promise<T>, options: { timeoutMs: number }): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CallTimeout()), options.timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Typed API calls. Every call is bounded by a timeout and failures come back translated. */
export class Kube {
  readonly access: KubeAccess;
  private readonly core: k8s.CoreV1Api;
  private readonly networking: k8s.NetworkingV1Api;
  private readonly discovery: k8s.DiscoveryV1Api;
  private readonly apps: k8s.AppsV1Api;
  private readonly requestTimeoutMs: number;
  /** API requests made through this client (for the requests-per-run figure). */
  requests = 0;

  constructor(access: KubeAccess, options: { requestTimeoutMs?: number } = {}) {
    this.access = access;
    this.core = access.kc.makeApiClient(k8s.CoreV1Api);
    this.networking = access.kc.makeApiClient(k8s.NetworkingV1Api);
    this.discovery = access.kc.makeApiClient(k8s.DiscoveryV1Api);
    this.apps = access.kc.makeApiClient(k8s.AppsV1Api);
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
  }

  private async call<T>(site: CallSite, fn: () => Promise<T>): Promise<T> {
    this.requests++;
    const what = `${site.verb} ${site.resource}${site.name ? ` "${site.name}"` : ''}${site.namespace ? ` in namespace ${site.namespace}` : ''}`;
    try {
      return await withTimeout(fn(), { timeoutMs: this.requestTimeoutMs });
    } catch (err) {
      if (err instanceof CallTimeout) {
        throw new SetupError(`the API server ${this.access.server} (context "${this.access.context}") did not answer within ${this.requestTimeoutMs / 1000} s when asked to ${what}. Check that the cluster is up and that this host can reach it.`);
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
    const v = await this.call({ verb: 'get', resource: 'version' }, () => this.access.kc.makeApiClient(k8s.VersionApi).getCode());
    return v.gitVersion;
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
  deletePods(namespace: string, labelSelector: string) {
    return this.call({ verb: 'deletecollection', resource: 'pods', namespace }, () =>
      this.core.deleteCollectionNamespacedPod({ namespace, labelSelector, gracePeriodSeconds: 0 }));
  }
  /** With dryRun, the API server validates and allocates but stores nothing (used to learn the NodePort range). */
  createService(namespace: string, body: k8s.V1Service, options: { dryRun?: boolean } = {}) {
    return this.call({ verb: 'create', resource: 'services', namespace, name: body.metadata?.name }, () =>
      this.core.createNamespacedService({ namespace, body, ...(options.dryRun ? { dryRun: 'All' } : {}) }));
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
  listEndpointSlices(namespace: string, labelSelector: string) {
    return this.call({ verb: 'list', resource: 'endpointslices.discovery.k8s.io', namespace }, async () =>
      (await this.discovery.listNamespacedEndpointSlice({ namespace, labelSelector })).items);
  }
  /** The cluster's Service CIDRs (networking.k8s.io/v1 ServiceCIDR, GA in 1.33); undefined when the API is absent. */
  async listServiceCidrs(): Promise<string[] | undefined> {
    const list = await this.optional({ verb: 'list', resource: 'servicecidrs.networking.k8s.io' }, () => this.networking.listServiceCIDR());
    return list?.items.flatMap((s) => s.spec?.cidrs ?? []);
  }

  private transport?: Promise<ControlTransport>;

  /**
   * TLS material and auth headers for speaking to the API server directly (the pod proxy).
   * Resolved once per client (an exec credential plugin runs once): the control preflight and
   * the suites' hand-over share it.
   */
  controlTransport(): Promise<ControlTransport> {
    this.transport ??= this.resolveTransport();
    return this.transport;
  }

  private async resolveTransport(): Promise<ControlTransport> {
    const opts: { headers?: Record<string, string>; ca?: Buffer; cert?: Buffer; key?: Buffer; rejectUnauthorized?: boolean } = {};
    await this.access.kc.applyToHTTPSOptions(opts as never);
    return {
      server: this.access.server,
      headers: Object.fromEntries(Object.entries(opts.headers ?? {}).map(([k, v]) => [k, String(v)])),
      tls: { ca: opts.ca, cert: opts.cert, key: opts.key, rejectUnauthorized: opts.rejectUnauthorized },
    };
  }

  /**
   * Run a command in a container and wait for it to end. client-node resolves exec() when the
   * WebSocket opens and may never call the status callback (#714), so we settle on the first of
   * status / close / error / our own timeout.
   */
  async exec(options: { namespace: string; pod: string; container: string; command: string[]; timeoutMs: number }): Promise<ExecResult> {
    this.requests++;
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = '';
    let errText = '';
    stdout.on('data', (d: Buffer) => (out += d.toString()));
    stderr.on('data', (d: Buffer) => (errText += d.toString()));
    const site: CallSite = { verb: 'create', resource: 'pods/exec', namespace: options.namespace, name: options.pod };
    return new Promise<ExecResult>((resolve, reject) => {
      let settled = false;
      const settle = (fn: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        fn();
      };
      const timer = setTimeout(() => settle(() => reject(new SetupError(`exec in pod ${options.pod} did not finish within ${options.timeoutMs / 1000} s`))), options.timeoutMs);
      new k8s.Exec(this.access.kc)
        .exec(options.namespace, options.pod, options.container, options.command, stdout, stderr, null, false, (status) => {
          settle(() => resolve({ exitCode: exitCodeOf(status), stdout: out, stderr: errText }));
        })
        .then((ws) => {
          ws.on('close', () => setImmediate(() => settle(() => resolve({ exitCode: -1, stdout: out, stderr: errText || 'exec stream closed without a status' }))));
          ws.on('error', (err: Error) => settle(() => reject(translateApiError(err, site, this.access))));
        })
        .catch((err: unknown) => settle(() => reject(translateApiError(asError(err), site, this.access))));
    });
  }
}

/** A failed WebSocket handshake rejects with an ErrorEvent-like object, not an Error: keep its message. */
function asError(err: unknown): unknown {
  if (err instanceof Error || !err || typeof err !== 'object') return err;
  const e = err as { message?: unknown; error?: unknown };
  if (e.error instanceof Error) return e.error;
  return new Error(typeof e.message === 'string' && e.message ? e.message : JSON.stringify(err).slice(0, 300));
}

function exitCodeOf(status: k8s.V1Status): number {
  if (status.status === 'Success') return 0;
  const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
  return cause?.message ? Number(cause.message) : 1;
}
