// Rows of the paths of issue 12 for a fixture topology: who dials what, with which answer.
import { describe, expect, test } from 'vitest';
import type { SuiteModule } from '../../../helpers/check/suite.ts';
import dns, { clusterDomainOf, type DnsPlan } from '../../../suites/dns.ts';
import hairpin, { type HairpinPlan } from '../../../suites/hairpin.ts';
import podToNode from '../../../suites/pod-to-node.ts';
import affinity, { AFFINITY_TRIES, type AffinityPlan } from '../../../suites/session-affinity.ts';
import { checks, rowsFor, statics } from '../suite-rows.ts';
import { fixtureTopology } from '../topology-fixture.ts';

const withPlan = (name: string, plan: unknown) => {
  const t = fixtureTopology();
  t.plans[name] = plan;
  return t;
};

describe('pod-to-node rows', () => {
  const rows = rowsFor(podToNode as SuiteModule<never>);

  test("every pod probe → every node's host probe on its address, TCP and UDP, answered by that host probe's own name", () => {
    const all = checks(rows(fixtureTopology()));
    expect(all).toHaveLength(6 * 3 * 2);
    const one = all.find((r) => r.title === 'lab-worker-1/probe-a → lab-worker-2/host host-port/tcp')!;
    expect(one).toMatchObject({
      from: { kind: 'pod', node: 'lab-worker-1' },
      to: { kind: 'host', node: 'lab-worker-2', ip: '172.28.0.12' },
      answer: { kind: 'hostname', expected: ['hostnet-lab-worker-2'] },
    });
    expect(one.target).toEqual({ host: '172.28.0.12', port: 18080, protocol: 'tcp' });
    const udp = all.find((r) => r.title === 'lab-worker-1/probe-b → lab-worker-1/host host-port/udp')!;
    expect(udp.target.port).toBe(18081);
    // A host probe answers from whatever address its route to the pod picks: the UDP answer is taken from any.
    expect(udp.drive).toMatchObject({ via: 'probe', anySource: true });
    expect(one.drive).not.toHaveProperty('anySource');
  });

  test('--short: probe-a only', () => {
    expect(checks(rows(fixtureTopology(), { short: true }))).toHaveLength(3 * 3 * 2);
  });
});

describe('hairpin and session-affinity rows', () => {
  test("hairpin: each node's probe-a → its own Service, answered by itself", () => {
    const plan: HairpinPlan = {
      services: ['lab-control-plane', 'lab-worker-1', 'lab-worker-2'].map((node, i) => ({ node, probe: `probe-a-${node}`, name: `hairpin-${node}`, clusterIP: `10.96.1.${i}`, port: 80 })),
    };
    const all = checks(rowsFor(hairpin as SuiteModule<never>)(withPlan('hairpin', plan)));
    expect(all.map((r) => r.title)).toContain('lab-worker-2/probe-a → itself via its own Service 80/udp');
    const w2 = all.find((r) => r.from.node === 'lab-worker-2' && r.protocol === 'tcp')!;
    expect(w2).toMatchObject({ control: { pod: 'probe-a-lab-worker-2' }, target: { host: '10.96.1.2', port: 80 }, answer: { kind: 'hostname', expected: ['probe-a-lab-worker-2'] } });
  });

  test('session affinity: every pod and host probe, several requests, at most one backend', () => {
    const plan: AffinityPlan = { service: { name: 'probes-affinity', clusterIP: '10.96.0.60', port: 80 } };
    const all = checks(rowsFor(affinity as SuiteModule<never>)(withPlan('session-affinity', plan)));
    expect(all).toHaveLength(9 * 2);
    for (const r of all) {
      expect(r.answer).toMatchObject({ kind: 'hostname', maxDistinct: 1 });
      expect(r.tries).toBe(AFFINITY_TRIES);
    }
  });
});

describe('dns rows', () => {
  const plan: DnsPlan = {
    server: { namespace: 'kube-system', name: 'kube-dns', clusterIP: '10.96.0.10' },
    cluster: { name: 'dns-probes', clusterIP: '10.96.5.5', port: 80 },
    headless: { name: 'dns-headless', port: 8080 },
    domain: 'cluster.local',
    search: ['netconform-abc123.svc.cluster.local', 'svc.cluster.local', 'cluster.local'],
    nameservers: ['10.96.0.10'],
    api: { name: 'kubernetes', clusterIP: '10.96.0.1', port: 443 },
  };
  const rows = rowsFor(dns as SuiteModule<never>);

  test('the cluster domain is read from the search path the kubelet wrote', () => {
    expect(clusterDomainOf(['ns1.svc.corp.example', 'svc.corp.example', 'corp.example'], 'ns1')).toBe('corp.example');
    expect(clusterDomainOf(['example.com'], 'ns1')).toBeUndefined();
  });

  test('per node: probe-a over UDP and probe-b over TCP resolve five names each; the host network resolves the FQDN; a fact row checks the nameserver', () => {
    const all = rows(withPlan('dns', plan));
    const net = checks(all);
    expect(net).toHaveLength(3 * (2 * 5 + 1));
    expect(statics(all, 'fact')).toEqual([expect.objectContaining({ title: 'probe pods resolve through the cluster DNS Service', holds: true })]);
    const titles = net.filter((r) => r.from.node === 'lab-worker-1').map((r) => r.title);
    expect(titles).toEqual(
      expect.arrayContaining([
        'lab-worker-1/probe-a → kubernetes.default.svc.<domain> 443/tcp (DNS over UDP)',
        'lab-worker-1/probe-a → dns-probes (short name) 80/tcp (DNS over UDP)',
        'lab-worker-1/probe-b → dns-probes.<namespace>.svc.<domain> 80/tcp (DNS over TCP)',
        'lab-worker-1/probe-b → dns-headless.<namespace>.svc.<domain> (headless) 8080/tcp (DNS over TCP)',
        'lab-worker-1/probe-a → does-not-exist.<namespace>.svc.<domain>: NXDOMAIN (DNS over UDP)',
        'lab-worker-1/host → dns-probes.<namespace>.svc.<domain> 80/tcp (ClusterFirstWithHostNet, DNS over UDP)',
      ]),
    );
    const headless = net.find((r) => r.title.startsWith('lab-worker-1/probe-a → dns-headless'))!;
    expect(headless.target.host).toBe('dns-headless.netconform-abc123.svc.cluster.local');
    expect(headless.answer).toEqual({ kind: 'hostname', expected: ['probe-b-lab-control-plane', 'probe-b-lab-worker-1', 'probe-b-lab-worker-2'] });
    const nx = net.find((r) => r.title.includes('NXDOMAIN'))!;
    expect(nx).toMatchObject({ answer: { kind: 'nxdomain' }, to: { ip: '10.96.0.10', service: 'kube-dns' }, properties: { 'dns.what': 'nxdomain', 'dns.transport': 'udp' } });
    expect(net.find((r) => r.title.startsWith('lab-worker-1/probe-a → kubernetes'))!.target).toEqual({ host: 'kubernetes.default.svc.cluster.local', port: 443, protocol: 'tcp' });
  });

  test('no cluster DNS Service: one skipped row; unreadable resolver: every lookup not run, same titles; wrong nameserver: the fact fails', () => {
    expect(statics(rows(withPlan('dns', { ...plan, server: undefined, serverProblem: 'no DNS Service' })), 'skipped')).toHaveLength(1);
    const healthy = rows(withPlan('dns', plan));
    const unread = rows(withPlan('dns', { ...plan, nameservers: undefined, search: undefined, resolverProblem: 'exec failed' }));
    expect(unread.map((r) => r.title)).toEqual(healthy.map((r) => r.title));
    expect(statics(unread, 'not-run')).toHaveLength(healthy.length);
    const wrong = rows(withPlan('dns', { ...plan, nameservers: ['172.28.0.1'] }));
    expect(statics(wrong, 'fact')[0]).toMatchObject({ holds: false });
  });
});
