// Case families about what a rule admits besides peers: numbered and named ports, endPort ranges,
// protocols, ipBlock (with except, per IP family) and egress to the cluster DNS.
import { cidrFamily } from './ip-block.ts';
import { denyAll } from './cases-basic.ts';
import { apply, COREDNS_PORTS, inNamespace, policy, pods, selector, step, type CaseFamily, type CaseSpec, type Kit, type NamespaceId, type PodId } from './case-world.ts';
import type { Family, NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort } from './types.ts';

const one = (id: string, family: CaseFamily, description: string, ...policies: NetworkPolicy[]): CaseSpec => ({ id, family, description, steps: [step(description, ...policies.map(apply))] });

/** Two port entries of different protocols: each admits only its own (80/TCP, 81/UDP; not 80/UDP or 81/TCP). A fresh list per policy. */
const tcp80udp81 = (): NetworkPolicyPort[] => [
  { port: 80, protocol: 'TCP' },
  { port: 81, protocol: 'UDP' },
];

/** Ingress to every pod of x from anyone, on these ports only. */
function into(kit: Kit, name: string, ports: NetworkPolicyPort[]): NetworkPolicy {
  return policy(kit.ns('x'), name, { podSelector: {}, ingress: [{ ports }] });
}

/** Egress from x/a to anyone, on these ports only. */
function outOf(kit: Kit, name: string, ports: NetworkPolicyPort[], to?: NetworkPolicyPeer[]): NetworkPolicy {
  return policy(kit.ns('x'), name, { podSelector: selector({ pod: 'a' }), policyTypes: ['Egress'], egress: [{ ...(to ? { to } : {}), ports }] });
}

export function portNumberCases(kit: Kit): CaseSpec[] {
  const f = 'port-number' as const;
  return [
    one('ingress/port-number/80-default-protocol', f, 'port 80 with no protocol: 80/TCP only (protocol defaults to TCP)', into(kit, 'in-80', [{ port: 80 }])),
    one('ingress/port-number/81-udp', f, 'port 81 UDP only', into(kit, 'in-81-udp', [{ port: 81, protocol: 'UDP' }])),
    one(
      'ingress/port-number/80-from-b',
      f,
      'x/a accepts pod=b of x on 80/TCP only',
      policy(kit.ns('x'), 'a-from-b-80', { podSelector: selector({ pod: 'a' }), ingress: [{ from: [pods('b')], ports: [{ port: 80, protocol: 'TCP' }] }] }),
    ),
    one('ingress/port-number/two-entries', f, 'ports [80/TCP, 81/UDP]', into(kit, 'in-80-tcp-81-udp', tcp80udp81())),
    one('ingress/port-number/unserved-port', f, 'port 82 only: nothing the fleet serves is allowed into x', into(kit, 'in-82', [{ port: 82 }])),
    one('egress/port-number/81-tcp', f, 'x/a may send to 81/TCP only', outOf(kit, 'out-81', [{ port: 81 }])),
    one('egress/port-number/80-udp-to-y', f, 'x/a may send to namespace y on 80/UDP only', outOf(kit, 'out-80-udp-y', [{ port: 80, protocol: 'UDP' }], [inNamespace('y')])),
  ];
}

export function portNameCases(kit: Kit): CaseSpec[] {
  const f = 'port-name' as const;
  return [
    one('ingress/port-name/serve-80-tcp', f, 'named port serve-80-tcp (protocol defaulted to TCP) resolves to 80/TCP on each pod of x', into(kit, 'in-named-80', [{ port: 'serve-80-tcp' }])),
    one('ingress/port-name/serve-81-udp', f, 'named port serve-81-udp with protocol UDP: 81/UDP', into(kit, 'in-named-81-udp', [{ port: 'serve-81-udp', protocol: 'UDP' }])),
    one(
      'ingress/port-name/protocol-mismatch',
      f,
      'serve-80-tcp with protocol UDP matches no container port: nothing allowed',
      into(kit, 'in-named-mismatch', [{ port: 'serve-80-tcp', protocol: 'UDP' }]),
    ),
    one('ingress/port-name/default-protocol-mismatch', f, 'serve-80-udp without protocol (TCP) matches nothing', into(kit, 'in-named-udp-as-tcp', [{ port: 'serve-80-udp' }])),
    one('ingress/port-name/unknown-name', f, 'a name no container port has: nothing allowed', into(kit, 'in-named-unknown', [{ port: 'serve-82-tcp' }])),
    one(
      'ingress/port-name/unknown-name-from-b',
      f,
      'x/a from pod=b on a name no container port has: x/a isolated, nothing allowed, not even from x/b',
      policy(kit.ns('x'), 'a-from-b-named-unknown', { podSelector: selector({ pod: 'a' }), ingress: [{ from: [pods('b')], ports: [{ port: 'serve-82-tcp' }] }] }),
    ),
    one('egress/port-name/serve-81-tcp', f, 'x/a may send to serve-81-tcp, resolved on each destination pod', outOf(kit, 'out-named-81', [{ port: 'serve-81-tcp' }])),
    one(
      'egress/port-name/named-and-numbered',
      f,
      'x/a may send to namespace z on serve-80-udp (UDP) or 81/TCP',
      outOf(kit, 'out-named-z', [{ port: 'serve-80-udp', protocol: 'UDP' }, { port: 81 }], [inNamespace('z')]),
    ),
  ];
}

export function endPortCases(kit: Kit): CaseSpec[] {
  const f = 'end-port' as const;
  return [
    one('ingress/end-port/80-81-tcp', f, 'ports 80-81/TCP: both TCP ports, no UDP', into(kit, 'in-80-81', [{ port: 80, endPort: 81 }])),
    one('ingress/end-port/79-80-udp', f, 'ports 79-80/UDP: 80/UDP only', into(kit, 'in-79-80-udp', [{ port: 79, endPort: 80, protocol: 'UDP' }])),
    one('ingress/end-port/81-90-tcp', f, 'ports 81-90/TCP: 81/TCP only', into(kit, 'in-81-90', [{ port: 81, endPort: 90 }])),
    one('ingress/end-port/equal-ends', f, 'endPort equal to port (80-80): 80/TCP only', into(kit, 'in-80-80', [{ port: 80, endPort: 80 }])),
    one('ingress/end-port/82-90-tcp', f, 'ports 82-90/TCP: none of the served ports', into(kit, 'in-82-90', [{ port: 82, endPort: 90 }])),
    one('egress/end-port/80-81-udp', f, 'x/a may send to 80-81/UDP', outOf(kit, 'out-80-81-udp', [{ port: 80, endPort: 81, protocol: 'UDP' }])),
  ];
}

export function protocolCases(kit: Kit): CaseSpec[] {
  const f = 'protocol' as const;
  return [
    one('ingress/protocol/udp-only', f, 'protocol UDP without a port: every UDP port, no TCP', into(kit, 'in-udp', [{ protocol: 'UDP' }])),
    one('ingress/protocol/tcp-only', f, 'protocol TCP without a port: every TCP port, no UDP', into(kit, 'in-tcp', [{ protocol: 'TCP' }])),
    one('ingress/protocol/sctp-only', f, 'protocol SCTP only: no TCP or UDP probe is allowed into x', into(kit, 'in-sctp', [{ protocol: 'SCTP' }])),
    one('egress/protocol/udp-only', f, 'x/a may send UDP only', outOf(kit, 'out-udp', [{ protocol: 'UDP' }])),
    one('egress/protocol/tcp-80-udp-81', f, 'x/a may send 80/TCP and 81/UDP', outOf(kit, 'out-mixed', tcp80udp81())),
  ];
}

function hostCidr(ip: string): string {
  return `${ip}/${cidrFamily(ip) === 'ipv6' ? 128 : 32}`;
}

/** ipBlock cases for each family with a pod CIDR and pod addresses of that family. */
export function ipBlockCases(kit: Kit): CaseSpec[] {
  const ip = (n: NamespaceId, p: PodId, family: Family) => kit.world.pods.find((q) => q.namespace === kit.ns(n) && q.name === p)?.ips.find((a) => cidrFamily(a) === family);
  return (kit.options.podCIDRs ?? []).flatMap((cidr): CaseSpec[] => {
    const family = cidrFamily(cidr);
    const yb = ip('y', 'b', family);
    const zc = ip('z', 'c', family);
    if (!yb || !zc) return [];
    const all = family === 'ipv6' ? '::/0' : '0.0.0.0/0';
    const other = (kit.options.podCIDRs ?? []).find((c) => cidrFamily(c) !== family);
    const a = selector({ pod: 'a' });
    const x = kit.ns('x');
    const c = (id: string, description: string, p: NetworkPolicy): CaseSpec => ({
      id: `${id}/${family}`,
      family: 'ip-block',
      description: `${description} (${family})`,
      ipFamily: family,
      steps: [step(description, apply(p))],
    });
    const cases = [
      c(
        'ingress/ip-block/pod-cidr-80',
        `x/a accepts the pod CIDR ${cidr} on 80/TCP only`,
        policy(x, 'from-pod-cidr', { podSelector: a, ingress: [{ from: [{ ipBlock: { cidr } }], ports: [{ port: 80 }] }] }),
      ),
      c(
        'ingress/ip-block/pod-cidr-except-pod',
        `x/a accepts ${cidr} except y/b (${yb})`,
        policy(x, 'from-cidr-except', { podSelector: a, ingress: [{ from: [{ ipBlock: { cidr, except: [hostCidr(yb)] } }] }] }),
      ),
      c('ingress/ip-block/single-pod', `x/a accepts ${hostCidr(yb)} (y/b) only`, policy(x, 'from-y-b-ip', { podSelector: a, ingress: [{ from: [{ ipBlock: { cidr: hostCidr(yb) } }] }] })),
      c(
        'ingress/ip-block/outside-pod-cidr',
        `x/a accepts ${all} except the pod CIDR: no pod`,
        policy(x, 'from-outside', { podSelector: a, ingress: [{ from: [{ ipBlock: { cidr: all, except: [cidr] } }] }] }),
      ),
      c(
        'ingress/ip-block/or-pod-selector',
        `x/a accepts ${hostCidr(zc)} (z/c) or pod=b of x`,
        policy(x, 'from-ip-or-b', { podSelector: a, ingress: [{ from: [{ ipBlock: { cidr: hostCidr(zc) } }, pods('b')] }] }),
      ),
      c(
        'egress/ip-block/pod-cidr-except-pod',
        `x/a may send to ${cidr} except z/c (${zc})`,
        policy(x, 'to-cidr-except', { podSelector: a, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr, except: [hostCidr(zc)] } }] }] }),
      ),
      c(
        'egress/ip-block/single-pod',
        `x/a may send to ${hostCidr(zc)} (z/c) only`,
        policy(x, 'to-z-c-ip', { podSelector: a, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: hostCidr(zc) } }] }] }),
      ),
    ];
    if (other)
      cases.push(
        c(
          'ingress/ip-block/other-family',
          `x/a accepts only the other family's pod CIDR ${other}: nothing over ${family}`,
          policy(x, 'from-other-family', { podSelector: a, ingress: [{ from: [{ ipBlock: { cidr: other } }] }] }),
        ),
      );
    return cases;
  });
}

/** Default-deny egress with the cluster DNS let through: the case every locked-down namespace needs. */
export function dnsEgressCases(kit: Kit): CaseSpec[] {
  const dns = kit.options.dns;
  if (!dns) return [];
  const dnsPeers: NetworkPolicyPeer[] =
    'namespace' in dns
      ? [{ namespaceSelector: selector({ 'kubernetes.io/metadata.name': dns.namespace }), podSelector: selector(dns.podLabels) }]
      : dns.ips.map((ip) => ({ ipBlock: { cidr: hostCidr(ip) } }));
  const allowDns = (n: NamespaceId, ports: NetworkPolicyPort[]) => policy(kit.ns(n), 'allow-dns', { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: dnsPeers, ports }] });
  const udpTcp: NetworkPolicyPort[] = [
    { port: 53, protocol: 'UDP' },
    { port: 53, protocol: 'TCP' },
  ];
  const c = (id: string, description: string, ...policies: NetworkPolicy[]): CaseSpec => ({ id, family: 'dns-egress', description, dns: true, steps: [step(description, ...policies.map(apply))] });
  const cases = [
    c('egress/dns-egress/deny-plus-dns', 'egress denied from x except to the cluster DNS on 53/UDP and 53/TCP', denyAll(kit, 'x', 'egress'), allowDns('x', udpTcp)),
    c('egress/dns-egress/udp-only', 'egress denied from x except DNS over UDP: 53/TCP stays denied', denyAll(kit, 'x', 'egress'), allowDns('x', [{ port: 53, protocol: 'UDP' }])),
    c('egress/dns-egress/every-namespace', 'egress denied from x, y and z, DNS allowed from each', ...(['x', 'y', 'z'] as const).flatMap((n) => [denyAll(kit, n, 'egress'), allowDns(n, udpTcp)])),
    c(
      'egress/dns-egress/dns-and-namespace-y',
      'egress from x: DNS, and namespace y (a second policy)',
      denyAll(kit, 'x', 'egress'),
      allowDns('x', udpTcp),
      policy(kit.ns('x'), 'allow-to-y', { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [inNamespace('y')] }] }),
    ),
  ];
  // Named ports resolve on the DNS pods, so only when they are selected by label (not by address).
  const names = 'namespace' in dns ? Object.entries(dns.namedPorts ?? COREDNS_PORTS).filter(([, p]) => p.port === 53) : [];
  if (names.length > 0) {
    const ports = names.map(([name, p]) => ({ port: name, protocol: p.protocol }));
    cases.push(c('egress/dns-egress/named-ports', `egress denied from x except DNS by its named ports ${names.map(([n]) => n).join(', ')}`, denyAll(kit, 'x', 'egress'), allowDns('x', ports)));
  }
  return cases;
}
