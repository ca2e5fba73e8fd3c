// The lab MUST have cluster DNS as kubeadm sets it up: CoreDNS (2 replicas, Ready) behind
// kube-system/kube-dns at 10.96.0.10, kubelets handing pods that resolver and the cluster
// domain, cluster names answered, missing ones NXDOMAIN, and nothing forwarded out of the lab.
// The faults of these paths (pods-to-node-drop, hairpin-off, dns-down, block-dns-udp) MUST
// break exactly their path until healed. Plain kubectl + agnhost only.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { connectFromPod, kubectl, kubectlJson, lab, requireLab, waitFor, netexecPodYaml } from './lab-client.ts';

const NS = 'lab-paths-test';
const [w1, w2] = ['lab-worker-1', 'lab-worker-2'];
const nodeIP = { [w1]: '172.28.0.11', [w2]: '172.28.0.12' };

/** netexec /dial from the client pod on worker-2; a host NAME is resolved by the pod's own resolver (resolv.conf). */
async function dialName(host: string, port: number, protocol: 'http' | 'udp' = 'http'): Promise<string> {
  const qs = new URLSearchParams({ host, port: String(port), request: 'hostname', protocol, tries: '1' });
  try {
    return await kubectl(['get', '--raw', `/api/v1/namespaces/${NS}/pods/client:8080/proxy/dial?${qs}`], { timeoutMs: 30_000 });
  } catch (e) {
    return String((e as Error).message);
  }
}

beforeAll(async () => {
  await kubectl(['delete', 'namespace', NS, '--ignore-not-found', '--wait=true'], { timeoutMs: 120_000 });
  await kubectl(['create', 'namespace', NS]);
  await kubectl(['apply', '-n', NS, '-f', '-'], {
    input: `${netexecPodYaml({ name: 'client', node: w2, app: 'client', extraSpec: ['dnsConfig: {options: [{name: timeout, value: "1"}, {name: attempts, value: "1"}]}'] })}---
apiVersion: v1
kind: Service
metadata: {name: self}
spec:
  selector: {app: client}
  ports: [{name: http, port: 80, targetPort: 8080, protocol: TCP}]
`,
  });
  await kubectl(['wait', '-n', NS, '--for=condition=Ready', 'pod/client', '--timeout=60s'], { timeoutMs: 70_000 });
}, 180_000);

afterAll(async () => {
  await lab('heal');
  await kubectl(['delete', 'namespace', NS, '--ignore-not-found', '--wait=false']);
});

describe.skipIf(!requireLab())('lab cluster DNS and the faults of the paths users hit first', { sequential: true }, () => {
  test('CoreDNS runs as kubeadm runs it: 2 ready replicas, Service kube-system/kube-dns 10.96.0.10 on 53/UDP and 53/TCP with both as endpoints', async () => {
    const deploy = await kubectlJson(['get', 'deployment', '-n', 'kube-system', 'coredns']);
    expect(deploy.status.readyReplicas).toBe(2);
    expect(deploy.spec.template.spec.containers[0].image).toMatch(/^registry\.k8s\.io\/coredns\/coredns:v1\.15\.0$/);
    const svc = await kubectlJson(['get', 'service', '-n', 'kube-system', 'kube-dns']);
    expect(svc.spec.clusterIP).toBe('10.96.0.10');
    expect(svc.spec.ports.map((p: any) => `${p.port}/${p.protocol}`)).toEqual(expect.arrayContaining(['53/UDP', '53/TCP']));
    const slices = await kubectlJson(['get', 'endpointslices', '-n', 'kube-system', '-l', 'kubernetes.io/service-name=kube-dns']);
    const ready = slices.items.flatMap((s: any) => s.endpoints.filter((e: any) => e.conditions.ready));
    expect(ready).toHaveLength(2);
    const corefile = (await kubectlJson(['get', 'configmap', '-n', 'kube-system', 'coredns'])).data.Corefile as string;
    expect(corefile).toContain('kubernetes cluster.local');
    expect(corefile).not.toMatch(/forward|proxy/);
  });

  test('pods get the cluster resolver: kubernetes.default.svc.cluster.local and its short name answer (HTTPS port), missing names are NXDOMAIN, outside names are never forwarded (SERVFAIL)', async () => {
    expect(await dialName('kubernetes.default.svc.cluster.local', 443)).toContain('responses');
    expect(await dialName('kubernetes.default', 443)).toContain('responses');
    // The pod proxy hides a failed /dial's body: agnhost connect (exec) names the lookup error.
    expect(await connectFromPod(NS, 'client', 'does-not-exist.default.svc.cluster.local:443')).toMatch(/^DNS: .*lookup does-not-exist\.default\.svc\.cluster\.local on 10\.96\.0\.10:53: no such host/);
    expect(await connectFromPod(NS, 'client', 'example.com.:80')).toMatch(/^DNS: .*server misbehaving/);
  });

  test("pods-to-node-drop worker-2: pods cannot open connections to worker-2's address (other nodes' they can); heal restores it", async () => {
    expect(await connectFromPod(NS, 'client', `${nodeIP[w2]}:10250`)).toBe('');
    expect((await lab('fault', 'pods-to-node-drop', w2)).code).toBe(0);
    expect(await connectFromPod(NS, 'client', `${nodeIP[w2]}:10250`)).toMatch(/TIMEOUT/);
    expect(await connectFromPod(NS, 'client', `${nodeIP[w1]}:10250`)).toBe('');
    expect((await lab('heal')).code).toBe(0);
    expect(await connectFromPod(NS, 'client', `${nodeIP[w2]}:10250`)).toBe('');
  });

  test('hairpin-off worker-2: the pod no longer reaches itself through its Service; heal restores it', async () => {
    expect(await dialName('self', 80)).toContain('"responses":["client"]');
    expect((await lab('fault', 'hairpin-off', w2)).code).toBe(0);
    expect(await dialName('self', 80)).toMatch(/timeout|Timeout/);
    expect((await lab('heal')).code).toBe(0);
    expect(await dialName('self', 80)).toContain('"responses":["client"]');
  });

  test('block-dns-udp worker-2: lookups over UDP from its pods time out; dns-down: every lookup is refused; heal restores both', async () => {
    expect((await lab('fault', 'block-dns-udp', w2)).code).toBe(0);
    expect(await connectFromPod(NS, 'client', 'kubernetes.default:443')).toMatch(/^DNS: .*lookup kubernetes\.default on 10\.96\.0\.10:53: .*i\/o timeout/);
    expect((await lab('heal')).code).toBe(0);
    await waitFor('kubernetes.default to resolve again after heal', async () => (await connectFromPod(NS, 'client', 'kubernetes.default:443')) === '', { timeoutMs: 20_000 });
    expect((await lab('fault', 'dns-down')).code).toBe(0);
    expect(await connectFromPod(NS, 'client', 'kubernetes.default:443')).toMatch(/^DNS: .*(connection refused|i\/o timeout|operation not permitted)/);
    expect((await lab('heal')).code).toBe(0);
    await waitFor('kubernetes.default to resolve again after heal', async () => (await connectFromPod(NS, 'client', 'kubernetes.default:443')) === '', { timeoutMs: 30_000 });
  }, 240_000);
});
