// Kubeconfig loading and the transport the runner uses to speak to the API server itself.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { UsageError, messageOf } from '../errors.ts';

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
  /** The same context read again from the same source (fresh credentials); absent for an access built by hand. */
  reload?: () => KubeAccess;
}

/** What the runner needs to speak HTTPS to the API server itself (exec streams, logs; see http.ts). */
export interface ControlTransport {
  server: string;
  headers: Record<string, string>;
  tls: { ca?: string | Buffer; cert?: string | Buffer; key?: string | Buffer; rejectUnauthorized?: boolean };
  /** Epoch ms after which the credentials no longer work: an exec credential plugin's expirationTimestamp (credentials.ts). */
  expiresAt?: number;
  /** How many times the credentials had been read again when these were read (credentials.ts). */
  generation?: number;
}

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
      throw new UsageError(
        'no kubeconfig found: --kubeconfig was not given, $KUBECONFIG is not set, ~/.kube/config does not exist and this is not a pod. Pass --kubeconfig <file> (or set $KUBECONFIG).',
      );
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
  return { kc, server: cluster.server.replace(/\/+$/, ''), context, source, reload: () => loadKubeConfig({ ...target, context }) };
}

/** TLS material and auth headers of the current context (an exec credential plugin runs here). */
export async function resolveControlTransport(access: KubeAccess): Promise<ControlTransport> {
  const opts: { headers?: Record<string, string>; ca?: Buffer; cert?: Buffer; key?: Buffer; rejectUnauthorized?: boolean } = {};
  await access.kc.applyToHTTPSOptions(opts as never);
  const expiresAt = execExpiry(access.kc);
  return {
    server: access.server,
    headers: Object.fromEntries(Object.entries(opts.headers ?? {}).map(([k, v]) => [k, String(v)])),
    tls: { ca: opts.ca, cert: opts.cert, key: opts.key, rejectUnauthorized: opts.rejectUnauthorized },
    ...(expiresAt === undefined ? {} : { expiresAt }),
  };
}

/**
 * The expirationTimestamp of the ExecCredential the current user's exec plugin just printed, as
 * the client library keeps it (its ExecAuth runs the plugin again once that time has passed; it
 * does not expose the time, so it is read from its cache). Undefined for every other kind of
 * credentials, or when the plugin gave no expiry: then only a 401 has them read again.
 */
function execExpiry(kc: k8s.KubeConfig): number | undefined {
  const user = kc.getCurrentUser();
  if (!user || !(user.exec || (user.authProvider as { config?: { exec?: unknown } } | undefined)?.config?.exec)) return undefined;
  type Cache = Record<string, { status?: { expirationTimestamp?: string } } | null>;
  const authenticators = (kc as unknown as { authenticators?: unknown[] }).authenticators ?? [];
  const exec = authenticators.find((a): a is { tokenCache: Cache } => !!a && typeof (a as { tokenCache?: unknown }).tokenCache === 'object');
  const at = Date.parse(exec?.tokenCache[user.name]?.status?.expirationTimestamp ?? '');
  return Number.isNaN(at) ? undefined : at;
}
