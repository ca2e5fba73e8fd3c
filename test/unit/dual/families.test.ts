// The IP family as a dimension of every check: rows per family on dual-stack and IPv6-only
// fixture clusters, titles unchanged where there is one family, bracketed IPv6 literals in titles
// and dial URLs, IPv6 Service-CIDR overlap, --ip-family, and a family configured on some nodes only.
import { describe, expect, test } from 'vitest';
import { serviceRangeOverlaps, overlaps } from '../../../helpers/cidr.ts';
import { bareConnectCommand } from '../../../helpers/probes/connect-client.ts';
import { askCommand } from '../../../helpers/probes/client.ts';
import { reproduceCommand } from '../../../helpers/check/reproduce.ts';
import { select } from '../../../helpers/check/select.ts';
import type { Check, NetworkCheck, StaticCheck } from '../../../helpers/check/types.ts';
import { parseCli } from '../../../helpers/cli/args.ts';
import { selectionOf } from '../../../helpers/cli/run.ts';
import { plannedTopology } from '../../../helpers/lifecycle.ts';
import { parseProfile } from '../../../helpers/ports/profiles.ts';
import { expandRules } from '../../../helpers/ports/rules.ts';
import { classifyNodes, probesFromPods } from '../../../helpers/topology.ts';
import type { Node, Pod } from '../../../helpers/kube/index.ts';
import { allRows, familyNodes, familyTopology } from './topologies.ts';

const network = (rows: Check[]) => rows.filter((r): r is NetworkCheck => r.kind === 'network');
const bySuite = (rows: Check[]) => rows.reduce<Record<string, number>>((acc, r) => ({ ...acc, [r.suite]: (acc[r.suite] ?? 0) + 1 }), {});
const titles = (rows: Check[]) => rows.map((r) => `${r.suite} ${r.title}`);

describe('rows per IP family', () => {
  test("IPv4-only: 381 rows (as on the lab's healthy routed run: 379 checks and the 2 skipped loadbalancer rows), no title names a family, every row is IPv4", async () => {
    const rows = await allRows(await familyTopology('ipv4'));
    expect(rows).toHaveLength(381);
    expect(titles(rows).filter((t) => /IPv[46]|\[/.test(t))).toEqual([]);
    expect(network(rows).every((r) => r.family === 'ipv4' && r.from.family === 'ipv4' && r.to.family === 'ipv4')).toBe(true);
  });

  test('IPv6-only: the same rows and titles as IPv4-only (no family tag), every row IPv6, addresses bracketed', async () => {
    const [v4, v6] = [await allRows(await familyTopology('ipv4')), await allRows(await familyTopology('ipv6'))];
    expect(bySuite(v6)).toEqual(bySuite(v4));
    expect(network(v6).every((r) => r.family === 'ipv6' && r.to.family === 'ipv6')).toBe(true);
    expect(titles(v6)).toContain('nodeport runner → lab-worker-1 [fd00:28::11]:30000/tcp nodeport-cluster (Cluster, low end of 30000-32767)');
    expect(titles(v6)).toContain("ports lab-worker-1 → lab-control-plane [fd00:28::10]:6443/tcp must be open (Kubernetes API server, used by every node's kubelet and kube-proxy)");
    // titles without addresses are the IPv4-only ones
    const plain = (ts: string[]) => ts.filter((t) => !/^(nodeport|ports) /.test(t) && !/Service CIDR/.test(t));
    expect(plain(titles(v6))).toEqual(plain(titles(v4)));
  });

  test('dual-stack: every path once per family, titles carry IPv4/IPv6, no two rows share a title', async () => {
    const rows = await allRows(await familyTopology('dual'));
    const v4 = await allRows(await familyTopology('ipv4'));
    const counts = bySuite(rows);
    const single = bySuite(v4);
    // pod-to-pod: twice the mesh plus one coverage fact per family
    expect(counts['pod-to-pod']).toBe(2 * single['pod-to-pod']! + 2);
    for (const suite of ['pod-to-node', 'pod-to-external', 'hairpin', 'session-affinity']) expect(counts[suite], suite).toBe(2 * single[suite]!);
    // the kubernetes Service is single-stack (IPv4): its 6 rows once; the rest twice; one overlap fact per family
    expect(counts['pod-to-service']).toBe(2 * (single['pod-to-service']! - 6 - 1) + 6 + 2);
    expect(new Set(titles(rows)).size).toBe(rows.length);
    const t = titles(rows);
    expect(t).toContain('pod-to-pod lab-worker-1/probe-a → lab-worker-2/probe-b IPv4 8080/tcp');
    expect(t).toContain('pod-to-pod lab-worker-1/probe-a → lab-worker-2/probe-b IPv6 8080/tcp');
    expect(t).toContain('pod-to-pod lab-worker-1/host → lab-worker-2/probe-a IPv6 8083/udp 1900B');
    expect(t).toContain('pod-to-service lab-worker-1/host → service/probes IPv6 80/udp');
    expect(t).toContain('pod-to-service lab-worker-1/probe-a → service/kubernetes IPv4 443/tcp');
    expect(t).not.toContain('pod-to-service lab-worker-1/probe-a → service/kubernetes IPv6 443/tcp');
    expect(t).toContain('pod-to-node lab-worker-1/probe-a → lab-worker-2/host IPv6 host-port/tcp');
    expect(t).toContain('hairpin lab-worker-2/probe-a → itself via its own Service IPv6 80/udp');
    expect(t).toContain('session-affinity lab-worker-2/host → service/affinity IPv6 80/tcp (6 requests, one backend)');
    expect(t).toContain('nodeport runner → lab-worker-2 [fd00:28::12]:31384/tcp nodeport-local (Local, no local endpoint: must not answer)');
    expect(t).toContain('nodeport runner → lab-worker-2 172.28.0.12:31384/tcp nodeport-local (Local, no local endpoint: must not answer)');
    expect(t).toContain('ports lab-worker-1 → lab-control-plane [fd00:28::10]:2379/tcp must be closed (etcd holds every Secret; no CNI here needs it, so workers must not reach it)');
    expect(t).toContain('ports lab-worker-1 → lab-control-plane 172.28.0.10:2379/tcp must be closed (etcd holds every Secret; no CNI here needs it, so workers must not reach it)');
    // a row's peers and its dial target are of its own family
    for (const r of network(rows)) {
      expect(r.from.family === r.family || r.from.kind === 'runner' || r.from.ip === '', r.title).toBe(true);
      expect(r.to.family, r.title).toBe(r.family);
      if ('target' in r.drive && /^[\d.:a-f]+$/.test(r.drive.target.host)) expect(r.drive.target.host.includes(':') ? 'ipv6' : 'ipv4', r.title).toBe(r.family);
    }
    const ipv6Pod = network(rows).find((r) => r.title === 'lab-worker-1/probe-a → lab-worker-2/probe-b IPv6 8080/tcp')!;
    expect(ipv6Pod.from.ip).toBe('fd00:244:0:1::2');
    expect(ipv6Pod.drive).toMatchObject({ via: 'probe', target: { host: 'fd00:244:0:2::3', port: 8080 } });
  });

  test('dns on dual-stack: IPv4 rows resolve the dual-stack Services, IPv6 rows their single-stack IPv6 twins (AAAA only); NXDOMAIN once', async () => {
    const rows = network(await allRows(await familyTopology('dual'))).filter((r) => r.suite === 'dns');
    const from = rows.filter((r) => r.from.pod === 'probe-a-lab-worker-1');
    expect(from.map((r) => r.title)).toEqual([
      'lab-worker-1/probe-a → kubernetes.default.svc.<domain> IPv4 443/tcp (DNS over UDP)',
      'lab-worker-1/probe-a → dns-probes (short name) IPv4 80/tcp (DNS over UDP)',
      'lab-worker-1/probe-a → dns-probes-ipv6 (short name) IPv6 80/tcp (DNS over UDP)',
      'lab-worker-1/probe-a → dns-probes.<namespace>.svc.<domain> IPv4 80/tcp (DNS over UDP)',
      'lab-worker-1/probe-a → dns-probes-ipv6.<namespace>.svc.<domain> IPv6 80/tcp (DNS over UDP)',
      'lab-worker-1/probe-a → dns-headless.<namespace>.svc.<domain> (headless) IPv4 8080/tcp (DNS over UDP)',
      'lab-worker-1/probe-a → dns-headless-ipv6.<namespace>.svc.<domain> (headless) IPv6 8080/tcp (DNS over UDP)',
      'lab-worker-1/probe-a → does-not-exist.<namespace>.svc.<domain>: NXDOMAIN (DNS over UDP)',
    ]);
    const v6 = from.find((r) => r.properties?.['dns.what'] === 'fqdn' && r.family === 'ipv6')!;
    expect(v6.drive).toMatchObject({ target: { host: 'dns-probes-ipv6.netconform-abc123.svc.cluster.local' } });
    expect(v6.to).toMatchObject({ ip: 'fd00:96::100:10', family: 'ipv6' });
    const host = rows.filter((r) => r.from.kind === 'host' && r.from.node === 'lab-worker-1').map((r) => r.title);
    expect(host).toEqual([
      'lab-worker-1/host → dns-probes.<namespace>.svc.<domain> IPv4 80/tcp (ClusterFirstWithHostNet, DNS over UDP)',
      'lab-worker-1/host → dns-probes-ipv6.<namespace>.svc.<domain> IPv6 80/tcp (ClusterFirstWithHostNet, DNS over UDP)',
    ]);
  });

  // IPv6-only once planned its pods with an IPv4 placeholder: no hairpin row was planned, so a run
  // deployed no hairpin Service and then dialled '<cluster-ip::6>' (the lab's IPv6-only run, CI 2026-12-07).
  test.each(['ipv4', 'ipv6', 'dual'] as const)('list before deploy makes the same %s rows as a run (placeholder IPs per family)', async (family) => {
    const run = await familyTopology(family);
    const planned = plannedTopology(
      { runId: run.runId, namespace: run.namespace, server: run.server, nodes: run.nodes },
      {},
      {
        ...run.plans,
        hairpin: { services: (run.plans.hairpin as { services: { clusterIP: string }[] }).services.map((s) => ({ ...s, clusterIP: '', clusterIPs: undefined })) },
        'session-affinity': { service: { name: 'affinity', clusterIP: '', port: 80 } },
      },
    );
    expect(planned.families).toEqual(run.families);
    const strip = (rows: Check[]) => titles(rows).filter((t) => /^(pod-to-pod|pod-to-node|hairpin|session-affinity) /.test(t));
    expect(strip(await allRows(planned))).toEqual(strip(await allRows(run)));
  });
});

describe('IPv6 literals', () => {
  test("titles bracket them; the probe's HTTP client takes them bare in /dev/tcp and bracketed in Host, socat bracketed in its UDP6 address", async () => {
    const rows = network(await allRows(await familyTopology('ipv6')));
    const nodeport = rows.find((r) => r.suite === 'nodeport')!;
    expect(nodeport.title).toMatch(/\[fd00:28::1\d\]:\d+\//);
    const pod = rows.find((r) => r.suite === 'pod-to-pod' && r.drive.via === 'probe')!;
    if (pod.drive.via !== 'probe') throw new Error('probe row expected');
    expect(pod.drive.target.host).toMatch(/^fd00:244:/);
    const ask = { host: pod.drive.target.host, port: 8080, family: 'ipv6' as const, answer: pod.answer };
    expect(askCommand({ ...ask, protocol: 'tcp' })).toContain(`/dev/tcp/${pod.drive.target.host}/8080;`);
    expect(askCommand({ ...ask, protocol: 'tcp' })).toContain(`Host: [${pod.drive.target.host}]:8080`);
    expect(askCommand({ ...ask, protocol: 'udp' })).toContain(`UDP6:[${pod.drive.target.host}]:8080,readbytes=64`);
  });

  test("the probe's bare connect takes them bare in /dev/tcp and /dev/udp; the runner and reproduction commands bracket them", () => {
    expect(bareConnectCommand({ host: 'fd00:28::10', port: 6443, protocol: 'tcp' }, 3)).toContain('exec 3<>/dev/tcp/fd00:28::10/6443 ');
    expect(bareConnectCommand({ host: 'fd00:28::10', port: 6443, protocol: 'udp' }, 3)).toContain('exec 3<>/dev/udp/fd00:28::10/6443 ');
    expect(bareConnectCommand({ host: '172.28.0.10', port: 6443, protocol: 'tcp' }, 3)).toContain('exec 3<>/dev/tcp/172.28.0.10/6443 ');
    const check: NetworkCheck = {
      kind: 'network',
      suite: 'nodeport',
      title: 't',
      from: { kind: 'runner', node: '', ip: 'fd00:28::1', family: 'ipv6' },
      to: { kind: 'nodeport', node: 'n', ip: 'fd00:28::11', family: 'ipv6' },
      protocol: 'tcp',
      port: 30000,
      family: 'ipv6',
      expect: 'REACHABLE',
      expectReason: 'r',
      answer: { kind: 'hostname', expected: ['x'] },
      drive: { via: 'outside', target: { host: 'fd00:28::11', port: 30000 }, timeoutMs: 3000 },
    };
    expect(reproduceCommand(check, { namespace: 'ns', podPort: 8080 } as never)).toContain('http://[fd00:28::11]:30000/');
  });
});

describe('Service CIDR overlap in IPv6', () => {
  test('an IPv6 Service CIDR containing a node address or pod CIDR is found; the other family never overlaps', () => {
    expect(overlaps('fd00:96::/108', 'fd00:96::1:5')).toBe(true);
    expect(overlaps('fd00:96::/112', 'fd00:96::1:5')).toBe(false);
    expect(overlaps('fd00::/8', 'fd00:244:0:1::/64')).toBe(true);
    const found = serviceRangeOverlaps({
      serviceCIDRs: ['10.96.0.0/16', 'fd00::/16'],
      nodeAddresses: [
        { node: 'n1', address: 'fd00:28::11' },
        { node: 'n1', address: '172.28.0.11' },
      ],
      podCIDRs: [{ node: 'n1', cidr: 'fd00:244:0:1::/64' }],
    });
    expect(found.map((f) => `${f.serviceCIDR} ${f.what}`)).toEqual(['fd00::/16 node n1 address fd00:28::11', 'fd00::/16 node n1 pod CIDR fd00:244:0:1::/64']);
  });

  test('the dual-stack overlap fact is one row per family and fails only the overlapping family', async () => {
    const topology = await familyTopology('dual');
    (topology.plans['pod-to-service'] as { serviceCIDRs: string[] }).serviceCIDRs = ['10.96.0.0/16', 'fd00:244::/32'];
    const facts = (await allRows(topology)).filter((r): r is StaticCheck => r.kind === 'static' && r.properties?.['check'] === 'service-cidr-overlap');
    expect(facts.map((f) => [f.title, f.holds])).toEqual([
      ['IPv4 Service CIDR overlaps no node address or pod CIDR (10.96.0.0/16)', true],
      ['IPv6 Service CIDR overlaps no node address or pod CIDR (fd00:244::/32)', false],
    ]);
    expect(facts[1]!.reason).toContain('fd00:244::/32 contains node lab-worker-1 pod CIDR fd00:244:0:1::/64');
  });
});

describe('--ip-family', () => {
  test('parses 4|6 (and ipv4|ipv6) into the selection; anything else is a usage error', () => {
    expect(selectionOf(parseCli(['list', '--ip-family', '6'])).family).toBe('ipv6');
    expect(selectionOf(parseCli(['run', '--ip-family', 'ipv4'])).family).toBe('ipv4');
    expect(selectionOf(parseCli(['run'])).family).toBeUndefined();
    expect(() => parseCli(['run', '--ip-family', '5'])).toThrow(/--ip-family 5: expected 4 or 6/);
  });

  test('keeps the rows of the family and the family-neutral static rows', async () => {
    const rows = await allRows(await familyTopology('dual'));
    const v6 = select(rows, { family: 'ipv6' });
    expect(network(v6).every((r) => r.family === 'ipv6')).toBe(true);
    expect(network(v6).length).toBe(network(rows).filter((r) => r.family === 'ipv6').length);
    expect(v6.map((r) => r.title)).toContain('IPv6 configured on every node');
    expect(v6.map((r) => r.title)).not.toContain('IPv4 configured on every node');
    expect(v6.map((r) => r.title)).toContain('runner reaches the node network (InternalIP addresses)');
    const v4 = select(rows, { family: 'ipv4', only: ['^pod-to-pod '] });
    expect(v4.every((r) => r.suite === 'pod-to-pod' && !r.title.includes('IPv6'))).toBe(true);
    // on an IPv4-only cluster --ip-family 4 keeps every row
    const single = await allRows(await familyTopology('ipv4'));
    expect(select(single, { family: 'ipv4' })).toHaveLength(381);
  });
});

describe('a family configured on some nodes and not others', () => {
  test('is a failed fact naming the node and what it lacks; the rows that need it are not made', async () => {
    const rows = await allRows(await familyTopology('dual', { withoutIPv6: ['lab-worker-2'] }));
    const facts = rows.filter((r): r is StaticCheck => r.kind === 'static' && r.properties?.['check'] === 'ip-family-coverage');
    expect(facts.map((f) => [f.title, f.holds])).toEqual([
      ['IPv4 configured on every node', true],
      ['IPv6 configured on every node', false],
    ]);
    expect(facts[1]!.reason).toBe(
      'IPv6 is configured on lab-control-plane, lab-worker-1 but not on lab-worker-2 (no IPv6 InternalIP; no IPv6 pod CIDR; pods without an IPv6 IP: probe-a-lab-worker-2, probe-b-lab-worker-2): IPv6 checks to and from that node cannot run',
    );
    expect(facts[1]!.node).toBe('lab-worker-2');
    const v6 = network(rows).filter((r) => r.family === 'ipv6');
    expect(v6.length).toBeGreaterThan(0);
    expect(v6.some((r) => r.from.node === 'lab-worker-2' || r.to.node === 'lab-worker-2')).toBe(false);
    expect(
      network(rows)
        .filter((r) => r.family === 'ipv4')
        .some((r) => r.to.node === 'lab-worker-2'),
    ).toBe(true);
  });
});

describe('topology reads every family', () => {
  test('pods: status.podIPs; nodes: one InternalIP per family; single-family objects stay as they were', () => {
    const [probe] = probesFromPods([
      {
        metadata: { name: 'probe-a-n1', labels: { 'netconform.io/role': 'probe-a' }, annotations: { 'netconform.io/node': 'n1' } },
        status: { podIP: '10.244.1.5', podIPs: [{ ip: '10.244.1.5' }, { ip: 'fd00:244:0:1::5' }], conditions: [{ type: 'Ready', status: 'True' }] },
      } as Pod,
    ]);
    expect(probe).toMatchObject({ ip: '10.244.1.5', ips: ['10.244.1.5', 'fd00:244:0:1::5'] });
    const [n] = classifyNodes([
      {
        metadata: { name: 'n1' },
        spec: { podCIDRs: ['10.244.1.0/24', 'fd00:244:0:1::/64'] },
        status: {
          addresses: [
            { type: 'InternalIP', address: '172.28.0.11' },
            { type: 'InternalIP', address: 'fd00:28::11' },
            { type: 'Hostname', address: 'n1' },
          ],
          conditions: [{ type: 'Ready', status: 'True' }],
        },
      } as Node,
    ]);
    expect(n).toMatchObject({ internalIP: '172.28.0.11', internalIPs: ['172.28.0.11', 'fd00:28::11'], podCIDRs: ['10.244.1.0/24', 'fd00:244:0:1::/64'] });
    expect(familyNodes('ipv4')[0]).not.toHaveProperty('internalIPs');
  });
});

describe('ports profiles and families', () => {
  test('a rule applies to every family unless it says `family:`', () => {
    const profile = parseProfile(
      [
        'name: t',
        'description: t',
        'rules:',
        '  - { from: worker, to: control-plane, ports: 6443, protocol: tcp, expect: open, why: api }',
        '  - { from: worker, to: control-plane, ports: 9999, protocol: tcp, expect: closed, why: v6 only, family: 6 }',
      ].join('\n'),
      { file: 't.yaml' },
    );
    const nodes = (family: 'ipv4' | 'ipv6') =>
      familyNodes('dual').map((n, i) => ({
        name: n.name,
        address: n.internalIPs![family === 'ipv4' ? 0 : 1]!,
        labels: (i === 0 ? { 'node-role.kubernetes.io/control-plane': '' } : {}) as Record<string, string>,
      }));
    const v4 = expandRules({ profile, nodes: nodes('ipv4'), cni: [], family: 'ipv4' });
    const v6 = expandRules({ profile, nodes: nodes('ipv6'), cni: [], family: 'ipv6' });
    expect(v4.rows.map((r) => r.port)).toEqual([6443, 6443]);
    expect(v6.rows.map((r) => r.port)).toEqual([6443, 6443, 9999, 9999]);
    expect(v6.rows[0]!.title).toBe('lab-worker-1 → lab-control-plane [fd00:28::10]:6443/tcp must be open (api)');
    expect(() => parseProfile('name: t\ndescription: t\nrules:\n  - { from: any, to: any, ports: 1, protocol: tcp, expect: open, why: w, family: 5 }', { file: 't.yaml' })).toThrow(
      /family must be ipv4 or ipv6/,
    );
  });
});

describe('pod-to-external per family', () => {
  test("each family dials the runner's own address of that family; a family the runner has no address in is skipped with the reason", async () => {
    const topology = await familyTopology('dual');
    const rows = (await allRows(topology)).filter((r) => r.suite === 'pod-to-external');
    const v6 = network(rows).find((r) => r.title === 'lab-worker-1/probe-a → runner (outside the cluster) IPv6 tcp')!;
    expect(v6.drive).toMatchObject({ target: { host: 'fd00:28::1', port: 40313 } });
    expect(v6.answer).toMatchObject({ kind: 'clientip', expected: 'fd00:28::11' });
    const plan = topology.plans['pod-to-external'] as { families: Record<string, { nodes: Record<string, { problem?: string }> }> };
    for (const n of Object.values(plan.families['ipv6']!.nodes)) n.problem = 'this host has no IPv6 route toward the node';
    const skipped = (await allRows(topology)).filter((r): r is StaticCheck => r.suite === 'pod-to-external' && r.kind === 'static');
    expect(skipped.length).toBe(network(rows).filter((r) => r.family === 'ipv6').length);
    expect(skipped.every((r) => r.status === 'skipped' && r.title.includes('IPv6') && r.properties?.['ipFamily'] === 'ipv6' && /no IPv6 route/.test(r.reason))).toBe(true);
  });
});
