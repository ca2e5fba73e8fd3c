// Temporary listeners: a port with nothing listening answers "refused", which proves packets
// arrive but not that the firewall lets a *connection* through (a firewall may reject with a
// reset). So for a port that must be open and was refused, we start agnhost netexec on the
// target node's host network on that port (TCP and UDP), wait until it is Ready, and check
// again. One listener per (node, port), shared by every source; deleted with the run (label).
import { porterEnv } from '../probes/answers.ts';
import { createHash } from 'node:crypto';
import { waitFor } from '../probes/deploy.ts';
import { messageOf } from '../errors.ts';
import type { Kube, Pod } from '../kube/index.ts';
import { NODE_ANNOTATION, ROLE_LABEL, runLabels } from '../probes/manifests.ts';
import { loadManifests } from '../nodeport/deploy.ts';
import { describePodProblem, isPodReady, isStuck } from '../topology.ts';

const READY_TIMEOUT_MS = 30_000;

export interface ListenerContext {
  kube: Kube;
  namespace: string;
  runId: string;
  image: string;
  imagePullSecret?: string;
}

export function listenerPodName(node: string, port: number): string {
  const slug = node
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  const full = `listen-${port}-${slug}`;
  if (full.length <= 63) return full;
  return `${full.slice(0, 56).replace(/-+$/, '')}-${createHash('sha256').update(node).digest('hex').slice(0, 6)}`;
}

export function listenerManifest(options: { node: string; port: number; runId: string; image: string; imagePullSecret?: string }): Pod {
  const pod = loadManifests<Pod>('port-listener.yaml')[0]!;
  pod.metadata = {
    ...pod.metadata,
    name: listenerPodName(options.node, options.port),
    labels: { ...pod.metadata?.labels, ...runLabels(options.runId), [ROLE_LABEL]: 'port-listener' },
    annotations: { ...pod.metadata?.annotations, [NODE_ANNOTATION]: options.node },
  };
  const spec = pod.spec!;
  spec.affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [options.node] }] }] } } };
  if (options.imagePullSecret) spec.imagePullSecrets = [{ name: options.imagePullSecret }];
  if (options.port < 1024) {
    // Binding a privileged port needs root with NET_BIND_SERVICE (net sysctls are not allowed with hostNetwork).
    spec.securityContext = { ...spec.securityContext, runAsNonRoot: false, runAsUser: 0, runAsGroup: 0 };
  }
  for (const c of spec.containers) {
    c.image = options.image;
    c.env = porterEnv({ name: pod.metadata.name!, http: options.port, udp: options.port });
    c.ports = [
      { name: 'tcp', containerPort: options.port, protocol: 'TCP' },
      { name: 'udp', containerPort: options.port, protocol: 'UDP' },
    ];
    if (c.readinessProbe?.httpGet) c.readinessProbe.httpGet.port = options.port;
    if (options.port < 1024) c.securityContext = { ...c.securityContext, capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } };
  }
  return pod;
}

export type ListenerState = { ok: true; pod: string } | { ok: false; pod: string; reason: string };

const listeners = new Map<string, Promise<ListenerState>>();

/** Start (once) a listener on `node`'s host network on `port` and wait until it is Ready, or say why not. */
export function ensureListener(ctx: ListenerContext, target: { node: string; port: number }): Promise<ListenerState> {
  const key = `${target.node}:${target.port}`;
  let state = listeners.get(key);
  if (!state) {
    state = startListener(ctx, target);
    listeners.set(key, state);
  }
  return state;
}

async function startListener(ctx: ListenerContext, target: { node: string; port: number }): Promise<ListenerState> {
  const pod = listenerManifest({ ...target, runId: ctx.runId, image: ctx.image, imagePullSecret: ctx.imagePullSecret });
  const name = pod.metadata!.name!;
  try {
    await ctx.kube.createPod(ctx.namespace, pod);
    const seen = await waitFor(
      async () => {
        const p = await ctx.kube.readPod(ctx.namespace, name);
        if (!p) return undefined;
        const problem = isPodReady(p) ? '' : describePodProblem(p);
        return isPodReady(p) || isStuck(problem) || p.status?.phase === 'Failed' ? p : undefined;
      },
      { timeoutMs: READY_TIMEOUT_MS, what: `temporary listener ${name} on ${target.node}:${target.port} to become Ready` },
    );
    if (isPodReady(seen)) return { ok: true, pod: name };
    return { ok: false, pod: name, reason: `temporary listener ${name} did not start: ${describePodProblem(seen)} (the port may be in use on ${target.node})` };
  } catch (err) {
    return { ok: false, pod: name, reason: `temporary listener ${name} did not start: ${messageOf(err)}` };
  }
}
