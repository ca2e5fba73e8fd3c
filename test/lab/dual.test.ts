// The dual-stack lab (`lab up --ip-family dual`, run with LAB_IP_FAMILY=dual) MUST be a real
// dual-stack cluster: both families on every node, every pod, every Service that asks for them,
// across nodes; the root namespace blackholes the IPv6 pod and Service ranges as it does the IPv4
// ones; and the per-family faults (cut-route / block-port --family 6) break IPv6 only until
// healed. Plain kubectl + agnhost only; nothing here sends to a pod address from the root namespace.
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { connectFromNode, connectFromPod, dialFromPod, kubectl, kubectlJson, lab, requireLab, waitFor, netexecPodYaml } from './lab-client.ts';

const family = process.env.LAB_IP_FAMILY ?? 'ipv4';
const NS = 'lab-dual-test';
const [cp, w1, w2] = ['lab-control-plane', 'lab-worker-1', 'lab-worker-2'];
const ULA = 'fd6b:6e63:6c00:';
const POD_CIDR6 = 'fd6b:6e63:6c00:100::/56';
const SERVICE_CIDR6 = 'fd6b:6e63:6c00:200::/112';

interface NodeInfo {
  name: string;
  ip4: string;
  ip6: string;
  podCIDRs: string[];
}
let nodes: NodeInfo[] = [];
const pods: Record<string, { name: string; ips: string[] }> = {};
let svcIPs: string[] = [];
let nodePort = 0;

const isV6 = (ip: string) => ip.includes(':');
const hostPort = (ip: string, port: number) => (isV6(ip) ? `[${ip}]:${port}` : `${ip}:${port}`);
const podIP = (node: string, fam: 4 | 6) => pods[node]!.ips.find((ip) => isV6(ip) === (fam === 6))!;
const podName = (node: string) => pods[node]!.name;
const nodeOf = (name: string) => nodes.find((n) => n.name === name)!;

/** Is ip inside the /64 (or shorter, multiple of 16 bits) IPv6 prefix? Expands :: first. */
function inCidr6(ip: string, cidr: string): boolean {
  const expand = (a: string) => {
    const [head, tail] = a.split('::') as [string, string | undefined];
    const h = head ? head.split(':') : [];
    const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
    const mid = Array(8 - h.length - t.length).fill('0');
    return [...h, ...(tail !== undefined ? mid : []), ...t].map((x) => parseInt(x, 16));
  };
  const [base, bits] = cidr.split('/');
  const a = expand(ip);
  const b = expand(base!);
  let left = Number(bits);
  for (let k = 0; k < 8 && left > 0; k++, left -= 16) {
    const m = left >= 16 ? 0xffff : (0xffff << (16 - left)) & 0xffff;
    if ((a[k]! & m) !== (b[k]! & m)) return false;
  }
  return true;
}

async function fetchFromRoot(url: string): Promise<string> {
  try {
    const r = await fetch(url, { signal: AbortSignal.timeout(3000) });
    return r.ok ? await r.text() : `HTTP ${r.status}`;
  } catch (e) {
    return `ERROR ${(e as Error).cause ?? e}`;
  }
}

const manifests = (nodeNames: string[]) =>
  [
    ...nodeNames.map((n) => netexecPodYaml({ name: `netexec-${n}`, node: n, app: 'netexec-dual', tolerateAll: true })),
    `apiVersion: v1
kind: Service
metadata: {name: netexec-dual}
spec:
  ipFamilyPolicy: RequireDualStack
  ipFamilies: [IPv6, IPv4]
  selector: {app: netexec-dual}
  ports: [{name: http, port: 80, targetPort: 8080, protocol: TCP}, {name: udp, port: 90, targetPort: 8081, protocol: UDP}]
`,
    `apiVersion: v1
kind: Service
metadata: {name: netexec-dual-nodeport}
spec:
  type: NodePort
  ipFamilyPolicy: PreferDualStack
  selector: {app: netexec-dual}
  ports: [{name: http, port: 8080, targetPort: 8080, protocol: TCP}]
`,
  ].join('---\n');

describe.runIf(family === 'dual' && requireLab({ ipFamily: 'dual' }))('dual-stack lab (--ip-family dual)', { sequential: true }, () => {
  beforeAll(async () => {
    const list = await kubectlJson<{ items: any[] }>(['get', 'nodes']);
    nodes = list.items.map((n) => {
      const internal = n.status.addresses.filter((a: any) => a.type === 'InternalIP').map((a: any) => a.address as string);
      return { name: n.metadata.name, ip4: internal.find((a: string) => !isV6(a)), ip6: internal.find(isV6), podCIDRs: n.spec.podCIDRs ?? [] };
    });
    await kubectl(['delete', 'namespace', NS, '--ignore-not-found', '--wait=true'], { timeoutMs: 120_000 });
    await kubectl(['create', 'namespace', NS]);
    await kubectl(['apply', '-n', NS, '-f', '-'], { input: manifests(nodes.map((n) => n.name)) });
    await kubectl(['wait', '-n', NS, '--for=condition=Ready', 'pod', '-l', 'app=netexec-dual', '--timeout=90s'], { timeoutMs: 100_000 });
    const p = await kubectlJson<{ items: any[] }>(['get', 'pods', '-n', NS, '-l', 'app=netexec-dual']);
    for (const item of p.items) pods[item.spec.nodeName] = { name: item.metadata.name, ips: (item.status.podIPs ?? []).map((x: any) => x.ip) };
    svcIPs = (await kubectlJson(['get', 'svc', '-n', NS, 'netexec-dual'])).spec.clusterIPs;
    nodePort = (await kubectlJson(['get', 'svc', '-n', NS, 'netexec-dual-nodeport'])).spec.ports[0].nodePort;
    for (const n of nodes) {
      await waitFor(`NodePort ${nodePort} answering on ${n.name} [${n.ip6}]`, async () => !(await fetchFromRoot(`http://[${n.ip6}]:${nodePort}/hostname`)).startsWith('ERROR'), { timeoutMs: 30_000 });
    }
  }, 240_000);

  afterAll(async () => {
    await lab('heal');
    await kubectl(['delete', 'namespace', NS, '--ignore-not-found', '--wait=false']);
  });

  test('every node has an InternalIP of each family and a podCIDR of each family', () => {
    expect(nodes.map((n) => n.name).sort()).toEqual([cp, w1, w2]);
    for (const [k, n] of [cp, w1, w2].map((name, k) => [k, nodeOf(name)] as const)) {
      expect(n.ip4, `${n.name} IPv4`).toBe(`172.28.0.${10 + k}`);
      expect(n.ip6, `${n.name} IPv6`).toBe(`${ULA}:${10 + k}`);
      expect(n.podCIDRs, n.name).toHaveLength(2);
      expect(n.podCIDRs[0], `${n.name} IPv4 podCIDR`).toMatch(/^10\.244\.\d+\.0\/24$/);
      expect(n.podCIDRs[1], `${n.name} IPv6 podCIDR`).toMatch(/^fd6b:6e63:6c00:1[0-9a-f]{2}::\/64$/);
      expect(inCidr6(n.podCIDRs[1]!.split('/')[0]!, POD_CIDR6)).toBe(true);
    }
    expect(new Set(nodes.map((n) => n.podCIDRs[1])).size).toBe(nodes.length);
  });

  test('every probe pod has two podIPs, one per family, the IPv6 one in its node\u2019s IPv6 podCIDR', () => {
    for (const n of nodes) {
      const ips = pods[n.name]!.ips;
      expect(ips, n.name).toHaveLength(2);
      expect(isV6(ips[0]!), `${n.name} primary podIP is IPv4`).toBe(false);
      expect(inCidr6(podIP(n.name, 6), n.podCIDRs[1]!), `${podIP(n.name, 6)} in ${n.podCIDRs[1]}`).toBe(true);
    }
  });

  test('every pod reaches every other node\u2019s pod over IPv6 and over IPv4 (TCP and UDP)', async () => {
    const failures: string[] = [];
    for (const from of nodes)
      for (const to of nodes) {
        if (from.name === to.name) continue;
        for (const fam of [6, 4] as const) {
          const tcp = await connectFromPod(NS, podName(from.name), hostPort(podIP(to.name, fam), 8080));
          if (tcp) failures.push(`${from.name} → ${to.name} IPv${fam} tcp: ${tcp}`);
          const udp = await dialFromPod(NS, podName(from.name), { host: podIP(to.name, fam), port: 8081, request: 'hostname', protocol: 'udp' });
          if (udp.responses?.[0] !== podName(to.name)) failures.push(`${from.name} → ${to.name} IPv${fam} udp: ${JSON.stringify(udp)}`);
        }
      }
    expect(failures).toEqual([]);
  });

  test('every node reaches every node\u2019s pod over IPv6 from its host network', async () => {
    const failures: string[] = [];
    for (const from of nodes)
      for (const to of nodes) {
        const r = await connectFromNode(from.name, hostPort(podIP(to.name, 6), 8080));
        if (r) failures.push(`${from.name} → pod on ${to.name} IPv6: ${r}`);
      }
    expect(failures).toEqual([]);
  });

  test('a RequireDualStack Service gets an IPv6 ClusterIP (in the IPv6 Service range) that answers from a pod on every node', async () => {
    expect(svcIPs).toHaveLength(2);
    const v6 = svcIPs.find(isV6)!;
    expect(inCidr6(v6, SERVICE_CIDR6), `${v6} in ${SERVICE_CIDR6}`).toBe(true);
    const seen = new Set<string>();
    for (const from of nodes) {
      for (let k = 0; k < 4; k++) {
        const r = await dialFromPod(NS, podName(from.name), { host: v6, port: 80, request: 'hostname' });
        expect(r.errors ?? [], `${from.name} → [${v6}]:80`).toEqual([]);
        seen.add(r.responses![0]!);
      }
      const udp = await dialFromPod(NS, podName(from.name), { host: v6, port: 90, request: 'hostname', protocol: 'udp' });
      expect(udp.responses?.[0], `${from.name} → [${v6}]:90/udp`).toMatch(/^netexec-/);
      const v4 = await dialFromPod(NS, podName(from.name), { host: svcIPs.find((ip) => !isV6(ip))!, port: 80, request: 'hostname' });
      expect(v4.responses?.[0], `${from.name} → IPv4 ClusterIP`).toMatch(/^netexec-/);
    }
    expect(seen.size).toBeGreaterThan(1);
  });

  test('a PreferDualStack NodePort answers from the root namespace on every node\u2019s IPv6 address', async () => {
    const np = await kubectlJson(['get', 'svc', '-n', NS, 'netexec-dual-nodeport']);
    expect(np.spec.ipFamilies).toEqual(['IPv4', 'IPv6']);
    for (const n of nodes) expect(await fetchFromRoot(`http://[${n.ip6}]:${nodePort}/hostname`), n.name).toMatch(/^netexec-/);
  });

  test('the root namespace: its only IPv6 lab route is the node /64 on knc-lab0; the IPv6 pod and Service ranges are blackholed', () => {
    // Route look-ups only: nothing is sent to a pod or Service address from the root namespace.
    const routeTo = (ip: string) => execFileSync('ip', ['-6', 'route', 'get', ip], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(routeTo(nodeOf(w1).ip6)).toMatch(/dev knc-lab0/);
    const blackholes = JSON.parse(execFileSync('ip', ['-6', '-j', 'route', 'show', 'type', 'blackhole'], { encoding: 'utf8' })) as Array<{ dst: string }>;
    expect(blackholes.map((r) => r.dst)).toEqual(expect.arrayContaining([POD_CIDR6, SERVICE_CIDR6]));
    for (const ip of [podIP(w1, 6), svcIPs.find(isV6)!]) {
      expect(() => routeTo(ip), `${ip} has no usable route from the root namespace`).toThrow();
    }
    const onLeg = execFileSync('ip', ['-6', 'route', 'show', 'dev', 'knc-lab0'], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .map((l) => l.split(' ')[0]);
    expect(onLeg.sort()).toEqual(['fd6b:6e63:6c00::/64', 'fe80::/64']);
    expect(execFileSync('sysctl', ['-n', 'net.ipv6.conf.knc-lab0.accept_ra'], { encoding: 'utf8' }).trim()).toBe('0');
  });

  test('cut-route worker-1 worker-2 --family 6: IPv6 pod traffic 1→2 dies, IPv4 still passes; heal restores', async () => {
    const r = await lab('fault', 'cut-route', w1, w2, '--family', '6');
    expect(r.code, r.stderr).toBe(0);
    expect(await connectFromPod(NS, podName(w1), hostPort(podIP(w2, 6), 8080))).toMatch(/TIMEOUT|OTHER/);
    expect(await connectFromPod(NS, podName(w1), hostPort(podIP(w2, 4), 8080))).toBe('');
    expect(await connectFromPod(NS, podName(w1), hostPort(podIP(cp, 6), 8080))).toBe('');
    expect((await lab('heal')).code).toBe(0);
    expect(await connectFromPod(NS, podName(w1), hostPort(podIP(w2, 6), 8080))).toBe('');
  });

  test('cut-route worker-1 worker-2 (no --family) on a dual lab: both families die; heal restores both', async () => {
    expect((await lab('fault', 'cut-route', w1, w2)).code).toBe(0);
    expect(await connectFromPod(NS, podName(w1), hostPort(podIP(w2, 6), 8080))).toMatch(/TIMEOUT|OTHER/);
    expect(await connectFromPod(NS, podName(w1), hostPort(podIP(w2, 4), 8080))).toMatch(/TIMEOUT|OTHER/);
    expect((await lab('heal')).code).toBe(0);
    expect(await connectFromPod(NS, podName(w1), hostPort(podIP(w2, 6), 8080))).toBe('');
    expect(await connectFromPod(NS, podName(w1), hostPort(podIP(w2, 4), 8080))).toBe('');
  });

  test('block-port worker-2 10250/tcp --family 6: the kubelet port dies on worker-2\u2019s IPv6 address only; heal restores', async () => {
    const w2n = nodeOf(w2);
    expect(await connectFromNode(w1, hostPort(w2n.ip6, 10250))).toBe('');
    const r = await lab('fault', 'block-port', w2, '10250/tcp', '--family', '6');
    expect(r.code, r.stderr).toBe(0);
    expect(await connectFromNode(w1, hostPort(w2n.ip6, 10250))).toMatch(/TIMEOUT/);
    expect(await connectFromNode(w1, hostPort(w2n.ip4, 10250))).toBe('');
    expect((await lab('heal')).code).toBe(0);
    expect(await connectFromNode(w1, hostPort(w2n.ip6, 10250))).toBe('');
  });

  test('block-port --from with --family 6 drops only that node\u2019s IPv6 source', async () => {
    const w2n = nodeOf(w2);
    expect((await lab('fault', 'block-port', w2, '10250/tcp', '--from', w1, '--family', '6')).code).toBe(0);
    expect(await connectFromNode(w1, hostPort(w2n.ip6, 10250))).toMatch(/TIMEOUT/);
    expect(await connectFromNode(cp, hostPort(w2n.ip6, 10250))).toBe('');
    expect(await connectFromNode(w1, hostPort(w2n.ip4, 10250))).toBe('');
    expect((await lab('heal')).code).toBe(0);
    expect(await connectFromNode(w1, hostPort(w2n.ip6, 10250))).toBe('');
  });

  test('mtu worker-2 1200 (below IPv6\u2019s 1280 minimum) then heal: worker-2 gets its IPv6 address and routes back', async () => {
    expect((await lab('fault', 'mtu', w2, '1200')).code).toBe(0);
    expect((await lab('heal')).code).toBe(0);
    expect(await connectFromPod(NS, podName(w1), hostPort(podIP(w2, 6), 8080))).toBe('');
    expect(await connectFromPod(NS, podName(w2), hostPort(podIP(w1, 6), 8080))).toBe('');
    // The fault ended worker-2's TCP connections (its kube-proxy's to the API server among them):
    // kube-proxy reconnects and syncs again, so its NodePort may take a moment after heal.
    const w2ip6 = nodeOf(w2).ip6;
    await waitFor(`NodePort ${nodePort} answering on ${w2} [${w2ip6}] after heal`, async () => /^netexec-/.test(await fetchFromRoot(`http://[${w2ip6}]:${nodePort}/hostname`)), { timeoutMs: 20_000 });
  });

  test('bad --family input gets a clear error', async () => {
    const r = await lab('fault', 'cut-route', w1, w2, '--family', '5');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--family must be 4 or 6 \(got '5'\)/);
    const up = await lab('up', '--ip-family', 'ipv5');
    expect(up.code).toBe(2);
    expect(up.stderr).toMatch(/--ip-family must be one of ipv4, dual, ipv6 \(got 'ipv5'\)/);
    const bgp = await lab('up', '--network', 'bgp', '--ip-family', 'ipv6');
    expect(bgp.code).toBe(2);
    expect(bgp.stderr).toMatch(/--ip-family ipv6 is not supported with --network bgp/);
    expect((await lab('status')).stdout, 'a rejected up leaves the running lab alone').toMatch(/^lab: up.*ip family dual/);
  });
});

describe.runIf(family === 'ipv4' && requireLab({ ipFamily: 'ipv4' }))('IPv4 lab: no IPv6 anywhere the lab made', () => {
  test('nodes have IPv4 InternalIPs only and one podCIDR; --family 6 faults are refused', async () => {
    const list = await kubectlJson<{ items: any[] }>(['get', 'nodes']);
    for (const n of list.items) {
      expect(
        n.status.addresses.filter((a: any) => a.type === 'InternalIP' && isV6(a.address)),
        n.metadata.name,
      ).toEqual([]);
      expect(n.spec.podCIDRs, n.metadata.name).toHaveLength(1);
    }
    const r = await lab('fault', 'cut-route', w1, w2, '--family', '6');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/this lab has no IPv6 \(it runs --ip-family ipv4\)/);
  });
});
