// Topology → check rows (STYLE.md §2): a check is a row of data; adding a check is adding a row.
// Full mesh or --short sampling, then --only/--skip. Pure; unit-tested.
import type { Endpoint, Expectation, Protocol, SuiteName } from './results.ts';
import type { ProbePod, Topology } from './topology.ts';
import { EXPECTATIONS, type AnswerCheck } from './verdicts.ts';

export type RowAnswer = Exclude<AnswerCheck, { kind: 'echo' }> | { kind: 'echo'; bytes: number };

/** Full-size payloads: bigger than one MTU. netexec's UDP server reads into a 2048-byte buffer. */
export const FULL_PAYLOAD_BYTES: Record<Protocol, number> = { tcp: 20 * 1024, udp: 1900 };
/** Dials per request on Service rows, so several backends get a chance to answer. */
export const SERVICE_TRIES = 6;

export type Payload = 'small' | 'full';

export interface CheckRow {
  kind: 'check';
  suite: SuiteName;
  title: string;
  from: Endpoint;
  to: Endpoint;
  /** The probe that performs the dial, driven through the API server's pod proxy. */
  control: { pod: string; port: number };
  target: { host: string; port: number; protocol: Protocol };
  payload: Payload;
  /** Small rows ask for the hostname (or just connect); full-size rows echo `bytes`. */
  answer: RowAnswer;
  tries: number;
  expect: Expectation;
  expectReason: string;
  /** Extra facts for the report and diagnosis (e.g. service: 'kubernetes'). */
  properties?: Record<string, string>;
}

/** A probe that never became ready: an error testcase naming the reason. */
export interface SetupRow {
  kind: 'setup';
  suite: SuiteName;
  title: string;
  node: string;
  reason: string;
}

/** A check that cannot run here, reported as skipped with the reason (never a silent pass). */
export interface SkipRow {
  kind: 'skip';
  suite: SuiteName;
  title: string;
  node?: string;
  reason: string;
}

/** The Service range must not overlap node addresses or pod CIDRs (evaluated from topology alone). */
export interface CidrRow {
  kind: 'cidr';
  suite: SuiteName;
  title: string;
  serviceCIDRs: string[];
  nodeAddresses: { node: string; address: string }[];
  podCIDRs: { node: string; cidr: string }[];
}

export type Row = CheckRow | SetupRow | SkipRow | CidrRow;

export interface Selection {
  /** Regexes on "<suite> <title>": keep rows matching any. */
  only?: string[];
  /** Regexes on "<suite> <title>": drop rows matching any. */
  skip?: string[];
  /** One pair per (ordered) node pair instead of every pod pair. */
  short?: boolean;
}

const VARIANTS: { protocol: Protocol; payload: Payload }[] = [
  { protocol: 'tcp', payload: 'small' },
  { protocol: 'udp', payload: 'small' },
  { protocol: 'tcp', payload: 'full' },
  { protocol: 'udp', payload: 'full' },
];

function label(p: ProbePod): string {
  return `${p.node}/${p.role}`;
}

function endpointOf(p: ProbePod): Endpoint {
  return { node: p.node, pod: p.name, ip: p.ip, kind: p.role === 'host' ? 'host' : 'pod' };
}

function controlOf(p: ProbePod, topology: Topology) {
  return { pod: p.name, port: p.role === 'host' ? topology.ports.hostHttp : topology.ports.http };
}

function sizeText(bytes: number): string {
  return bytes % 1024 === 0 ? `${bytes / 1024}KiB` : `${bytes}B`;
}

function titleOf(from: string, to: string, host: string, port: number, protocol: Protocol, payload: Payload): string {
  return `${from} → ${to} ${host}:${port}/${protocol}${payload === 'full' ? ` ${sizeText(FULL_PAYLOAD_BYTES[protocol])}` : ''}`;
}

/** Rows to one pod target (pod-to-pod): hostname must be the target's own. */
function podTargetRows(source: ProbePod, target: ProbePod, topology: Topology): CheckRow[] {
  const why = source.role === 'host' ? EXPECTATIONS.hostToPod : EXPECTATIONS.podToPod;
  return VARIANTS.map(({ protocol, payload }) => {
    const port = protocol === 'tcp' ? topology.ports.http : topology.ports.udp;
    return {
      kind: 'check',
      suite: 'pod-to-pod',
      title: titleOf(label(source), label(target), target.ip, port, protocol, payload),
      from: endpointOf(source),
      to: endpointOf(target),
      control: controlOf(source, topology),
      target: { host: target.ip, port, protocol },
      payload,
      answer: payload === 'full' ? { kind: 'echo', bytes: FULL_PAYLOAD_BYTES[protocol] } : { kind: 'hostname', expected: [target.name] },
      tries: 1,
      expect: why.expect,
      expectReason: why.reason,
    };
  });
}

const ready = (p: ProbePod) => p.ready && p.ip !== '';

/** The pod probes of a node, probe-a first. */
function podProbesOn(topology: Topology, node: string): ProbePod[] {
  return topology.probes.filter((p) => p.node === node && p.role !== 'host' && ready(p)).sort((a, b) => a.role.localeCompare(b.role));
}

function hostProbeOn(topology: Topology, node: string): ProbePod | undefined {
  return topology.probes.find((p) => p.node === node && p.role === 'host' && ready(p));
}

function probedNodes(topology: Topology): string[] {
  return topology.nodes.filter((n) => !n.skipReason).map((n) => n.name);
}

/** Nodes the run does not probe (cordoned, NotReady): a skipped row each, never a silent pass. */
export function skippedNodeRows<S extends string>(suite: S, nodes: readonly { name: string; skipReason?: string }[]): { kind: 'skip'; suite: S; title: string; node: string; reason: string }[] {
  return nodes.filter((n) => n.skipReason).map((n) => ({ kind: 'skip', suite, title: `node ${n.name} skipped`, node: n.name, reason: `node ${n.name} is ${n.skipReason}` }));
}

/** Setup failures and skipped nodes, as rows of a suite. */
function setupRows(suite: SuiteName, topology: Topology): Row[] {
  const rows: Row[] = skippedNodeRows(suite, topology.nodes);
  for (const p of topology.probes) {
    if (!p.ready) rows.push({ kind: 'setup', suite, title: `setup ${label(p)}`, node: p.node, reason: `probe ${p.name} on node ${p.node} never became ready: ${p.problem ?? 'unknown reason'}` });
  }
  return rows;
}

/** pod-to-pod: every pod → every other pod (full) or one pair per node pair (short); every host → a pod on every node. */
export function podToPodRows(topology: Topology, selection: Selection = {}): Row[] {
  const rows: Row[] = setupRows('pod-to-pod', topology);
  const nodes = probedNodes(topology);
  for (const fromNode of nodes) {
    for (const toNode of nodes) {
      const sources = podProbesOn(topology, fromNode);
      const targets = podProbesOn(topology, toNode);
      if (selection.short) {
        // probe-a of the source node → probe-b of the target node (probe-a if it has no probe-b).
        const source = sources[0];
        const target = fromNode === toNode ? targets.find((t) => t !== source) : (targets[1] ?? targets[0]);
        if (source && target) rows.push(...podTargetRows(source, target, topology));
      } else {
        for (const s of sources) for (const t of targets) if (s !== t) rows.push(...podTargetRows(s, t, topology));
      }
    }
  }
  for (const fromNode of nodes) {
    const host = hostProbeOn(topology, fromNode);
    if (!host) continue;
    for (const toNode of nodes) {
      const target = podProbesOn(topology, toNode)[0];
      if (target) rows.push(...podTargetRows(host, target, topology));
    }
  }
  return select(rows, selection);
}

/** pod-to-service: the probes Service from every pod and every host; the kubernetes VIP from every pod; the CIDR check. */
export function podToServiceRows(topology: Topology, selection: Selection = {}): Row[] {
  const rows: Row[] = setupRows('pod-to-service', topology);
  const nodes = probedNodes(topology);
  const backends = topology.probes.filter((p) => p.role !== 'host' && ready(p)).map((p) => p.name);
  const sources = nodes.flatMap((n) => {
    const pods = podProbesOn(topology, n);
    const host = hostProbeOn(topology, n);
    return [...(selection.short ? pods.slice(0, 1) : pods), ...(host ? [host] : [])];
  });
  const svc = topology.probeService;
  if (!svc) {
    rows.push({ kind: 'skip', suite: 'pod-to-service', title: 'service/probes', reason: 'the probes Service was not created' });
  } else {
    for (const source of sources) {
      const why = source.role === 'host' ? EXPECTATIONS.hostToService : EXPECTATIONS.podToService;
      for (const { protocol, payload } of VARIANTS) {
        rows.push({
          kind: 'check',
          suite: 'pod-to-service',
          title: titleOf(label(source), `service/${svc.name}`, svc.clusterIP, svc.port, protocol, payload),
          from: endpointOf(source),
          to: { node: '', ip: svc.clusterIP, kind: 'service' },
          control: controlOf(source, topology),
          target: { host: svc.clusterIP, port: svc.port, protocol },
          payload,
          ...(payload === 'full'
            ? { answer: { kind: 'echo', bytes: FULL_PAYLOAD_BYTES[protocol] }, tries: 1 }
            : { answer: { kind: 'hostname', expected: backends, minDistinct: Math.min(2, backends.length) }, tries: SERVICE_TRIES }),
          expect: why.expect,
          expectReason: why.reason,
          properties: { service: svc.name },
        });
      }
    }
  }
  const api = topology.apiService;
  if (!api) {
    rows.push({ kind: 'skip', suite: 'pod-to-service', title: 'service/kubernetes', reason: 'the `kubernetes` Service in namespace default was not found' });
  } else {
    for (const source of sources.filter((s) => s.role !== 'host')) {
      rows.push({
        kind: 'check',
        suite: 'pod-to-service',
        title: titleOf(label(source), 'service/kubernetes', api.clusterIP, api.port, 'tcp', 'small'),
        from: endpointOf(source),
        to: { node: '', ip: api.clusterIP, kind: 'service' },
        control: controlOf(source, topology),
        target: { host: api.clusterIP, port: api.port, protocol: 'tcp' },
        payload: 'small',
        answer: { kind: 'connect' },
        tries: 1,
        expect: EXPECTATIONS.podToApiServer.expect,
        expectReason: EXPECTATIONS.podToApiServer.reason,
        properties: { service: 'kubernetes' },
      });
    }
  }
  if (topology.serviceCIDRs?.length) {
    rows.push({
      kind: 'cidr',
      suite: 'pod-to-service',
      title: `Service CIDR ${topology.serviceCIDRs.join(', ')} overlaps no node address or pod CIDR`,
      serviceCIDRs: topology.serviceCIDRs,
      nodeAddresses: topology.nodes.flatMap((n) => n.addresses.map((address) => ({ node: n.name, address }))),
      podCIDRs: topology.nodes.flatMap((n) => n.podCIDRs.map((cidr) => ({ node: n.name, cidr }))),
    });
  } else {
    rows.push({ kind: 'skip', suite: 'pod-to-service', title: 'Service CIDR overlaps no node address or pod CIDR', reason: topology.serviceCIDRsUnknownReason ?? 'the Service CIDRs could not be read' });
  }
  return select(rows, selection);
}

/** --only / --skip: regexes matched against "<suite> <title>". */
export function select<T extends { suite: string; title: string }>(rows: T[], selection: Selection): T[] {
  const only = (selection.only ?? []).map((r) => new RegExp(r));
  const skip = (selection.skip ?? []).map((r) => new RegExp(r));
  return rows.filter((row) => {
    const text = `${row.suite} ${row.title}`;
    if (only.length && !only.some((r) => r.test(text))) return false;
    return !skip.some((r) => r.test(text));
  });
}
