// The lab MUST have cluster DNS as kubeadm sets it up: CoreDNS (2 replicas, Ready) behind
// kube-system/kube-dns at 10.96.0.10, kubelets handing pods that resolver and the cluster
// domain, cluster names answered, missing ones NXDOMAIN, and nothing forwarded out of the lab.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { agnhostImage, kubectl, kubectlJson } from './lab-client.ts';

const NS = 'lab-dns-test';

/** netexec /dial with a host NAME from the test pod: the pod's own resolver (resolv.conf) resolves it. */
async function dialName(host: string, port: number): Promise<string> {
  const qs = new URLSearchParams({ host, port: String(port), request: 'hostname', protocol: 'http', tries: '1' });
  try {
    return await kubectl(['get', '--raw', `/api/v1/namespaces/${NS}/pods/dns-client:8080/proxy/dial?${qs}`], { timeoutMs: 30_000 });
  } catch (e) {
    return String((e as Error).message);
  }
}

beforeAll(async () => {
  await kubectl(['delete', 'namespace', NS, '--ignore-not-found', '--wait=true'], { timeoutMs: 120_000 });
  await kubectl(['create', 'namespace', NS]);
  await kubectl(['apply', '-n', NS, '-f', '-'], { input: `apiVersion: v1
kind: Pod
metadata: {name: dns-client}
spec:
  automountServiceAccountToken: false
  containers:
  - name: netexec
    image: ${agnhostImage}
    imagePullPolicy: IfNotPresent
    args: [netexec, --http-port=8080]
    readinessProbe: {httpGet: {path: /healthz, port: 8080}, periodSeconds: 1}
` });
  await kubectl(['wait', '-n', NS, '--for=condition=Ready', 'pod/dns-client', '--timeout=60s'], { timeoutMs: 70_000 });
}, 180_000);

afterAll(async () => {
  await kubectl(['delete', 'namespace', NS, '--ignore-not-found', '--wait=false']);
});

describe('lab cluster DNS', () => {
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
    expect(await dialName('does-not-exist.default.svc.cluster.local', 443)).toMatch(/lookup does-not-exist\.default\.svc\.cluster\.local on 10\.96\.0\.10:53: no such host/);
    expect(await dialName('example.com.', 80)).toMatch(/server misbehaving/);
  });
});
