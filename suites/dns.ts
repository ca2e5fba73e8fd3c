// dns — MUST: every pod resolves cluster names through the cluster DNS Service.
// From pods on every node that use the cluster's DNS as workloads do (dnsPolicy ClusterFirst:
// the resolv.conf the kubelet wrote), names are resolved by the probe's own resolver (Go's,
// in netexec's /dial) and the resolved address must answer: kubernetes.default.svc.<domain>
// connects on 443; a ClusterIP Service's short name (search path) and FQDN answer from one of
// its backends; a headless Service's name answers from one of exactly its ready pods; a name
// that does not exist gets NXDOMAIN (not a timeout, not SERVFAIL). probe-a resolves over UDP,
// probe-b over TCP (resolv.conf option use-vc), and every node's host network (dnsPolicy
// ClusterFirstWithHostNet) resolves too. The DNS Service is read from the cluster (kube-system,
// k8s-app=kube-dns or kube-dns), the cluster domain from the search path the kubelet gave the
// probes (`agnhost dns-suffix`), never assumed. On a dual-stack cluster every lookup that
// connects is made once per IP family: IPv4 rows resolve the dual-stack Services' names (Go's
// resolver picks the A record), IPv6 rows resolve single-stack IPv6 twins of them
// (`<name>-ipv6`, AAAA records only), so the AAAA answers are what the IPv6 rows prove.
import { awaitEndpoints, createRunService } from '../helpers/fixtures/service.ts';
import { messageOf } from '../helpers/errors.ts';
import { endpointAddresses } from '../helpers/kube/endpoints.ts';
import type { Kube } from '../helpers/kube/index.ts';
import { ControlClient } from '../helpers/http.ts';
import { dnsServiceManifests, singleFamilyTwin } from '../helpers/probes/manifests.ts';
import { defineSuite } from '../helpers/check/suite.ts';
import { withRunStreams } from '../helpers/probes/stream-broker.ts';
import type { CommandStreams } from '../helpers/probes/stream.ts';
import type { AnswerCheck, Check, Expect, IpFamily, NetworkCheck, Peer } from '../helpers/check/types.ts';
import { controlOf, familiesOf, familyOf, familyTag, hostProbeOn, ipIn, label, notRunRows, peerOf, podProbesOn, probedNodes, serviceIPs, setupRows } from '../helpers/rows.ts';
import { clusterFamilies, type ProbePod, type ServiceInfo, type Topology } from '../helpers/topology.ts';
import { awaitServiceProgrammed, stillRefusedNote } from '../helpers/nodeport/programmed.ts';

export const EXPECT = {
  resolves: { expect: 'REACHABLE', reason: 'a cluster name resolves through the cluster DNS Service and the address it resolves to answers' },
  nxdomain: { expect: 'REACHABLE', reason: 'a name that does not exist gets a definite NXDOMAIN from the cluster DNS (not a timeout, not SERVFAIL)' },
} as const satisfies Record<string, Expect>;

/** A name in the run's own namespace that no Service has. */
export const MISSING_NAME = 'does-not-exist';

export interface DnsPlan {
  /** The cluster DNS Service (kube-system). */
  server?: { namespace: string; name: string; clusterIP: string; clusterIPs?: string[] };
  /** Why the cluster DNS Service was not found: every row is skipped with it. */
  serverProblem?: string;
  /** The dns suite's Services: names and ports from the manifests; clusterIP once created. */
  cluster: { name: string; clusterIP: string; clusterIPs?: string[]; port: number };
  headless: { name: string; port: number };
  /** Dual-stack clusters: single-stack IPv6 twins of both Services, resolved by the IPv6 rows. */
  twins?: { family: IpFamily; cluster: { name: string; clusterIP: string; port: number }; headless: { name: string; port: number } }[];
  servicesProblem?: string;
  /** kube-proxy still refused the suite's Services on some nodes after the settle's wait (stillRefusedNote). */
  programming?: string;
  /** Learned at settle from a probe's resolv.conf (what the kubelet wrote). */
  domain?: string;
  search?: string[];
  nameservers?: string[];
  resolverProblem?: string;
  /** Ready endpoints of the DNS Service when the run started. */
  serverEndpoints?: number;
  /** The `kubernetes` Service in default: its name must resolve to it. */
  api?: ServiceInfo;
}

/** The cluster domain from a pod's search path: its first entry is <namespace>.svc.<domain>. */
export function clusterDomainOf(search: readonly string[], namespace: string): string | undefined {
  const prefix = `${namespace}.svc.`;
  const first = search.find((s) => s.startsWith(prefix));
  return first ? first.slice(prefix.length).replace(/\.$/, '') : undefined;
}

async function findDnsServer(kube: Kube): Promise<DnsPlan['server']> {
  const labelled = await kube.listServices('kube-system', 'k8s-app=kube-dns');
  const svc = labelled.find((s) => s.metadata?.name === 'kube-dns') ?? labelled[0] ?? (await kube.readService('kube-system', 'kube-dns'));
  const ip = svc?.spec?.clusterIP;
  const ips = svc?.spec?.clusterIPs;
  return svc && ip && ip !== 'None' ? { namespace: 'kube-system', name: svc.metadata!.name!, clusterIP: ip, ...(ips && ips.length > 1 ? { clusterIPs: ips } : {}) } : undefined;
}

async function readWith(streams: CommandStreams, probes: readonly { pod: string }[], errors: string[]): Promise<Pick<DnsPlan, 'search' | 'nameservers' | 'resolverProblem'>> {
  for (const probe of probes.slice(0, 3)) {
    const run = async (command: string) => {
      const ran = await streams.run(probe.pod, `/agnhost ${command}`, { timeoutMs: 15_000 });
      if ('failed' in ran) throw new Error(`agnhost ${command}: ${ran.failed}`);
      if (ran.exitCode !== 0) throw new Error(`agnhost ${command} exited ${ran.exitCode}: ${ran.output.trim().slice(0, 200)}`);
      return ran.output
        .trim()
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    };
    try {
      const [search, nameservers] = await Promise.all([run('dns-suffix'), run('dns-server-list')]);
      return { search, nameservers };
    } catch (err) {
      errors.push(`${probe.pod}: ${messageOf(err)}`);
    }
  }
  return { resolverProblem: `could not read the probes' resolver settings (/etc/resolv.conf as the kubelet wrote it): ${errors.join('; ') || 'no ready probe'}` };
}

type Transport = 'udp' | 'tcp';

/** One name a probe resolves and connects to (or must get NXDOMAIN for): a row of the dns table. */
interface Lookup {
  what: 'kubernetes' | 'short' | 'fqdn' | 'headless' | 'nxdomain';
  name: string;
  /** The name as the title writes it: nothing only a deployment knows (namespace, domain). */
  titleName: string;
  port: number;
  to: Peer;
  answer: AnswerCheck;
  why: Expect;
  /** The host network resolves the FQDN too (ClusterFirstWithHostNet). */
  fromHost?: boolean;
}

/**
 * Every lookup a pod probe makes, per family: the kubernetes Service (in its ClusterIP's family:
 * a dual-stack name would be answered with its A record anyway), the dns Service by short name
 * and FQDN, the headless Service, and once the name that does not exist.
 */
function lookupTable(topology: Topology, plan: DnsPlan, domain: string): Lookup[] {
  const ns = topology.namespace;
  const server = plan.server!;
  const svcPeer = (name: string, ip: string, family: IpFamily = familyOf(ip)): Peer => ({ kind: 'service', node: '', ip, family, service: name });
  const backends = topology.probes.filter((p) => p.role !== 'host' && p.ready).map((p) => p.name);
  const headlessPods = topology.probes.filter((p) => p.role === 'probe-b' && p.ready).map((p) => p.name);
  const families = familiesOf(topology);
  const out: Lookup[] = [];
  const api = plan.api;
  if (families.includes(familyOf(api?.clusterIP ?? '0.0.0.0')) || !api)
    out.push({
      what: 'kubernetes',
      name: `kubernetes.default.svc.${domain}`,
      titleName: 'kubernetes.default.svc.<domain>',
      port: api?.port ?? 443,
      to: svcPeer('kubernetes', api?.clusterIP ?? ''),
      answer: { kind: 'connect' },
      why: EXPECT.resolves,
    });
  for (const kind of ['short', 'fqdn', 'headless'] as const) {
    for (const family of families) {
      const twin = plan.twins?.find((t) => t.family === family);
      const cluster = twin?.cluster ?? plan.cluster;
      const headless = twin?.headless ?? plan.headless;
      if (kind === 'headless') {
        out.push({
          what: kind,
          name: `${headless.name}.${ns}.svc.${domain}`,
          titleName: `${headless.name}.<namespace>.svc.<domain> (headless)`,
          port: headless.port,
          to: svcPeer(headless.name, '', family),
          answer: { kind: 'hostname', expected: headlessPods },
          why: EXPECT.resolves,
        });
        continue;
      }
      const ip = twin ? cluster.clusterIP : (serviceIPs(cluster).find((i) => familyOf(i) === family) ?? cluster.clusterIP);
      out.push({
        what: kind,
        name: kind === 'short' ? cluster.name : `${cluster.name}.${ns}.svc.${domain}`,
        titleName: kind === 'short' ? `${cluster.name} (short name)` : `${cluster.name}.<namespace>.svc.<domain>`,
        port: cluster.port,
        to: svcPeer(cluster.name, ip, family),
        answer: { kind: 'hostname', expected: backends },
        why: EXPECT.resolves,
        fromHost: kind === 'fqdn',
      });
    }
  }
  out.push({
    what: 'nxdomain',
    name: `${MISSING_NAME}.${ns}.svc.${domain}`,
    titleName: `${MISSING_NAME}.<namespace>.svc.<domain>`,
    port: plan.cluster.port,
    to: svcPeer(server.name, server.clusterIP),
    answer: { kind: 'nxdomain' },
    why: EXPECT.nxdomain,
  });
  return out;
}

function transportOf(p: ProbePod): Transport {
  return p.role === 'probe-b' ? 'tcp' : 'udp';
}

export default defineSuite<DnsPlan>({
  name: 'dns',
  order: 27,
  must: 'every pod resolves cluster names through the cluster DNS Service, over UDP and TCP, from every node and from the host network: Service names (search path and FQDN), headless Services to exactly their ready pods, NXDOMAIN for names that do not exist',

  async prepare({ kube, options }) {
    const { cluster, headless } = dnsServiceManifests({ runId: options.runId });
    const plan: DnsPlan = {
      cluster: { name: cluster.metadata!.name!, clusterIP: '', port: cluster.spec?.ports?.[0]?.port ?? 80 },
      headless: { name: headless.metadata!.name!, port: headless.spec?.ports?.[0]?.port ?? 8080 },
    };
    const api = await kube.readService('default', 'kubernetes');
    if (api?.spec?.clusterIP) plan.api = { name: 'kubernetes', clusterIP: api.spec.clusterIP, port: api.spec.ports?.[0]?.port ?? 443 };
    try {
      plan.server = await findDnsServer(kube);
      if (!plan.server) plan.serverProblem = 'the cluster has no DNS Service in kube-system (no Service labelled k8s-app=kube-dns, none named kube-dns): cluster DNS is not deployed';
    } catch (err) {
      plan.serverProblem = `cannot read the cluster DNS Service in kube-system: ${messageOf(err)}`;
    }
    return plan;
  },

  async deploy({ kube, deployment, nodes, options }, plan) {
    if (plan.serverProblem) return plan;
    const { cluster, headless } = dnsServiceManifests({ runId: options.runId });
    const twinned = clusterFamilies(nodes, []).length > 1 ? (['ipv6'] as const) : [];
    const what = (name: string) => `the dns suite's Service ${name}`;
    const made = await createRunService(kube, deployment, cluster, { what: what(plan.cluster.name) });
    if (made.problem) return { ...plan, servicesProblem: made.problem };
    const headlessMade = await createRunService(kube, deployment, headless, { what: what(plan.headless.name) });
    if (headlessMade.problem) return { ...plan, servicesProblem: headlessMade.problem };
    const twins: NonNullable<DnsPlan['twins']> = [];
    for (const family of twinned) {
      const [c, h] = [singleFamilyTwin(cluster, family), singleFamilyTwin(headless, family)];
      const twin = await createRunService(kube, deployment, c, { what: what(c.metadata!.name!) });
      if (twin.problem) return { ...plan, servicesProblem: twin.problem };
      const headlessTwin = await createRunService(kube, deployment, h, { what: what(h.metadata!.name!) });
      if (headlessTwin.problem) return { ...plan, servicesProblem: headlessTwin.problem };
      twins.push({ family, cluster: { ...plan.cluster, name: twin.service.name, clusterIP: twin.service.clusterIP }, headless: { ...plan.headless, name: headlessTwin.service.name } });
    }
    return {
      ...plan,
      cluster: { ...plan.cluster, clusterIP: made.service.clusterIP, ...(made.service.clusterIPs ? { clusterIPs: made.service.clusterIPs } : {}) },
      ...(twins.length ? { twins } : {}),
    };
  },

  async settle({ kube, deployment, topology, options, streams: runStreams }, plan) {
    if (plan.serverProblem) return plan;
    const pods = topology.probes.filter((p) => p.ready && p.role !== 'host');
    const next: DnsPlan = { ...plan };
    const [resolver] = await Promise.all([
      // The resolver settings the kubelet gave the probes (`agnhost dns-suffix`, `dns-server-list`), from the first probe they run in.
      withRunStreams({ kube, deployment, ...(runStreams ? { streams: runStreams } : {}) }, 2, (streams) =>
        readWith(
          streams,
          pods.filter((p) => p.role === 'probe-a' && !p.controlProblem).map((p) => controlOf(p)),
          [],
        ),
      ),
      // Every Service's endpoints at once (the endpoint controllers publish them side by side);
      // a Service that could not be created has nothing to wait for. A problem is a setup problem,
      // not a DNS verdict: the rows that need those Services are not run (the others still are).
      plan.servicesProblem
        ? undefined
        : Promise.all([
            ...[
              { service: plan.cluster.name, expected: pods.length },
              { service: plan.headless.name, expected: pods.filter((p) => p.role === 'probe-b').length },
              ...(plan.twins ?? []).map((t) => ({ service: t.cluster.name, expected: pods.length })),
            ].map((w) => awaitEndpoints(kube, deployment, { ...w, what: `the dns suite's Service ${w.service}`, signal: options.signal })),
          ]).then(async (problems) => {
            const problem = problems.find((p) => p !== undefined);
            if (problem) next.servicesProblem = problem;
            // The rows connect to what the names resolve to: kube-proxy's programming lag after the endpoints (helpers/nodeport/programmed.ts).
            else {
              const services = [plan.cluster, ...(plan.twins ?? []).map((t) => t.cluster)];
              const notes = await Promise.all(services.map(async (svc) => stillRefusedNote(svc.name, await awaitServiceProgrammed(runStreams, topology, svc, { signal: options.signal }))));
              const programming = notes.filter((n) => n !== undefined).join('; ');
              if (programming) next.programming = programming;
            }
          }),
    ]);
    Object.assign(next, resolver);
    if (next.search) {
      next.domain = clusterDomainOf(next.search, deployment.namespace);
      if (!next.domain)
        next.resolverProblem = `the probes' search path (${next.search.join(' ') || 'empty'}) has no ${deployment.namespace}.svc.<domain>: the kubelet gave them no cluster domain (kubelet clusterDomain / clusterDNS unset?)`;
    }
    try {
      const slices = await kube.listEndpointSlices(plan.server!.namespace, `kubernetes.io/service-name=${plan.server!.name}`);
      next.serverEndpoints = new Set(endpointAddresses(slices, { readyOnly: true })).size;
    } catch {
      // Only a hint for diagnosis.
    }
    return next;
  },

  checks(topology, plan): Check[] {
    const rows: Check[] = setupRows('dns', topology);
    const fail = (title: string, reason: string, status: 'skipped' | 'not-run' = 'not-run'): Check[] => [...rows, { kind: 'static', suite: 'dns', title, status, reason }];
    if (plan.serverProblem) return fail('cluster DNS', plan.serverProblem, 'skipped');
    const server = plan.server!;
    const nodes = probedNodes(topology);
    // Before settle (list), the domain is not known yet: titles do not depend on it.
    const domain = plan.domain ?? '<domain>';
    const factTitle = 'probe pods resolve through the cluster DNS Service';
    if (!plan.nameservers) {
      // Before settle (list), or the resolver could not be read: the same row, not run.
      rows.push({
        kind: 'static',
        suite: 'dns',
        title: factTitle,
        status: 'not-run',
        reason: plan.resolverProblem ?? "read from a probe's resolv.conf once the probes run",
        properties: { check: 'dns-nameserver' },
      });
    } else {
      const ok = plan.nameservers.length > 0 && plan.nameservers.every((n) => serviceIPs(server).includes(n));
      rows.push({
        kind: 'static',
        suite: 'dns',
        title: factTitle,
        status: 'fact',
        holds: ok,
        reason: ok
          ? `resolv.conf: nameserver ${plan.nameservers.join(', ')} (${server.namespace}/${server.name}), search ${plan.search?.join(' ')}`
          : `the probes' resolv.conf names ${plan.nameservers.join(', ') || 'no nameserver'}, not the cluster DNS Service ${server.namespace}/${server.name} ${server.clusterIP}: the kubelet's clusterDNS is not that Service`,
        properties: { check: 'dns-nameserver', 'dns.server': server.clusterIP },
      });
    }
    const lookups = lookupTable(topology, plan, domain);
    const row = (source: ProbePod, o: Lookup): NetworkCheck => {
      const transport: Transport = source.role === 'host' ? 'udp' : transportOf(source);
      const nx = o.answer.kind === 'nxdomain';
      return {
        kind: 'network',
        suite: 'dns',
        title: `${label(source)} → ${o.titleName}${nx ? ': NXDOMAIN' : ` ${familyTag(topology, o.to.family)}${o.port}/tcp`} (${source.role === 'host' ? 'ClusterFirstWithHostNet, ' : ''}DNS over ${transport.toUpperCase()})`,
        from: peerOf(source, o.to.family),
        to: o.to,
        protocol: 'tcp',
        port: o.port,
        family: o.to.family,
        payload: 'small',
        expect: o.why.expect,
        expectReason: o.why.reason,
        answer: o.answer,
        drive: { via: 'probe', control: controlOf(source), target: { host: o.name, port: o.port }, tries: 1, resolveOver: transport },
        properties: {
          'dns.name': o.name,
          'dns.what': o.what,
          'dns.transport': transport,
          'dns.policy': source.role === 'host' ? 'ClusterFirstWithHostNet' : 'ClusterFirst',
          'dns.server': server.clusterIP,
          ...(plan.serverEndpoints !== undefined ? { 'dns.server.endpoints': String(plan.serverEndpoints) } : {}),
        },
      };
    };
    const fits = (source: ProbePod, o: Lookup) => o.answer.kind === 'nxdomain' || ipIn(source, o.to.family) !== undefined;
    for (const node of nodes) {
      for (const source of podProbesOn(topology, node).filter((p) => p.role === 'probe-a' || p.role === 'probe-b')) {
        rows.push(...lookups.filter((o) => fits(source, o)).map((o) => row(source, o)));
      }
      const host = hostProbeOn(topology, node);
      if (host) rows.push(...lookups.filter((o) => o.fromHost && fits(host, o)).map((o) => row(host, o)));
    }
    // Setup problems, never DNS verdicts: without the resolver settings no lookup runs; without
    // the suite's Services (not created, endpoints never all there) the lookups of their names do not.
    if (plan.resolverProblem) return notRunRows(rows, plan.resolverProblem, { topology });
    const ours = new Set<string>(['short', 'fqdn', 'headless'] satisfies Lookup['what'][]);
    return plan.servicesProblem ? notRunRows(rows, plan.servicesProblem, { topology, depends: (r) => ours.has(r.properties?.['dns.what'] ?? '') }) : rows;
  },

  describe: (plan) =>
    plan.serverProblem ??
    plan.servicesProblem ??
    `cluster DNS ${plan.server?.namespace}/${plan.server?.name} ${plan.server?.clusterIP}${plan.serverEndpoints !== undefined ? ` (${plan.serverEndpoints} ready endpoints)` : ''}, domain ${plan.domain ?? '(unknown)'}${plan.resolverProblem ? ` — ${plan.resolverProblem}` : ''}${plan.programming ? `; ${plan.programming}` : ''}`,
});
