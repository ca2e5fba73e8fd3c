// The IPv6-only lab (`lab up --ip-family ipv6`, run with LAB_IP_FAMILY=ipv6) MUST be a real
// IPv6-only cluster: IPv6 node addresses only, the API server on its IPv6 node address, one IPv6
// podIP per pod, pods reaching pods across nodes, an IPv6 ClusterIP answering from every node,
// cluster DNS on an IPv6 Service address. Plain kubectl + agnhost only.
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { connectFromPod, dialFromPod, kubeconfigPath, kubectl, kubectlJson, lab, netexecPodYaml, requireLab } from './lab-client.ts';
import { readFileSync } from 'node:fs';

const NS = 'lab-ipv6-test';
const isV6 = (ip: string) => ip.includes(':');
const pods: Record<string, { name: string; ips: string[] }> = {};
let nodeNames: string[] = [];
let clusterIP = '';

describe.runIf(requireLab({ ipFamily: 'ipv6' }))('IPv6-only lab (--ip-family ipv6)', { sequential: true }, () => {
  beforeAll(async () => {
    const list = await kubectlJson<{ items: any[] }>(['get', 'nodes']);
    nodeNames = list.items.map((n) => n.metadata.name);
    await kubectl(['delete', 'namespace', NS, '--ignore-not-found', '--wait=true'], { timeoutMs: 120_000 });
    await kubectl(['create', 'namespace', NS]);
    const manifests = [
      ...nodeNames.map((n) => netexecPodYaml({ name: `netexec-${n}`, node: n, app: 'netexec-v6', tolerateAll: true })),
      `apiVersion: v1
kind: Service
metadata: {name: netexec-v6}
spec:
  selector: {app: netexec-v6}
  ports: [{name: http, port: 80, targetPort: 8080, protocol: TCP}]
`,
    ].join('---\n');
    await kubectl(['apply', '-n', NS, '-f', '-'], { input: manifests });
    await kubectl(['wait', '-n', NS, '--for=condition=Ready', 'pod', '-l', 'app=netexec-v6', '--timeout=90s'], { timeoutMs: 100_000 });
    const p = await kubectlJson<{ items: any[] }>(['get', 'pods', '-n', NS, '-l', 'app=netexec-v6']);
    for (const item of p.items) pods[item.spec.nodeName] = { name: item.metadata.name, ips: (item.status.podIPs ?? []).map((x: any) => x.ip) };
    clusterIP = (await kubectlJson(['get', 'svc', '-n', NS, 'netexec-v6'])).spec.clusterIP;
  }, 240_000);

  afterAll(async () => {
    await lab('heal');
    await kubectl(['delete', 'namespace', NS, '--ignore-not-found', '--wait=false']);
  });

  test('the API server is reached on the control plane\u2019s IPv6 node address; nodes have IPv6 InternalIPs only', async () => {
    expect(readFileSync(kubeconfigPath(), 'utf8')).toMatch(/server: https:\/\/\[fd6b:6e63:6c00::10\]:6443/);
    const list = await kubectlJson<{ items: any[] }>(['get', 'nodes']);
    for (const n of list.items) {
      const internal = n.status.addresses.filter((a: any) => a.type === 'InternalIP').map((a: any) => a.address);
      expect(internal.length, n.metadata.name).toBe(1);
      expect(internal[0]).toMatch(/^fd6b:6e63:6c00::1\d$/);
      expect(n.spec.podCIDRs).toHaveLength(1);
      expect(n.spec.podCIDRs[0]).toMatch(/^fd6b:6e63:6c00:1[0-9a-f]{2}::\/64$/);
    }
  });

  test('every pod has one IPv6 podIP and reaches every other node\u2019s pod', async () => {
    const failures: string[] = [];
    for (const from of nodeNames) {
      expect(pods[from]!.ips.length, from).toBe(1);
      expect(isV6(pods[from]!.ips[0]!)).toBe(true);
      for (const to of nodeNames) {
        if (from === to) continue;
        const r = await connectFromPod(NS, pods[from]!.name, `[${pods[to]!.ips[0]}]:8080`);
        if (r) failures.push(`${from} → ${to}: ${r}`);
      }
    }
    expect(failures).toEqual([]);
  });

  test('a Service gets an IPv6 ClusterIP that answers from a pod on every node; DNS is on an IPv6 Service address', async () => {
    expect(clusterIP).toMatch(/^fd6b:6e63:6c00:200::/);
    for (const from of nodeNames) {
      const r = await dialFromPod(NS, pods[from]!.name, { host: clusterIP, port: 80, request: 'hostname' });
      expect(r.responses?.[0], `${from} → [${clusterIP}]:80`).toMatch(/^netexec-/);
    }
    const dns = await kubectlJson(['get', 'svc', '-n', 'kube-system', 'kube-dns']);
    expect(dns.spec.clusterIP).toBe('fd6b:6e63:6c00:200::a');
    const deploy = await kubectlJson(['get', 'deployment', '-n', 'kube-system', 'coredns']);
    expect(deploy.status.readyReplicas).toBe(2);
  });

  test('the root namespace blackholes the IPv6 pod and Service ranges', () => {
    const blackholes = JSON.parse(execFileSync('ip', ['-6', '-j', 'route', 'show', 'type', 'blackhole'], { encoding: 'utf8' })) as Array<{ dst: string }>;
    expect(blackholes.map((r) => r.dst)).toEqual(expect.arrayContaining(['fd6b:6e63:6c00:100::/56', 'fd6b:6e63:6c00:200::/112']));
  });
});
