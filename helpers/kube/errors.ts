// API failures as one-paragraph errors a user can act on (what, which server, what to do).
import * as k8s from '@kubernetes/client-node';
import { SetupError, UsageError, causeCode, messageOf } from '../errors.ts';
import type { KubeAccess } from './config.ts';

/** Describes a call for error messages: "create pods in namespace netconform-x". */
export interface CallSite {
  verb: string;
  resource: string;
  namespace?: string;
  name?: string;
}

const RBAC_HINT = 'Grant the ClusterRole in manifests/rbac.yaml (kubectl apply -f manifests/rbac.yaml, then bind it to this user).';

export function describeCall(site: CallSite): string {
  return `${site.verb} ${site.resource}${site.name ? ` "${site.name}"` : ''}${site.namespace ? ` in namespace ${site.namespace}` : ''}`;
}

/** Turn any failure of an API call into a NetconformError that names the server, verb and resource. */
export function translateApiError(err: unknown, site: CallSite, access: Pick<KubeAccess, 'server' | 'context'>): Error {
  const what = describeCall(site);
  const status = statusOf(err);
  const apiMessage = apiMessageOf(err);
  if (status === 401) {
    return new SetupError(
      `the API server ${access.server} rejected the credentials of context "${access.context}" (401 Unauthorized) when trying to ${what}: the token or client certificate has expired or is invalid. Refresh your kubeconfig (log in again) and retry.`,
      err,
    );
  }
  if (status === 403 && /violates PodSecurity/i.test(apiMessage)) {
    return new SetupError(
      `Pod Security admission in namespace ${site.namespace ?? '?'} rejected the probe pod "${site.name ?? '?'}": ${apiMessage}. The host-network probe needs the "privileged" level: label the namespace pod-security.kubernetes.io/enforce=privileged (kube-netconform sets this on namespaces it creates), or let kube-netconform create its own namespace (omit --namespace).`,
      err,
    );
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

/** A response header of a failed API call (case-insensitive), e.g. Retry-After. */
export function headerOf(err: unknown, name: string): string | undefined {
  if (!(err instanceof k8s.ApiException) || !err.headers) return undefined;
  const wanted = name.toLowerCase();
  const entry = Object.entries(err.headers as Record<string, unknown>).find(([k]) => k.toLowerCase() === wanted);
  return entry === undefined ? undefined : String(entry[1]);
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

/** A failed WebSocket handshake rejects with an ErrorEvent-like object, not an Error: keep its message. */
export function asError(err: unknown): unknown {
  if (err instanceof Error || !err || typeof err !== 'object') return err;
  const e = err as { message?: unknown; error?: unknown };
  if (e.error instanceof Error) return e.error;
  return new Error(typeof e.message === 'string' && e.message ? e.message : JSON.stringify(err).slice(0, 300));
}
