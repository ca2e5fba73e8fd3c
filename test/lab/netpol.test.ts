// With `lab up --netpol kube-router` (run with LAB_NETPOL=kube-router), the lab MUST enforce
// NetworkPolicy: kube-router's firewall runs on every node and nothing listens on TCP 50051 (the
// GoBGP gRPC API of advisory GHSA-v5mh-h5hx-7v92, started only with its router); a default-deny
// ingress policy cuts a pod-to-pod TCP connection and deleting it restores it; and the two
// enforcement faults do what they say. Plain kubectl + agnhost (porter as server, connect as client).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { agnhostImage, connectFromNode, connectFromPod, kubectl, kubectlJson, lab, waitFor } from './lab-client.ts';

const NS = 'lab-netpol-test';
const NODES = ['lab-control-plane', 'lab-worker-1', 'lab-worker-2'];
// The client runs on the control plane; server-a on a node whose kube-router stays healthy,
// server-b on the node the faults are injected on.
const HEALTHY = 'lab-worker-1';
const FAULTED = 'lab-worker-2';
const ips: Record<string, string> = {};

function podYaml(name: string, node: string, server: boolean): string {
  return `apiVersion: v1
kind: Pod
metadata: {name: ${name}, labels: {app: ${server ? 'server' : 'client'}}}
spec:
  nodeName: ${node}
  tolerations: [{operator: Exists}]
  automountServiceAccountToken: false
  containers:
  - name: agnhost
    image: ${agnhostImage}
    imagePullPolicy: IfNotPresent
${
  server
    ? `    args: [porter]
    env: [{name: SERVE_PORT_8080, value: x}]
    readinessProbe: {tcpSocket: {port: 8080}, periodSeconds: 1}
`
    : '    args: [pause]\n'
}`;
}

const DENY = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-ingress}
spec:
  podSelector: {}
  policyTypes: [Ingress]
`;

const connect = (server: 'server-a' | 'server-b') => connectFromPod(NS, 'client', `${ips[server]}:8080`);
/** Waits until the connection's outcome is `want` ('' = connected, else a pattern of the error). */
async function until(server: 'server-a' | 'server-b', want: 'open' | 'blocked', timeoutMs = 30_000): Promise<string> {
  return waitFor(
    `${server} (${ips[server]}:8080) to be ${want} from the client`,
    async () => {
      const r = await connect(server);
      return want === 'open' ? r === '' && 'connected' : r !== '' && r;
    },
    { timeoutMs },
  );
}
const applyDeny = () => kubectl(['apply', '-n', NS, '-f', '-'], { input: DENY });
const deleteDeny = () => kubectl(['delete', 'networkpolicy', '-n', NS, 'deny-ingress', '--ignore-not-found']);

describe.skipIf(process.env.LAB_NETPOL !== 'kube-router')('lab NetworkPolicy: kube-router', { sequential: true }, () => {
  beforeAll(async () => {
    await kubectl(['delete', 'namespace', NS, '--ignore-not-found', '--wait=true'], { timeoutMs: 120_000 });
    await kubectl(['create', 'namespace', NS]);
    await kubectl(['apply', '-n', NS, '-f', '-'], {
      input: [podYaml('client', 'lab-control-plane', false), podYaml('server-a', HEALTHY, true), podYaml('server-b', FAULTED, true)].join('---\n'),
    });
    await kubectl(['wait', '-n', NS, '--for=condition=Ready', 'pod', '--all', '--timeout=90s'], { timeoutMs: 100_000 });
    for (const p of ['server-a', 'server-b']) ips[p] = (await kubectlJson(['get', 'pod', '-n', NS, p])).status.podIP;
  }, 240_000);

  afterAll(async () => {
    await lab('heal', 'netpol-down');
    await lab('heal', 'netpol-bypass');
    await kubectl(['delete', 'namespace', NS, '--ignore-not-found', '--wait=false']);
  });

  test('the lab records and shows its NetworkPolicy mode, and kube-router runs on every node', async () => {
    const status = await lab('status');
    expect(status.code).toBe(0);
    const lines = status.stdout.split('\n');
    expect(lines[0]).toMatch(/, NetworkPolicy kube-router,/);
    for (const n of NODES) expect(lines.find((l) => l.startsWith(`  ${n} `))).toMatch(/ kube-router( |$)/);
    expect(readFileSync(`${process.env.LAB_STATE ?? '/var/lib/kube-netconform-lab'}/lab.env`, 'utf8')).toMatch(/^LAB_NETPOL=kube-router$/m);
    for (const n of NODES) {
      const chains = execFileSync('ip', ['netns', 'exec', `knc-${n}`, 'iptables', '-S', 'FORWARD'], { encoding: 'utf8' });
      // kube-router keeps its jump first in FORWARD.
      expect(chains.split('\n')[1]).toMatch(/kube-router netpol .* -j KUBE-ROUTER-FORWARD/);
    }
  });

  test('nothing listens on TCP 50051 in any node namespace (GHSA-v5mh-h5hx-7v92), and kube-router listens on nothing', () => {
    for (const n of NODES) {
      const ss = execFileSync('nsenter', [`--net=/run/netns/knc-${n}`, '--', 'ss', '-Hltnp'], { encoding: 'utf8' });
      // Not vacuous: the namespace's listeners are seen (kubelet on 10250).
      expect(ss, `${n}: ss -ltnp`).toMatch(/:10250\b/);
      expect(
        ss.split('\n').filter((l) => /:50051\b/.test(l)),
        `${n}: listeners on 50051`,
      ).toEqual([]);
      expect(
        ss.split('\n').filter((l) => l.includes('"kube-router"')),
        `${n}: kube-router's listeners`,
      ).toEqual([]);
      const udp = execFileSync('nsenter', [`--net=/run/netns/knc-${n}`, '--', 'ss', '-Hlunp'], { encoding: 'utf8' });
      expect(
        udp.split('\n').filter((l) => l.includes('"kube-router"')),
        `${n}: kube-router's UDP sockets`,
      ).toEqual([]);
    }
  });

  test('a default-deny ingress policy cuts a pod-to-pod TCP connection (REJECT: refused, not a timeout); deleting it restores it', async () => {
    expect(await connect('server-a')).toBe('');
    expect(await connect('server-b')).toBe('');
    await applyDeny();
    const t0 = Date.now();
    const a = await until('server-a', 'blocked');
    const b = await until('server-b', 'blocked');
    console.log(`deny enforced on both servers within ${Date.now() - t0} ms: ${a} / ${b}`);
    expect(a).toMatch(/REFUSED/);
    expect(b).toMatch(/REFUSED/);
    // Known behaviour: traffic from the pod's own node is always allowed (addrtype --src-type
    // LOCAL); another node's host network is not.
    expect(await connectFromNode(FAULTED, `${ips['server-b']}:8080`)).toBe('');
    expect(await connectFromNode(HEALTHY, `${ips['server-b']}:8080`)).not.toBe('');
    await deleteDeny();
    await until('server-a', 'open');
    await until('server-b', 'open');
  });

  test('netpol-down: with kube-router stopped on a node, a policy made afterwards is not enforced for its pods; heal enforces it', async () => {
    const r = await lab('fault', 'netpol-down', FAULTED);
    expect(r.code, r.stderr).toBe(0);
    const status = await lab('status');
    expect(status.stdout.split('\n').find((l) => l.startsWith(`  ${FAULTED} `))).toMatch(/kube-router:DOWN/);
    await applyDeny();
    await until('server-a', 'blocked'); // enforced on the healthy node: the policy is in force
    for (let k = 0; k < 3; k++) expect(await connect('server-b'), 'server-b on the node without kube-router').toBe('');
    const h = await lab('heal', 'netpol-down');
    expect(h.code, h.stderr).toBe(0);
    await until('server-b', 'blocked');
    await deleteDeny();
    await until('server-b', 'open');
  });

  test('netpol-bypass: the node’s pods are reached despite a deny policy; heal enforces it again', async () => {
    await applyDeny();
    await until('server-a', 'blocked');
    await until('server-b', 'blocked');
    const r = await lab('fault', 'netpol-bypass', FAULTED);
    expect(r.code, r.stderr).toBe(0);
    // Idempotent: a second injection adds no second rule.
    expect((await lab('fault', 'netpol-bypass', FAULTED)).code).toBe(0);
    const rules = execFileSync('ip', ['netns', 'exec', `knc-${FAULTED}`, 'iptables', '-t', 'mangle', '-S', 'KNC-FAULT-FWD'], { encoding: 'utf8' });
    expect(rules.split('\n').filter((l) => l.includes('knc-fault:netpol-bypass'))).toHaveLength(2);
    await until('server-b', 'open');
    expect(await connect('server-a')).toMatch(/REFUSED/); // the other nodes still enforce
    // A policy change makes kube-router resync: the bypass outlives it.
    await kubectl(['label', 'networkpolicy', '-n', NS, 'deny-ingress', 'resync=1']);
    await kubectl(['apply', '-n', NS, '-f', '-'], { input: DENY.replace('deny-ingress}', 'deny-ingress-2}') });
    for (let k = 0; k < 3; k++) expect(await connect('server-b'), 'server-b after a resync').toBe('');
    const h = await lab('heal', 'netpol-bypass');
    expect(h.code, h.stderr).toBe(0);
    await until('server-b', 'blocked');
    await kubectl(['delete', 'networkpolicy', '-n', NS, '--all']);
    await until('server-b', 'open');
  });
});
