// Result fixtures for the paths of issue 12 (pod-to-node, hairpin, session-affinity), in the
// style of test/unit/fixtures/results.ts: a test states only the fault it injects.
import type { NetworkResult, Observation } from '../../../helpers/check/types.ts';
import { NODES, row } from '../fixtures/results.ts';

type Fault = (r: NetworkResult) => Observation | undefined;

const nodeIp = (node: string) => `10.0.0.${NODES.indexOf(node as (typeof NODES)[number]) + 10}`;
const podIp = (node: string) => `10.244.${NODES.indexOf(node as (typeof NODES)[number])}.5`;

export function observe(r: NetworkResult, observed: Observation | undefined, properties?: Record<string, string>): NetworkResult {
  if (!observed || observed === r.observed) return r;
  return {
    ...r,
    observed,
    outcome: observed === 'CONTROL_ERROR' ? 'error' : observed === r.expect ? 'passed' : 'failed',
    detail: `observed ${observed}`,
    attempts: 2,
    ...(properties ? { properties: { ...r.properties, ...properties } } : {}),
  };
}

/** pod-to-node: probe-a on every node → every node's host probe, TCP 18080 and UDP 18081. */
export function podToNode(fault?: Fault): NetworkResult[] {
  return NODES.flatMap((from) =>
    NODES.flatMap((to) =>
      (['tcp', 'udp'] as const).map((protocol) => {
        const port = protocol === 'tcp' ? 18080 : 18081;
        const r = row({
          suite: 'pod-to-node',
          name: `${from}/probe-a → ${to}/host ${port}/${protocol}`,
          port,
          protocol,
          payload: 'small',
          from: { node: from, pod: 'probe-a', ip: podIp(from), kind: 'pod' },
          to: { node: to, pod: 'hostnet', ip: nodeIp(to), kind: 'host' },
        });
        return observe(r, fault?.(r));
      }),
    ),
  );
}

/** hairpin: probe-a on every node → its own Service, TCP and UDP. */
export function hairpinRows(fault?: Fault): NetworkResult[] {
  return NODES.flatMap((node, i) =>
    (['tcp', 'udp'] as const).map((protocol) => {
      const r = row({
        suite: 'hairpin',
        name: `${node}/probe-a → itself via its own Service 80/${protocol}`,
        port: 80,
        protocol,
        payload: 'small',
        from: { node, pod: 'probe-a', ip: podIp(node), kind: 'pod' },
        to: { node, ip: `10.96.1.${i}`, kind: 'service', service: `hairpin-${node}` },
        properties: { service: `hairpin-${node}` },
      });
      return observe(r, fault?.(r));
    }),
  );
}

/** session-affinity: probe-a and the host probe of every node → the affinity Service, TCP and UDP. */
export function affinityRows(fault?: Fault): NetworkResult[] {
  return NODES.flatMap((node) =>
    (['pod', 'host'] as const).flatMap((kind) =>
      (['tcp', 'udp'] as const).map((protocol) => {
        const r = row({
          suite: 'session-affinity',
          name: `${node}/${kind === 'pod' ? 'probe-a' : 'host'} → service/probes-affinity 80/${protocol}`,
          port: 80,
          protocol,
          payload: 'small',
          from: { node, pod: kind === 'pod' ? 'probe-a' : 'hostnet', ip: kind === 'pod' ? podIp(node) : nodeIp(node), kind },
          to: { node: '', ip: '10.96.0.60', kind: 'service', service: 'probes-affinity' },
          properties: { service: 'probes-affinity', 'answered.by': 'probe-a-cp-1' },
        });
        return observe(r, fault?.(r));
      }),
    ),
  );
}

type DnsFault = (r: NetworkResult) => { observed: Observation; result?: string } | undefined;

/** dns: probe-a (UDP) and probe-b (TCP) on every node resolve the FQDN and the missing name; the host probe the FQDN. */
export function dnsRows(fault?: DnsFault): NetworkResult[] {
  return NODES.flatMap((node) => {
    const sources = [
      { pod: 'probe-a', kind: 'pod' as const, transport: 'udp' },
      { pod: 'probe-b', kind: 'pod' as const, transport: 'tcp' },
      { pod: 'hostnet', kind: 'host' as const, transport: 'udp' },
    ];
    return sources.flatMap((s) =>
      (s.kind === 'host' ? ['fqdn'] : ['fqdn', 'nxdomain']).map((what) => {
        const r = row({
          suite: 'dns',
          name: `${node}/${s.kind === 'host' ? 'host' : s.pod} → ${what} (DNS over ${s.transport.toUpperCase()})`,
          port: 80,
          protocol: 'tcp',
          payload: 'small',
          from: { node, pod: s.pod, ip: s.kind === 'host' ? nodeIp(node) : podIp(node), kind: s.kind },
          to: { node: '', ip: what === 'nxdomain' ? '10.96.0.10' : '10.96.5.5', kind: 'service', service: what === 'nxdomain' ? 'kube-dns' : 'dns-probes' },
          properties: { 'dns.what': what, 'dns.transport': s.transport, 'dns.server': '10.96.0.10', ...(what === 'nxdomain' ? { 'dns.result': 'NXDOMAIN' } : {}) },
        });
        const f = fault?.(r);
        if (!f) return r;
        const out = observe(r, f.observed);
        const properties: Record<string, string> = { ...out.properties };
        if (f.result) properties['dns.result'] = f.result;
        else delete properties['dns.result'];
        return { ...out, properties };
      }),
    );
  });
}
