// The lab MUST be a real cluster with a flat pod network, working Services and NodePorts,
// and every fault MUST break exactly its path until healed. Plain kubectl + agnhost only.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { beforeAll, afterAll, describe, expect, test } from 'vitest';
import { connectFromNode, connectFromPod, dialFromPod, kubectl, kubectlJson, lab, requireLab, waitFor, netexecPodYaml } from './lab-client.ts';

const NS = 'lab-test';
const network = process.env.LAB_NETWORK ?? 'routed';
interface NodeInfo {
  name: string;
  ip: string;
  podCIDR: string;
}
let nodes: NodeInfo[] = [];
const pods: Record<string, { name: string; ip: string }> = {};
let clusterIP = '';
let nodePort = 0;
const [cp, w1, w2] = ['lab-control-plane', 'lab-worker-1', 'lab-worker-2'];

function inCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split('/');
  const toInt = (a: string) => a.split('.').reduce((n, o) => (n << 8) + Number(o), 0) >>> 0;
  const mask = Number(bits) === 0 ? 0 : (~0 << (32 - Number(bits))) >>> 0;
  return (toInt(ip) & mask) === (toInt(base!) & mask);
}

const manifests = (nodeNames: string[]) =>
  [
    ...nodeNames.map((n) => netexecPodYaml({ name: `netexec-${n}`, node: n, app: 'netexec', tolerateAll: true })),
    `apiVersion: v1
kind: Service
metadata: {name: netexec}
spec:
  selector: {app: netexec}
  ports: [{name: http, port: 80, targetPort: 8080, protocol: TCP}, {name: udp, port: 90, targetPort: 8081, protocol: UDP}]
`,
    `apiVersion: v1
kind: Service
metadata: {name: netexec-nodeport}
spec:
  type: NodePort
  selector: {app: netexec}
  ports: [{name: http, port: 8080, targetPort: 8080, protocol: TCP}]
`,
  ].join('---\n');

async function fetchFromRoot(url: string): Promise<string> {
  try {
    const r = await fetch(url, { signal: AbortSignal.timeout(3000) });
    return r.ok ? await r.text() : `HTTP ${r.status}`;
  } catch (e) {
    return `ERROR ${(e as Error).cause ?? e}`;
  }
}

beforeAll(async () => {
  const list = await kubectlJson<{ items: any[] }>(['get', 'nodes']);
  nodes = list.items.map((n) => ({
    name: n.metadata.name,
    ip: n.status.addresses.find((a: any) => a.type === 'InternalIP').address,
    podCIDR: n.spec.podCIDR,
  }));
  await kubectl(['delete', 'namespace', NS, '--ignore-not-found', '--wait=true'], { timeoutMs: 120_000 });
  await kubectl(['create', 'namespace', NS]);
  await kubectl(['apply', '-n', NS, '-f', '-'], { input: manifests(nodes.map((n) => n.name)) });
  await kubectl(['wait', '-n', NS, '--for=condition=Ready', 'pod', '-l', 'app=netexec', '--timeout=90s'], { timeoutMs: 100_000 });
  const p = await kubectlJson<{ items: any[] }>(['get', 'pods', '-n', NS, '-l', 'app=netexec']);
  for (const item of p.items) pods[item.spec.nodeName] = { name: item.metadata.name, ip: item.status.podIP };
  const svc = await kubectlJson(['get', 'svc', '-n', NS, 'netexec']);
  clusterIP = svc.spec.clusterIP;
  const np = await kubectlJson(['get', 'svc', '-n', NS, 'netexec-nodeport']);
  nodePort = np.spec.ports[0].nodePort;
  // Endpoints are programmed by every kube-proxy; wait until each node answers the NodePort.
  for (const n of nodes) {
    await waitFor(`NodePort ${nodePort} answering on ${n.name}`, async () => !(await fetchFromRoot(`http://${n.ip}:${nodePort}/hostname`)).startsWith('ERROR'), { timeoutMs: 30_000 });
  }
}, 240_000);

afterAll(async () => {
  await lab('heal');
  await kubectl(['delete', 'namespace', NS, '--ignore-not-found', '--wait=false']);
});

const podIP = (node: string) => pods[node]!.ip;
const podName = (node: string) => pods[node]!.name;
const nodeIP = (node: string) => nodes.find((n) => n.name === node)!.ip;

describe.skipIf(!requireLab())(`lab (${network} pod network)`, { sequential: true }, () => {
  test('three nodes are Ready; the control plane is tainted and labelled', async () => {
    const list = await kubectlJson<{ items: any[] }>(['get', 'nodes']);
    expect(list.items.map((n) => n.metadata.name).sort()).toEqual([cp, w1, w2]);
    for (const n of list.items) {
      expect(n.status.conditions.find((c: any) => c.type === 'Ready').status, `${n.metadata.name} Ready`).toBe('True');
      expect(n.status.nodeInfo.kubeletVersion).toMatch(/^v1\.37\./);
    }
    const control = list.items.find((n) => n.metadata.name === cp);
    expect(control.spec.taints).toContainEqual(expect.objectContaining({ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }));
    expect(Object.keys(control.metadata.labels)).toContain('node-role.kubernetes.io/control-plane');
  });

  test("each node's pod gets an IP in that node's pod CIDR", () => {
    for (const n of nodes) expect(inCidr(podIP(n.name), n.podCIDR), `${n.name} pod ${podIP(n.name)} in ${n.podCIDR}`).toBe(true);
    expect(new Set(nodes.map((n) => n.podCIDR)).size).toBe(nodes.length);
  });

  test('every pod reaches every other pod, across nodes, TCP and UDP', async () => {
    const failures: string[] = [];
    for (const from of nodes)
      for (const to of nodes) {
        if (from.name === to.name) continue;
        const tcp = await connectFromPod(NS, podName(from.name), `${podIP(to.name)}:8080`);
        if (tcp) failures.push(`${from.name} → ${to.name} tcp: ${tcp}`);
        const udp = await dialFromPod(NS, podName(from.name), { host: podIP(to.name), port: 8081, request: 'hostname', protocol: 'udp' });
        if (udp.responses?.[0] !== podName(to.name)) failures.push(`${from.name} → ${to.name} udp: ${JSON.stringify(udp)}`);
      }
    expect(failures).toEqual([]);
  });

  test('every node reaches a pod on every other node from its host network', async () => {
    const failures: string[] = [];
    for (const from of nodes)
      for (const to of nodes) {
        const r = await connectFromNode(from.name, `${podIP(to.name)}:8080`);
        if (r) failures.push(`${from.name} → pod on ${to.name}: ${r}`);
      }
    expect(failures).toEqual([]);
  });

  test('the root namespace is an outside client: a route to node IPs via its leg; pod and Service ranges blackholed', async () => {
    expect(await fetchFromRoot(`http://${nodeIP(w1)}:${nodePort}/hostname`)).toMatch(/^netexec-/);
    // Only route look-ups here: no lab test may send to a pod IP from the root namespace.
    // stderr piped: `ip route get` into a blackhole fails with "RTNETLINK answers: Invalid argument".
    const routeTo = (ip: string) => execFileSync('ip', ['-4', 'route', 'get', ip], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(routeTo(nodeIP(w1))).toMatch(/dev knc-lab0/);
    // While the lab is up, the pod and Service ranges are blackholed in the root namespace, so
    // nothing sent there from the machine can leave by its real default route.
    const blackholes = JSON.parse(execFileSync('ip', ['-4', '-j', 'route', 'show', 'type', 'blackhole'], { encoding: 'utf8' })) as Array<{ dst: string }>;
    expect(blackholes.map((r) => r.dst)).toEqual(expect.arrayContaining(['10.244.0.0/16', '10.96.0.0/12']));
    for (const ip of [podIP(w1), clusterIP]) {
      expect(() => routeTo(ip), `${ip} has no usable route from the root namespace`).toThrow();
    }
    expect(execFileSync('ip', ['-4', 'route', 'show', 'dev', 'knc-lab0'], { encoding: 'utf8' }).trim()).toMatch(/^172\.28\.0\.0\/24 proto kernel scope link src 172\.28\.0\.1\s*$/);
  });

  test('a ClusterIP Service answers from pods on every node and spreads over its backends', async () => {
    const seen = new Set<string>();
    for (const from of nodes) {
      for (let k = 0; k < 6; k++) {
        const r = await dialFromPod(NS, podName(from.name), { host: clusterIP, port: 80, request: 'hostname' });
        expect(r.errors ?? [], `${from.name} → ${clusterIP}:80`).toEqual([]);
        seen.add(r.responses![0]!);
      }
      const udp = await dialFromPod(NS, podName(from.name), { host: clusterIP, port: 90, request: 'hostname', protocol: 'udp' });
      expect(udp.responses?.[0], `${from.name} → ${clusterIP}:90/udp`).toMatch(/^netexec-/);
    }
    expect(seen.size).toBeGreaterThan(1);
    for (const s of seen) expect(Object.values(pods).map((p) => p.name)).toContain(s);
  });

  test('a NodePort Service answers from the root namespace on every node', async () => {
    for (const n of nodes) expect(await fetchFromRoot(`http://${n.ip}:${nodePort}/hostname`), n.name).toMatch(/^netexec-/);
  });

  const inNode = (node: string, ...cmd: string[]) => execFileSync('nsenter', [`--net=/run/netns/knc-${node}`, '--', ...cmd], { encoding: 'utf8' });
  const routeTo = (node: string, cidr: string) => inNode(node, 'ip', '-4', 'route', 'show', 'exact', cidr).trim();
  const podCIDR = (node: string) => nodes.find((n) => n.name === node)!.podCIDR;

  test('the lab states its pod network only where it has no add-on of its own to detect (kube-system/netconform-cni)', async () => {
    const cms = await kubectlJson<{ items: any[] }>(['get', 'configmaps', '-n', 'kube-system']);
    const stated = cms.items.find((c) => c.metadata.name === 'netconform-cni')?.data?.cni;
    const want: Record<string, string | undefined> = { routed: 'bridge', vxlan: 'vxlan', bgp: 'bgp', 'flannel-vxlan': undefined, 'flannel-host-gw': undefined };
    expect(stated).toBe(want[network]);
    expect(cms.items.map((c) => c.metadata.name)).not.toContain('kube-netconform-lab');
  });

  test.runIf(network.startsWith('flannel-'))('flanneld on every node: its own node annotations, subnet.env and routes', async () => {
    const backend = network.replace('flannel-', '');
    const list = await kubectlJson<{ items: any[] }>(['get', 'nodes']);
    for (const n of list.items) {
      const a = n.metadata.annotations;
      expect(a['flannel.alpha.coreos.com/backend-type'], n.metadata.name).toBe(backend);
      expect(a['flannel.alpha.coreos.com/kube-subnet-manager']).toBe('true');
      expect(a['flannel.alpha.coreos.com/public-ip']).toBe(nodeIP(n.metadata.name));
      if (backend === 'vxlan') expect(JSON.parse(a['flannel.alpha.coreos.com/backend-data'])).toMatchObject({ VNI: 1, VtepMAC: expect.stringMatching(/^[0-9a-f:]{17}$/) });
      expect(n.status.conditions.find((c: any) => c.type === 'NetworkUnavailable')).toMatchObject({ status: 'False', reason: 'FlannelIsUp' });
    }
    const env = readFileSync(`/var/lib/kube-netconform-lab/nodes/${w1}/flannel/subnet.env`, 'utf8');
    expect(env).toContain(`FLANNEL_SUBNET=${podCIDR(w1).replace(/0\/24$/, '1/24')}`);
    expect(env).toContain(`FLANNEL_MTU=${backend === 'vxlan' ? 1450 : 1500}`);
    if (backend === 'vxlan') {
      expect(inNode(w1, 'ip', '-d', 'link', 'show', 'flannel.1')).toMatch(/vxlan id 1 local 172\.28\.0\.11 dev eth0 .*dstport 8472/);
      expect(routeTo(w1, podCIDR(w2))).toBe(`${podCIDR(w2)} via ${podCIDR(w2).replace(/\/24$/, '')} dev flannel.1 onlink`);
    } else {
      expect(routeTo(w1, podCIDR(w2))).toBe(`${podCIDR(w2)} via ${nodeIP(w2)} dev eth0`);
    }
  });

  test.runIf(network === 'flannel-host-gw')("del-route: flannel's route checker re-adds a deleted route (self-healing)", async () => {
    expect((await lab('fault', 'del-route', w1, w2)).code).toBe(0);
    // heal only waits for flanneld to put the route back (it checks every 10 s).
    const healed = await lab('heal', 'del-route');
    expect(healed.code, healed.stderr).toBe(0);
    expect(routeTo(w1, podCIDR(w2))).toBe(`${podCIDR(w2)} via ${nodeIP(w2)} dev eth0`);
    expect(await connectFromPod(NS, podName(w1), `${podIP(w2)}:8080`)).toBe('');
  });

  test.runIf(network === 'bgp')("BIRD: an iBGP full mesh, every node has its peers' pod routes from BGP, TCP 179 listening", () => {
    for (const from of nodes) {
      const protocols = execFileSync('birdc', ['-s', `/run/kube-netconform-lab/nodes/${from.name}/bird.ctl`, 'show', 'protocols'], { encoding: 'utf8' });
      expect(
        protocols
          .split('\n')
          .filter((l) => /^peer\d+ +BGP/.test(l))
          .map((l) => /Established/.test(l)),
      ).toEqual(nodes.slice(1).map(() => true));
      for (const to of nodes) {
        if (to.name === from.name) continue;
        expect(inNode(from.name, 'ip', '-4', 'route', 'show', 'exact', to.podCIDR, 'proto', 'bird').trim(), `${from.name} → ${to.name}`).toMatch(
          new RegExp(`^${to.podCIDR.replace(/\./g, '\\.')} via ${to.ip.replace(/\./g, '\\.')} dev eth0`),
        );
      }
      expect(inNode(from.name, 'ss', '-Hltn', 'sport', '=', ':179')).toMatch(/LISTEN/);
    }
  });

  test.runIf(network === 'bgp')('bgp-down worker-2: its sessions die, the peers withdraw its pod route, its pods are cut off; heal restores it', async () => {
    const down = await lab('fault', 'bgp-down', w2);
    try {
      expect(down.code, down.stderr).toBe(0);
      expect(routeTo(w1, podCIDR(w2))).toBe('');
      expect(routeTo(w2, podCIDR(w1))).toBe('');
      expect(await connectFromPod(NS, podName(w1), `${podIP(w2)}:8080`)).toMatch(/TIMEOUT|OTHER/);
      expect(await connectFromPod(NS, podName(w1), `${podIP(cp)}:8080`)).toBe('');
      expect(await connectFromNode(w1, `${nodeIP(w2)}:179`)).toMatch(/TIMEOUT/);
    } catch (err) {
      await lab('heal'); // a failed assertion must not leave the fault for the tests after this one
      throw err;
    }
    const healed = await lab('heal', 'bgp-down');
    expect(healed.code, healed.stderr).toBe(0);
    await waitFor(`${w1}'s BGP route to ${w2}'s pods`, async () => routeTo(w1, podCIDR(w2)).includes('proto bird'), { timeoutMs: 30_000 });
    expect(await connectFromPod(NS, podName(w1), `${podIP(w2)}:8080`)).toBe('');
  });

  describe('faults break exactly their path, and heal restores it', { sequential: true }, () => {
    test('cut-route worker-1 → worker-2: pods on worker-1 lose worker-2, keep the control plane', async () => {
      expect((await lab('fault', 'cut-route', w1, w2)).code).toBe(0);
      expect(await connectFromPod(NS, podName(w1), `${podIP(w2)}:8080`)).toMatch(/TIMEOUT|OTHER/);
      expect(await connectFromPod(NS, podName(w1), `${podIP(cp)}:8080`)).toBe('');
      expect((await lab('heal', 'cut-route')).code).toBe(0);
      expect(await connectFromPod(NS, podName(w1), `${podIP(w2)}:8080`)).toBe('');
    });

    test('block-port worker-1 10250/tcp: the kubelet port closes to other nodes, nothing else', async () => {
      expect(await connectFromNode(cp, `${nodeIP(w1)}:10250`)).toBe('');
      expect((await lab('fault', 'block-port', w1, '10250/tcp')).code).toBe(0);
      expect(await connectFromNode(cp, `${nodeIP(w1)}:10250`)).toMatch(/TIMEOUT/);
      expect(await connectFromNode(cp, `${nodeIP(w2)}:10250`)).toBe('');
      expect(await connectFromNode(cp, `${podIP(w1)}:8080`)).toBe('');
      expect((await lab('heal', 'block-port')).code).toBe(0);
      expect(await connectFromNode(cp, `${nodeIP(w1)}:10250`)).toBe('');
    });

    test('block-nodeports worker-2: its NodePorts stop answering, worker-1 still answers', async () => {
      expect((await lab('fault', 'block-nodeports', w2)).code).toBe(0);
      expect(await fetchFromRoot(`http://${nodeIP(w2)}:${nodePort}/hostname`)).toMatch(/^ERROR/);
      expect(await fetchFromRoot(`http://${nodeIP(w1)}:${nodePort}/hostname`)).toMatch(/^netexec-/);
      expect((await lab('heal')).code).toBe(0);
      expect(await fetchFromRoot(`http://${nodeIP(w2)}:${nodePort}/hostname`)).toMatch(/^netexec-/);
    });

    test('kube-proxy-down worker-1: the ClusterIP fails from worker-1 only; heal brings it back', async () => {
      expect((await lab('fault', 'kube-proxy-down', w1)).code).toBe(0);
      expect(await connectFromPod(NS, podName(w1), `${clusterIP}:80`)).toMatch(/TIMEOUT|REFUSED|OTHER/);
      expect(await connectFromPod(NS, podName(w2), `${clusterIP}:80`)).toBe('');
      expect(await connectFromPod(NS, podName(w1), `${podIP(w2)}:8080`)).toBe('');
      expect((await lab('heal')).code).toBe(0);
      await waitFor('kube-proxy on worker-1 to reprogram the ClusterIP', async () => (await connectFromPod(NS, podName(w1), `${clusterIP}:80`)) === '', { timeoutMs: 30_000 });
    });

    test('no-forwarding worker-2: pods on worker-2 become unreachable from other nodes', async () => {
      expect((await lab('fault', 'no-forwarding', w2)).code).toBe(0);
      expect(await connectFromPod(NS, podName(w1), `${podIP(w2)}:8080`)).toMatch(/TIMEOUT|OTHER/);
      expect(await connectFromPod(NS, podName(w1), `${podIP(cp)}:8080`)).toBe('');
      expect((await lab('heal')).code).toBe(0);
      expect(await connectFromPod(NS, podName(w1), `${podIP(w2)}:8080`)).toBe('');
    });

    test('mtu worker-2 1200: small requests pass, full-size ones into worker-2 die', async () => {
      const big = 'x'.repeat(20_000);
      const ok = await dialFromPod(NS, podName(w1), { host: podIP(w2), port: 8080, request: `echo?msg=${big}` });
      expect(ok.responses?.[0]?.length, 'full-size echo before the fault').toBe(big.length);
      expect((await lab('fault', 'mtu', w2, '1200')).code).toBe(0);
      const small = await dialFromPod(NS, podName(w1), { host: podIP(w2), port: 8080, request: 'hostname' });
      expect(small.responses?.[0]).toBe(podName(w2));
      const broken = await dialFromPod(NS, podName(w1), { host: podIP(w2), port: 8080, request: `echo?msg=${big}` });
      expect(broken.responses, 'full-size echo through the small MTU').toBeUndefined();
      expect((await lab('heal')).code).toBe(0);
      const healed = await dialFromPod(NS, podName(w1), { host: podIP(w2), port: 8080, request: `echo?msg=${big}` });
      expect(healed.responses?.[0]?.length).toBe(big.length);
    });

    test.runIf(network === 'vxlan' || network === 'flannel-vxlan')('block-port worker-2 8472/udp (vxlan, flannel-vxlan): cross-node pod traffic to worker-2 dies', async () => {
      expect((await lab('fault', 'block-port', w2, '8472/udp')).code).toBe(0);
      expect(await connectFromPod(NS, podName(w1), `${podIP(w2)}:8080`)).toMatch(/TIMEOUT|OTHER/);
      expect(await connectFromPod(NS, podName(w1), `${podIP(cp)}:8080`)).toBe('');
      expect((await lab('heal')).code).toBe(0);
      expect(await connectFromPod(NS, podName(w1), `${podIP(w2)}:8080`)).toBe('');
    });

    test('bad fault input gets a clear error listing the valid names', async () => {
      const r = await lab('fault', 'unplug', w1);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/unknown fault 'unplug'; faults are: cut-route/);
      const n = await lab('fault', 'cut-route', 'worker-9', w1);
      expect(n.code).toBe(2);
      expect(n.stderr).toMatch(/unknown node 'worker-9'; nodes are: lab-control-plane lab-worker-1 lab-worker-2/);
      const up = await lab('up', '--network', 'calico');
      expect(up.code).toBe(2);
      expect(up.stderr).toMatch(/--network must be one of routed, vxlan, flannel-vxlan, flannel-host-gw, bgp \(got 'calico'\)/);
      const proxy = await lab('up', '--proxy-mode', 'ipvs');
      expect(proxy.code).toBe(2);
      expect(proxy.stderr).toMatch(/--proxy-mode must be iptables or nftables \(got 'ipvs'\)/);
      expect((await lab('status')).stdout, 'a rejected up leaves the running lab alone').toMatch(/^lab: up/);
    });
  });
});
